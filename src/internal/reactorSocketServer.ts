/**
 * `@effect/platform`'s `SocketServer` over our listeners.
 *
 * Ownership, outermost first:
 *
 * ```
 * server scope ── listener (closed last)
 *    └─ run scope (one per `run`, closed when `run` ends) ── FiberSet of handler fibers (interrupted first)
 *          └─ connections ── connection scope (one per accepted connection) ── the accepted stream
 * ```
 *
 * - Connections are accepted only while a `run` is active; until then they wait in the kernel's backlog, which the
 *   kernel resets when the listener closes. So no connection is ever accepted without an owner.
 * - An accepted connection's scope is a child of its run's scope: closing the server's scope (or interrupting `run`)
 *   closes every connection, including one accepted but not yet handed to its handler.
 * - The connection's scope is closed when its handler ends, whether or not the handler ever called `run`, and
 *   when a `run` on it ends (a `Socket` run owns its connection).
 *
 * @internal
 */
import type * as Socket from "@effect/platform/Socket"
import * as SocketServer from "@effect/platform/SocketServer"
import type * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { IoError } from "../IoError.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import * as TcpListener from "../TcpListener.js"
import type { TcpStream } from "../TcpStream.js"
import * as UnixListener from "../UnixListener.js"
import * as ioError from "./ioError.js"
import * as reactorSocket from "./reactorSocket.js"
import { show } from "./show.js"

/**
 * An address as our IO types report it.
 *
 * @internal
 */
export type LocalAddress =
  | { readonly _tag: "Inet"; readonly address: string; readonly port: number }
  | { readonly _tag: "Unix"; readonly path: string }

/**
 * What the server needs of a listener (`TcpListener` and `UnixListener` both are one).
 *
 * @internal
 */
export interface Listener<C extends reactorSocket.Stream, IE> {
  readonly accept: Effect.Effect<C, IE, Scope.Scope>
  readonly localAddress: LocalAddress
}

/**
 * The server's address in `SocketServer`'s shape.
 *
 * @internal
 */
export const toAddress = (address: LocalAddress): SocketServer.Address =>
  address._tag === "Unix" ?
    { _tag: "UnixAddress", path: address.path } :
    { _tag: "TcpAddress", hostname: address.address, port: address.port }

/**
 * What to do after an accept failure: `"next"` (only that connection failed, as with ECONNABORTED), `"closed"` (the
 * listener was closed under the run: the server's scope is closing, and the run ends quietly, as interrupted) or
 * `"fail"`. Running out of descriptors or memory never gets here: our listeners wait that out themselves
 * (acceptBackoff.ts).
 *
 * @internal
 */
export type OnAcceptError<IE> = (error: IE) => "next" | "closed" | "fail"

/**
 * The accept failures of our listeners that leave the listener usable.
 *
 * @internal
 */
export const onAcceptIoError: OnAcceptError<IoError> = (error) => {
  if (error.reason === "Closed") return "closed"
  if (error.reason === "ConnectionReset" || error.code === "EPROTO" || error.code === "EPERM") return "next"
  return "fail"
}

/**
 * A `SocketServer` over a bound listener owned by the current scope.
 *
 * @internal
 */
export const fromListener = <C extends reactorSocket.Stream, IE>(
  listener: Listener<C, IE>,
  options?: {
    readonly onAcceptError?: OnAcceptError<IE> | undefined
    /** The sockets' settings (`reactorSocket.settingsOf`): the defaults when absent. */
    readonly settings?: reactorSocket.Settings | undefined
    /** Applied to each accepted connection before its handler sees it; best effort (a failure is ignored). */
    readonly prepare?: ((conn: C) => Effect.Effect<void, IE>) | undefined
  }
): Effect.Effect<SocketServer.SocketServer["Type"], never, Scope.Scope> =>
  Effect.map(Effect.scope, (serverScope) => {
    const onAcceptError: OnAcceptError<IE> = options?.onAcceptError ?? (() => "fail")
    const prepare = options?.prepare
    const accept = prepare === undefined ?
      listener.accept :
      Effect.tap(listener.accept, (conn) => Effect.ignore(prepare(conn)))
    const settings = options?.settings ?? (reactorSocket.settingsOf(undefined) as reactorSocket.Settings)

    // Accepts until the listener fails for good; each connection is handed to `onAccept` with its own scope.
    const serve = (
      connections: Scope.Scope,
      onAccept: (conn: C, connScope: Scope.CloseableScope) => void
    ): Effect.Effect<never, SocketServer.SocketServerError> =>
      Effect.forever(Effect.flatMap(
        Scope.fork(connections, ExecutionStrategy.sequential),
        (connScope) =>
          Effect.matchEffect(Scope.extend(accept, connScope), {
            onFailure: (error) =>
              Effect.zipRight(Scope.close(connScope, Exit.void), afterAcceptError(onAcceptError(error), error)),
            onSuccess: (conn) => Effect.sync(() => onAccept(conn, connScope))
          })
      ))

    const run = <R, E, _>(
      handler: (socket: Socket.Socket) => Effect.Effect<_, E, R>
    ): Effect.Effect<never, SocketServer.SocketServerError, R> =>
      Effect.acquireUseRelease(
        Scope.fork(serverScope, ExecutionStrategy.sequential),
        (runScope) =>
          Effect.gen(function*() {
            // Closed in reverse: the handlers are interrupted first (each closing its connection), then any
            // connection still without a handler is closed — so no handler sees its connection vanish under it.
            const connections = yield* Scope.fork(runScope, ExecutionStrategy.sequential)
            const fiberSet = yield* Scope.extend(FiberSet.make<unknown, never>(), runScope)
            const runFork = yield* FiberSet.runtime(fiberSet)<R>()
            return yield* serve(connections, (conn, connScope) => {
              const socket = serverSocket(conn, connScope, settings)
              const handled = Effect.ensuring(
                Effect.catchAllCause(handler(socket), reportUnhandledError),
                Scope.close(connScope, Exit.void)
              )
              runFork(Effect.provideService(handled, reactorSocket.Connection, conn))
            })
          }),
        (runScope, exit) => Scope.close(runScope, exit)
      ).pipe(Effect.interruptible)

    return SocketServer.SocketServer.of({ address: toAddress(listener.localAddress), run })
  })

/**
 * The `Socket` handed to a handler: its connection is already open; its first `run` uses it and closes it when it
 * ends, a later `run` fails with a `Close` error as Node's does.
 *
 * @internal
 */
export const serverSocket = <C extends reactorSocket.Stream>(
  conn: C,
  connScope: Scope.CloseableScope,
  settings: reactorSocket.Settings
): Socket.Socket => {
  let taken = false
  const open: Effect.Effect<reactorSocket.Stream, Socket.SocketError, Scope.Scope> = Effect.suspend(() => {
    if (taken) return Effect.fail(reactorSocket.closedError)
    taken = true
    return Effect.as(Effect.addFinalizer(() => Scope.close(connScope, Exit.void)), conn)
  })
  return reactorSocket.unsafeFromConnection(open, Context.empty(), settings)
}

const afterAcceptError = (
  decision: "next" | "closed" | "fail",
  cause: unknown
): Effect.Effect<void, SocketServer.SocketServerError> => {
  switch (decision) {
    case "next":
      return Effect.void
    case "closed":
      // The server's scope closed the listener: the run is over, and that is no error (a `run` of Node's server
      // never fails for it either). Its own scope, a child of the server's, is closed already.
      return Effect.interrupt
    case "fail":
      return Effect.fail(new SocketServer.SocketServerError({ reason: "Unknown", cause }))
  }
}

type ListenOptions =
  | {
    readonly host?: string | undefined
    readonly port?: number | undefined
    readonly backlog?: number | undefined
    readonly reuseAddress?: boolean | undefined
    readonly reusePort?: boolean | undefined
    readonly noDelay?: boolean | undefined
    readonly readBufferSize?: number | undefined
    readonly writableHighWaterMark?: number | undefined
  }
  | {
    readonly path: string
    readonly backlog?: number | undefined
    readonly readBufferSize?: number | undefined
    readonly writableHighWaterMark?: number | undefined
  }

const bind = (
  options: ListenOptions
): Effect.Effect<TcpListener.TcpListener | UnixListener.UnixListener, IoError, ReactorRuntime | Scope.Scope> =>
  "path" in options ?
    UnixListener.bind({
      path: options.path,
      ...(options.backlog === undefined ? {} : { backlog: options.backlog })
    }) :
    TcpListener.bind({
      ...(options.host === undefined ? {} : { host: options.host }),
      port: options.port ?? 0,
      ...(options.backlog === undefined ? {} : { backlog: options.backlog }),
      ...(options.reuseAddress === undefined ? {} : { reuseAddress: options.reuseAddress }),
      ...(options.reusePort === undefined ? {} : { reusePort: options.reusePort })
    })

// Best effort, as Node's: a connection reset before `setsockopt` reports its error to the handler's first read.
const setNoDelay = (conn: TcpStream): Effect.Effect<void, IoError> => conn.setNoDelay(true)

/** @internal */
export const make = (
  options: ListenOptions
): Effect.Effect<SocketServer.SocketServer["Type"], SocketServer.SocketServerError, ReactorRuntime | Scope.Scope> =>
  Effect.suspend(() => {
    // The options are checked before the listener exists: a bad one is an "Open" failure, not a defect at the first
    // connection.
    const settings = typeof options === "object" && options !== null
      ? reactorSocket.settingsOf(options)
      : ioError.invalidArgument("options", `options must be an object, got ${show(options)}`)
    if (settings instanceof IoError) {
      return Effect.fail(new SocketServer.SocketServerError({ reason: "Open", cause: settings }))
    }
    return Effect.flatMap(
      Effect.mapError(bind(options), (cause) => new SocketServer.SocketServerError({ reason: "Open", cause })),
      (listener) =>
        fromListener(listener, {
          onAcceptError: onAcceptIoError,
          settings,
          prepare: "noDelay" in options && options.noDelay === true ? setNoDelay : undefined
        })
    )
  })

/** @internal */
export const layer = (
  options: ListenOptions
): Layer.Layer<SocketServer.SocketServer, SocketServer.SocketServerError, ReactorRuntime> =>
  Layer.scoped(SocketServer.SocketServer, make(options))

const reportUnhandledError = <E>(cause: Cause.Cause<E>): Effect.Effect<void> =>
  Effect.withFiberRuntime((fiber) => {
    const level = fiber.getFiberRef(FiberRef.unhandledErrorLogLevel)
    return level._tag === "Some" ?
      Effect.logWithLevel(level.value, cause, "Unhandled error in SocketServer") :
      Effect.void
  })
