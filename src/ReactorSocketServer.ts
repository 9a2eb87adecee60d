/**
 * `@effect/platform`'s `SocketServer` over `TcpListener` and `UnixListener`: a drop-in for `@effect/platform-node`'s
 * `NodeSocketServer.make` / `layer`, with the same option shapes.
 *
 * - `address` is the address the listener is bound to (with `port: 0`, the port the kernel chose).
 * - `run(handler)` accepts connections while it runs and hands each to `handler` as a `Socket` in its own fiber; the
 *   handler's failures are logged at the fiber's unhandled-error log level, never fail `run`. When the server's scope
 *   closes under a `run` forked elsewhere, that `run` ends quietly, as interrupted (no `SocketServerError`).
 * - Every connection is closed when its handler ends (whether or not the handler called `run` on it), when `run` is
 *   interrupted, and when the server's scope closes — including a connection accepted but not yet handed to a
 *   handler. Until `run` starts, connections wait in the kernel's backlog.
 *
 * @since 0.1.0
 */
import type * as SocketServer from "@effect/platform/SocketServer"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/reactorSocketServer.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"

/**
 * Where to listen on TCP: the fields of Node's `ServerOpts` and `ListenOptions` that apply here. `port` defaults to
 * `0` (the kernel chooses; read it back from `address`); `host` to `"127.0.0.1"` (Node listens on every interface
 * by default: pass `"0.0.0.0"` or `"::"` for that); `noDelay` sets `TCP_NODELAY` on every accepted connection (off
 * by default, as in Node).
 *
 * @example
 * ```ts
 * import type { ReactorSocketServer } from "effect-reactor"
 *
 * const options: ReactorSocketServer.TcpListenOptions = { host: "127.0.0.1", port: 0, backlog: 511, noDelay: true }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface TcpListenOptions {
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly backlog?: number | undefined
  readonly reuseAddress?: boolean | undefined
  readonly reusePort?: boolean | undefined
  readonly noDelay?: boolean | undefined
  readonly readBufferSize?: number | undefined
  readonly writableHighWaterMark?: number | undefined
}

/**
 * Where to listen on a Unix-domain stream socket.
 *
 * @example
 * ```ts
 * import type { ReactorSocketServer } from "effect-reactor"
 *
 * const options: ReactorSocketServer.UnixListenOptions = { path: "/tmp/app.sock" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface UnixListenOptions {
  readonly path: string
  readonly backlog?: number | undefined
  readonly readBufferSize?: number | undefined
  readonly writableHighWaterMark?: number | undefined
}

/**
 * The options of `make` and `layer`: Unix when `path` is given, TCP otherwise. `readBufferSize` (64 KiB by default) is
 * the size of the buffer each connection's `run` reads into; `writableHighWaterMark` (64 KiB by default) bounds what
 * a connection queues before its writes and reads wait (see `ReactorSocket.NetConnectOptions`).
 *
 * @example
 * ```ts
 * import type { ReactorSocketServer } from "effect-reactor"
 *
 * const options: ReactorSocketServer.ListenOptions = { port: 0 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ListenOptions = TcpListenOptions | UnixListenOptions

/**
 * Binds and listens, in the current scope: closing it closes the listener and every connection. Binding failures are
 * `SocketServerError`s of reason `"Open"`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorSocketServer, ReactorRuntime } from "effect-reactor"
 *
 * const program = Effect.gen(function*() {
 *   const server = yield* ReactorSocketServer.make({ host: "127.0.0.1", port: 0 })
 *   console.log(server.address)
 * }).pipe(Effect.scoped, Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options: ListenOptions
) => Effect.Effect<SocketServer.SocketServer["Type"], SocketServer.SocketServerError, ReactorRuntime | Scope.Scope> =
  internal.make

/**
 * `make` as a `SocketServer` layer: swap it for `NodeSocketServer.layer` and provide `ReactorRuntime.layer`.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { ReactorSocketServer, ReactorRuntime } from "effect-reactor"
 *
 * const ServerLive = ReactorSocketServer.layer({ port: 0 }).pipe(Layer.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: (
  options: ListenOptions
) => Layer.Layer<SocketServer.SocketServer, SocketServer.SocketServerError, ReactorRuntime> = internal.layer
