/**
 * `@effect/platform`'s `Socket` over our stream sockets.
 *
 * A `Socket` is a recipe: every `run` opens a fresh connection in its own scope, reads it until EOF, an error, a
 * `CloseEvent` or interruption, and closes it when it ends. The writer outlives connections: writes wait (on a latch)
 * until a connection is open and go to the current one.
 *
 * State of one socket value:
 *
 * ```
 *   idle --run--> opening --open ok--> open --EOF / error / CloseEvent / interrupt--> idle
 *                    |                   ^
 *                    +---open failed-----+--> idle (run fails with reason "Open" / "OpenTimeout")
 * ```
 *
 * - `current` is set exactly while `open`; the latch is open exactly then.
 * - Releasing the last writer half-closes (`shutdown(SHUT_WR)`) the current connection after the writes in flight,
 *   or, with no connection yet, the next one as soon as it opens (`halfClosePending`), so an empty input still
 *   reaches the peer as EOF.
 *
 * The read loop is one fiber per `run`: it reads into one reused buffer and hands the handler a copy of the bytes
 * read. A handler that returns an Effect has it forked into the run's `FiberSet` (started synchronously), as the
 * `Socket` interface lets handler effects outlast their chunk without stopping the reads; a handler returning `void`
 * costs no fiber. One exception, invisible to the handler: when it returns the write effect this socket's writer
 * just made (an echo), the loop tries that write synchronously — what the forked fiber would do first — and forks
 * only what could not complete (a full socket buffer, or a write already in flight): see `EchoShortcut`.
 *
 * @internal
 */
import * as Socket from "@effect/platform/Socket"
import * as Channel from "effect/Channel"
import type * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Os from "node:os"
import { IoError } from "../IoError.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import type * as Api from "../ReactorSocket.js"
import * as TcpStream from "../TcpStream.js"
import * as UnixStream from "../UnixStream.js"
import * as Waker from "../Waker.js"
import * as ioError from "./ioError.js"
import * as reactorRuntime from "./reactorRuntime.js"
import { show } from "./show.js"

/**
 * What the adapter needs of a connected stream socket (`TcpStream` and `UnixStream` both are one).
 *
 * @internal
 */
export interface Connection<IE = unknown> {
  readonly read: (buffer: Uint8Array) => Effect.Effect<number, IE>
  /** The next bytes as a view into the thread's read slab (empty at EOF). Our streams have it; else `read` + a copy. */
  readonly readChunk?: ((maxBytes: number) => Effect.Effect<Uint8Array, IE>) | undefined
  readonly writeAll: (bytes: Uint8Array) => Effect.Effect<void, IE>
  readonly shutdown: (how: "read" | "write" | "both") => Effect.Effect<void, IE>
  /** One non-blocking send: bytes sent, or -errno (-EAGAIN with `waker` parked for writable). */
  readonly pollWrite: (waker: Waker.Waker, bytes: Uint8Array) => number
  readonly removeWaker: (direction: "readable" | "writable", waker: Waker.Waker) => void
}

/**
 * Options shared by every socket built here.
 *
 * @internal
 */
export interface Options {
  readonly openTimeout?: Duration.DurationInput | undefined
  readonly readBufferSize?: number | undefined
  readonly writableHighWaterMark?: number | undefined
}

/** @internal */
export const DEFAULT_READ_BUFFER_SIZE = 64 * 1024

/** How many bytes of writes a connection queues before its writers and its reads wait (see `WriteLock`). @internal */
export const DEFAULT_WRITABLE_HIGH_WATER_MARK = 64 * 1024

/**
 * A connection of ours: what a run reads and writes, and what the `Connection` tag gives the handler's effects.
 *
 * @internal
 */
export type Stream = TcpStream.TcpStream | UnixStream.UnixStream

/**
 * The connection of the current run, provided to the handler's effects (as `NodeSocket.NetSocket` is by Node's
 * adapter). The key is the module's path, as Effect's own tags spell theirs, so that two copies of the package
 * still agree on it.
 *
 * @internal
 */
export const Connection: Context.Tag<Api.Connection, Stream> = Context.GenericTag<Api.Connection, Stream>(
  "effect-reactor/ReactorSocket/Connection"
)

const EAGAIN = Os.constants.errno.EAGAIN

const encoder = new TextEncoder()

interface Turn {
  readonly resume: (effect: Effect.Effect<void>) => void
  handed: boolean
}

/**
 * Serializes the writes on one connection, so that a write split around a readiness wait is never interleaved with
 * another. It costs nothing when the send buffer takes a whole write at once: with no write in flight, a write is one
 * synchronous send and takes no lock. Otherwise the lock is held (FIFO) until the rest is written.
 *
 * Every method returns an effect meant to run uninterruptibly (`write` wraps it): the lock is taken and its release
 * installed with no interruption in between; only the waits are interruptible. A turn handed to a waiter that is
 * interrupted meanwhile is handed on.
 *
 * Backpressure: `queued` counts the bytes of the writes not done yet. Past `highWaterMark` a new write waits (before it
 * queues anything) until the kernel has taken enough for `queued` to fall to half the mark, and so does the run's read
 * loop (`room`): a peer that stops reading makes its connection stop reading too, so its bytes stay in the kernel's
 * buffers (and TCP's window stops the sender) instead of piling up here. Other connections are not concerned.
 *
 * @internal
 */
export class WriteLock {
  private held = false
  private readonly queue: Array<Turn> = []
  /** Bytes of the writes begun and not done. */
  queued = 0
  private readonly roomWaiters: Array<() => void> = []

  constructor(private readonly conn: Connection, readonly highWaterMark: number = DEFAULT_WRITABLE_HIGH_WATER_MARK) {}

  /** Succeeds at once while `queued` is at most the high-water mark; else once it has fallen to half of it. */
  readonly room: Effect.Effect<void> = Effect.suspend(() =>
    this.queued <= this.highWaterMark ? Effect.void : Effect.async<void>((resume) => {
      const wake = () => resume(Effect.void)
      this.roomWaiters.push(wake)
      return Effect.sync(() => {
        const index = this.roomWaiters.indexOf(wake)
        if (index >= 0) this.roomWaiters.splice(index, 1)
      })
    })
  )

  private settled(bytes: number): void {
    this.queued -= bytes
    if (this.queued > this.highWaterMark / 2 || this.roomWaiters.length === 0) return
    const waiters = this.roomWaiters.splice(0)
    for (const wake of waiters) wake()
  }

  /**
   * The synchronous attempt at a write: `true` when all of `bytes` went out now; `false` when nothing was sent (a
   * write is in flight, the socket buffer is full, or the send failed: `writeAll` does it properly); otherwise the
   * rest to write, as an effect that already owns the lock and must be the first thing its fiber runs.
   */
  tryWriteNow(bytes: Uint8Array): boolean | Effect.Effect<void, Socket.SocketError> {
    if (this.held) return false
    const n = this.conn.pollWrite(Waker.noop, bytes)
    if (n === bytes.length) return true
    if (n <= 0) {
      if (n === -EAGAIN) this.conn.removeWaker("writable", Waker.noop)
      return false
    }
    this.held = true
    return Effect.uninterruptible(this.locked(this.send(bytes.subarray(n))))
  }

  /** Writes all of `bytes` in order with the other writes on this connection, once there is room (see `room`). */
  writeAll(bytes: Uint8Array): Effect.Effect<void, Socket.SocketError> {
    return Effect.zipRight(this.room, this.writeNowOrQueue(bytes))
  }

  private writeNowOrQueue(bytes: Uint8Array): Effect.Effect<void, Socket.SocketError> {
    return Effect.uninterruptible(Effect.suspend(() => {
      const now = this.tryWriteNow(bytes)
      if (now === true) return Effect.void
      if (now !== false) return now
      if (this.held) return Effect.zipRight(this.queuedTurn(bytes.length), this.locked(this.send(bytes)))
      this.held = true
      return this.locked(this.send(bytes))
    }))
  }

  // A write waiting for its turn counts as queued while it waits, as the bytes it holds do.
  private queuedTurn(bytes: number): Effect.Effect<void> {
    this.queued += bytes
    return Effect.ensuring(this.awaitTurn(), Effect.sync(() => this.settled(bytes)))
  }

  // Counted from the moment the lock is this write's until its last byte is sent (or it fails).
  private send(bytes: Uint8Array): Effect.Effect<void, Socket.SocketError> {
    return Effect.suspend(() => {
      this.queued += bytes.length
      return Effect.ensuring(
        Effect.mapError(
          this.conn.writeAll(bytes),
          (cause) => new Socket.SocketGenericError({ reason: "Write", cause })
        ),
        Effect.sync(() => this.settled(bytes.length))
      )
    })
  }

  /** Runs `effect` once the writes in flight are done (for the half-close). */
  after<A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> {
    return Effect.uninterruptible(Effect.suspend(() => {
      if (this.held) return Effect.zipRight(this.awaitTurn(), this.locked(effect))
      this.held = true
      return this.locked(effect)
    }))
  }

  // The lock is this fiber's on entry; released however `effect` ends.
  private locked<A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> {
    return Effect.ensuring(Effect.interruptible(effect), Effect.sync(() => this.release()))
  }

  // Interruptible; once it succeeds the lock is this fiber's, and the caller (uninterruptible) installs its release.
  private awaitTurn(): Effect.Effect<void> {
    return Effect.interruptible(Effect.async<void>((resume) => {
      const turn: Turn = { resume, handed: false }
      this.queue.push(turn)
      return Effect.sync(() => {
        if (turn.handed) {
          this.release()
          return
        }
        const index = this.queue.indexOf(turn)
        if (index >= 0) this.queue.splice(index, 1)
      })
    }))
  }

  private release(): void {
    const next = this.queue.shift()
    if (next === undefined) {
      this.held = false
      return
    }
    next.handed = true
    next.resume(Effect.void)
  }
}

/**
 * The echo shortcut: a handler that returns the very write effect this socket's writer has just made — an echo,
 * `socket.run((chunk) => write(chunk))` — has that write tried by the read loop at once, which is what the fiber it
 * would otherwise fork does first, and a fiber forked only for what could not complete. Nothing else changes:
 *
 * - It is recognised by identity: `made` keeps the latest effect the writer returned and its chunk, and `run`
 *   compares. Any other effect (an earlier write, a wrapped one, a `CloseEvent`'s) is forked as it is.
 * - Order: the send is tried only with no write in flight on the connection (`WriteLock.tryWriteNow`); otherwise the
 *   write is forked as it is and waits its turn behind the others, as it would have.
 * - A send that goes out in part leaves the lock held by a fiber forked for the rest; one that would block or fails
 *   is forked as it is, so it waits, or its error fails its fiber and so the run, as without the shortcut.
 *
 * It is worth its place: in bench/echo.ts (the platform server, 64 connections, runs with and without it interleaved)
 * a request cost about 1.6× (64 B) and 1.8× (16 KiB) the server CPU without it, and the median rate fell by 27% and
 * 55%: a fiber per chunk read is most of what an echo costs.
 *
 * @internal
 */
export class EchoShortcut {
  private write: Effect.Effect<void, Socket.SocketError> | undefined = undefined
  private chunk: Uint8Array | string | undefined = undefined

  /** Keeps `write`, the effect the writer returned for `chunk`; a `CloseEvent`'s is never run here. */
  made(write: Effect.Effect<void, Socket.SocketError>, chunk: Uint8Array | string | Socket.CloseEvent): void {
    if (Socket.isCloseEvent(chunk)) {
      this.write = this.chunk = undefined
      return
    }
    this.write = write
    this.chunk = chunk
  }

  /**
   * Runs a handler's `effect`: the write `made` kept is tried now on `lock` (that of the connection the write would
   * go to; `undefined` with none open) and forked only for what could not complete; any other effect is forked.
   */
  run(
    effect: Effect.Effect<unknown, unknown, any>,
    lock: WriteLock | undefined,
    fork: (effect: Effect.Effect<unknown, unknown, any>) => unknown
  ): void {
    const chunk = this.chunk
    if (effect !== this.write || chunk === undefined || lock === undefined) {
      fork(effect)
      return
    }
    this.write = this.chunk = undefined
    const now = lock.tryWriteNow(typeof chunk === "string" ? encoder.encode(chunk) : chunk)
    if (now === true) return
    fork(now === false ? effect : now)
  }
}

interface Current {
  readonly conn: Connection
  readonly lock: WriteLock
  // The run's end: failed by a `CloseEvent` write (its error type widens to the handler's, hence `any`).
  readonly done: Deferred.Deferred<void, any>
}

/** A socket's options, checked once (`settingsOf`). @internal */
export interface Settings {
  readonly bufferSize: number
  readonly highWaterMark: number
  readonly openTimeout: Duration.Duration | undefined
}

const sizeOption = (
  options: Options,
  name: "readBufferSize" | "writableHighWaterMark",
  min: number,
  fallback: number
) => {
  const size = options[name] ?? fallback
  return typeof size === "number" && Number.isInteger(size) && size >= min && size <= 0x40000000
    ? size
    : ioError.invalidArgument(name, `${name} must be an integer from ${min} to 2^30, got ${show(size)}`)
}

/** The options of a socket, or the `InvalidArgument` naming the first bad one. @internal */
export const settingsOf = (options: unknown): Settings | IoError => {
  if (options === undefined) {
    return {
      bufferSize: DEFAULT_READ_BUFFER_SIZE,
      highWaterMark: DEFAULT_WRITABLE_HIGH_WATER_MARK,
      openTimeout: undefined
    }
  }
  if (typeof options !== "object" || options === null) {
    return ioError.invalidArgument("options", `options must be an object, got ${show(options)}`)
  }
  const checked = options as Options
  const bufferSize = sizeOption(checked, "readBufferSize", 1, DEFAULT_READ_BUFFER_SIZE)
  if (bufferSize instanceof IoError) return bufferSize
  const highWaterMark = sizeOption(checked, "writableHighWaterMark", 0, DEFAULT_WRITABLE_HIGH_WATER_MARK)
  if (highWaterMark instanceof IoError) return highWaterMark
  if (checked.openTimeout === undefined) return { bufferSize, highWaterMark, openTimeout: undefined }
  const openTimeout = Option.getOrUndefined(Duration.decodeUnknown(checked.openTimeout))
  if (openTimeout === undefined || !Duration.isFinite(openTimeout) || Duration.toMillis(openTimeout) <= 0) {
    return ioError.invalidArgument(
      "openTimeout",
      `openTimeout must be a positive duration, got ${show(checked.openTimeout)}`
    )
  }
  return { bufferSize, highWaterMark, openTimeout }
}

/** `settingsOf` as the `SocketError` a socket's constructor fails with. @internal */
export const settingsOrFail = (options: unknown): Effect.Effect<Settings, Socket.SocketError> => {
  const settings = settingsOf(options)
  return settings instanceof IoError ? Effect.fail(openError(settings)) : Effect.succeed(settings)
}

/**
 * A run's read: the next chunk, empty at EOF. Our streams read into the thread's shared slab, and a chunk is a view
 * of its region (no copy); another connection reads into one buffer of the run, and a chunk is a copy.
 */
const reader = (conn: Connection, bufferSize: number): Effect.Effect<Uint8Array, unknown> => {
  if (conn.readChunk !== undefined) return conn.readChunk(bufferSize)
  const buffer = new Uint8Array(bufferSize)
  return Effect.map(conn.read(buffer), (n) => buffer.slice(0, n))
}

/**
 * A `Socket` whose every `run` acquires a connection with `open` in the run's scope.
 *
 * @internal
 */
export const fromConnection = <RO>(
  open: Effect.Effect<Stream, Socket.SocketError, RO>,
  options?: Options
): Effect.Effect<Socket.Socket, Socket.SocketError, Exclude<RO, Scope.Scope>> =>
  Effect.flatMap(settingsOrFail(options), (settings) =>
    Effect.withFiberRuntime((fiber) => {
      const openContext = fiber.currentContext as Context.Context<RO>
      return Effect.succeed(unsafeFromConnection(open, openContext, settings))
    }))

/**
 * `fromConnection` with the context of `open` given.
 *
 * @internal
 */
export const unsafeFromConnection = <RO>(
  open: Effect.Effect<Stream, Socket.SocketError, RO>,
  openContext: Context.Context<Exclude<RO, Scope.Scope>>,
  settings: Settings
): Socket.Socket => {
  const { bufferSize, highWaterMark, openTimeout } = settings
  const latch = Effect.unsafeMakeLatch(false)
  let current: Current | undefined
  let writers = 0
  let halfClosePending = false
  const echo = new EchoShortcut()

  const halfClose = (target: Current): Effect.Effect<void> =>
    target.lock.after(Effect.ignore(target.conn.shutdown("write")))

  const acquire: Effect.Effect<Stream, Socket.SocketError, RO> = openTimeout === undefined ?
    open :
    Effect.timeoutFail(open, {
      duration: openTimeout,
      onTimeout: () =>
        new Socket.SocketGenericError({
          reason: "OpenTimeout",
          cause: new Error(`Connection timed out after ${Duration.format(openTimeout)}`)
        })
    })

  const runRaw = <_, E = never, R = never>(
    handler: (_: Uint8Array) => Effect.Effect<_, E, R> | void,
    opts?: { readonly onOpen?: Effect.Effect<void> | undefined }
  ): Effect.Effect<void, Socket.SocketError | E, R> =>
    Effect.scopedWith((scope) =>
      Effect.gen(function*() {
        const fiberSet = yield* Scope.extend(FiberSet.make<unknown, E | Socket.SocketError>(), scope)
        const conn = yield* Scope.extend(acquire, scope)
        const runFork = yield* Effect.provideService(FiberSet.runtime(fiberSet)<R>(), Connection, conn)
        const done = fiberSet.deferred as Deferred.Deferred<void, E | Socket.SocketError>
        // One effect value per run, reused for every read: a description that reads anew each time it runs.
        const read = reader(conn, bufferSize)
        const fork = runFork as (effect: Effect.Effect<unknown, unknown, any>) => unknown
        const lock = new WriteLock(conn, highWaterMark)
        // Past the high-water mark the loop reads no more until the writes drain (see WriteLock).
        const afterRoom = Effect.suspend(() => Effect.zipRight(lock.room, step))
        const onRead = (chunk: Uint8Array): Effect.Effect<void, unknown> => {
          if (chunk.length === 0) return Effect.void
          const result = handler(chunk)
          if (result !== undefined && Effect.isEffect(result)) echo.run(result, current?.lock, fork)
          return lock.queued > highWaterMark ? afterRoom : step
        }
        const step: Effect.Effect<void, unknown> = Effect.flatMap(read, onRead)
        const loop: Effect.Effect<void, Socket.SocketError> = Effect.mapError(
          step,
          (cause) => new Socket.SocketGenericError({ reason: "Read", cause })
        )

        const opened: Current = { conn, lock, done }
        if (halfClosePending) {
          halfClosePending = false
          yield* halfClose(opened)
        }
        current = opened
        yield* latch.open

        // EOF ends the run once the handler effects already started have finished; a read error ends it at once.
        yield* loop.pipe(
          Effect.zipRight(Effect.suspend(() => FiberSet.awaitEmpty(fiberSet))),
          Effect.exit,
          Effect.flatMap((exit) => Deferred.done(done, exit)),
          Effect.forkIn(scope)
        )
        if (opts?.onOpen !== undefined) yield* opts.onOpen
        return yield* Deferred.await(done)
      })
    ).pipe(
      Effect.mapInputContext((input: Context.Context<R>) =>
        Context.merge(openContext, input) as Context.Context<R | RO>
      ),
      Effect.ensuring(Effect.sync(() => {
        latch.unsafeClose()
        current = undefined
      })),
      Effect.interruptible
    ) as Effect.Effect<void, Socket.SocketError | E, R>

  const writeTo = (
    target: Current,
    chunk: Uint8Array | string | Socket.CloseEvent
  ): Effect.Effect<void, Socket.SocketError> => {
    if (Socket.isCloseEvent(chunk)) {
      return Deferred.fail(
        target.done,
        new Socket.SocketCloseError({ reason: "Close", code: chunk.code, closeReason: chunk.reason })
      )
    }
    return target.lock.writeAll(typeof chunk === "string" ? encoder.encode(chunk) : chunk)
  }

  // A run may end between the latch opening and this fiber resuming: then wait for the next one.
  const write = (chunk: Uint8Array | string | Socket.CloseEvent): Effect.Effect<void, Socket.SocketError> => {
    const effect = Effect.suspend(() =>
      current !== undefined ? writeTo(current, chunk) : Effect.zipRight(latch.await, write(chunk))
    )
    echo.made(effect, chunk)
    return effect
  }

  const writer: Effect.Effect<
    (chunk: Uint8Array | string | Socket.CloseEvent) => Effect.Effect<void, Socket.SocketError>,
    never,
    Scope.Scope
  > = Effect.acquireRelease(
    Effect.sync(() => {
      writers++
      halfClosePending = false
      return write
    }),
    () =>
      Effect.suspend(() => {
        writers--
        if (writers > 0) return Effect.void
        if (current === undefined) {
          halfClosePending = true
          return Effect.void
        }
        return halfClose(current)
      })
  )

  const run = <_, E = never, R = never>(
    handler: (_: Uint8Array) => Effect.Effect<_, E, R> | void,
    opts?: { readonly onOpen?: Effect.Effect<void> | undefined }
  ): Effect.Effect<void, Socket.SocketError | E, R> => runRaw(handler, opts)

  return Socket.Socket.of({
    [Socket.TypeId]: Socket.TypeId,
    run,
    runRaw: runRaw as Socket.Socket["runRaw"],
    writer
  })
}

/**
 * Maps an open failure to the `Socket` error Node's adapter uses.
 *
 * @internal
 */
export const openError = (cause: unknown): Socket.SocketError =>
  new Socket.SocketGenericError({ reason: "Open", cause })

/**
 * The failure of a `run` on a server-side socket whose connection was already used (and closed) by a previous run.
 *
 * @internal
 */
export const closedError: Socket.SocketError = new Socket.SocketCloseError({ reason: "Close", code: 1000 })

type NetConnectOptions =
  | {
    readonly host?: string | undefined
    readonly port: number
    readonly noDelay?: boolean | undefined
    readonly openTimeout?: Duration.DurationInput | undefined
    readonly readBufferSize?: number | undefined
    readonly writableHighWaterMark?: number | undefined
  }
  | {
    readonly path: string
    readonly openTimeout?: Duration.DurationInput | undefined
    readonly readBufferSize?: number | undefined
    readonly writableHighWaterMark?: number | undefined
  }

const connect = (options: NetConnectOptions): Effect.Effect<Stream, Socket.SocketError, ReactorRuntime | Scope.Scope> =>
  Effect.mapError(
    "path" in options ?
      UnixStream.connect({ path: options.path }) :
      TcpStream.connect({
        ...(options.host === undefined ? {} : { host: options.host }),
        port: options.port,
        ...(options.noDelay === undefined ? {} : { noDelay: options.noDelay })
      }),
    openError
  )

/** @internal */
export const makeNet = (options: NetConnectOptions): Effect.Effect<Socket.Socket, Socket.SocketError, ReactorRuntime> =>
  // The socket connects at each `run`; a missing runtime and bad options are told at once, not at the first run.
  Effect.zipRight(
    reactorRuntime.runtimeFor("ReactorSocket.makeNet"),
    Effect.suspend(() =>
      typeof options === "object" && options !== null
        ? fromConnection(connect(options), options)
        : Effect.fail(openError(ioError.invalidArgument("options", `options must be an object, got ${show(options)}`)))
    )
  )

/** @internal */
export const fromStream: <RO>(
  open: Effect.Effect<TcpStream.TcpStream | UnixStream.UnixStream, Socket.SocketError, RO>,
  options?: Options
) => Effect.Effect<Socket.Socket, Socket.SocketError, Exclude<RO, Scope.Scope>> = fromConnection

/** @internal */
export const makeNetChannel = <IE = never>(
  options: NetConnectOptions
): Channel.Channel<
  Chunk.Chunk<Uint8Array>,
  Chunk.Chunk<Uint8Array | string | Socket.CloseEvent>,
  Socket.SocketError | IE,
  IE,
  void,
  unknown,
  ReactorRuntime
> => Channel.unwrap(Effect.map(makeNet(options), Socket.toChannelWith<IE>()))

/** @internal */
export const layerNet = (options: NetConnectOptions): Layer.Layer<Socket.Socket, Socket.SocketError, ReactorRuntime> =>
  Layer.effect(Socket.Socket, makeNet(options))
