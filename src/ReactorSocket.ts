/**
 * `@effect/platform`'s `Socket` over `TcpStream` and `UnixStream`: a drop-in for `@effect/platform-node`'s
 * `NodeSocket.makeNet` / `layerNet`, with the same option shapes.
 *
 * A `Socket` is a connection recipe: each `run` opens a fresh connection, reads it until the peer's EOF (a clean end),
 * an error, a `CloseEvent` written to it, or interruption, and closes it when it ends. The writer may be taken before
 * `run`: its writes wait until a connection is open. Releasing the writer's scope (the last writer's, when several
 * were taken) half-closes the connection after the writes in flight: the peer reads EOF, and `run` keeps reading
 * until the peer closes. A writer released before the connection opens half-closes it as soon as it opens.
 *
 * Writes are serialized per connection and go straight to the socket (one `send` when the socket buffer has room);
 * `run` reads into consecutive regions of a slab the thread's connections share (`readBufferSize` each) and hands the
 * handler each read of up to 4 KiB as a view, without a copy (a chunk kept keeps its slab, four reads long, alive:
 * copy one to keep it alone), and a larger read as a buffer of its own. A handler that returns an Effect has it run in
 * its own fiber, as with Node's adapter, so a slow handler never stops the reads; at EOF, `run` waits for the handler
 * effects already started before it ends.
 *
 * @since 0.1.0
 */
import type * as Socket from "@effect/platform/Socket"
import type * as Channel from "effect/Channel"
import type * as Chunk from "effect/Chunk"
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/reactorSocket.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"
import type { TcpStream } from "./TcpStream.js"
import type { UnixStream } from "./UnixStream.js"

/**
 * How to reach a TCP peer: the fields of Node's `TcpNetConnectOpts` that apply here.
 *
 * - `host` defaults to `"127.0.0.1"` (Node's default, `"localhost"`, resolves to it too);
 * - `noDelay` disables Nagle's algorithm (`TCP_NODELAY`) once connected;
 * - `openTimeout` bounds the connect, failing `run` with a `SocketError` of reason `"OpenTimeout"`.
 *
 * @example
 * ```ts
 * import type { ReactorSocket } from "effect-reactor"
 *
 * const options: ReactorSocket.TcpConnectOptions = { host: "127.0.0.1", port: 8080, noDelay: true }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface TcpConnectOptions {
  readonly host?: string | undefined
  readonly port: number
  readonly noDelay?: boolean | undefined
  readonly openTimeout?: Duration.DurationInput | undefined
  readonly readBufferSize?: number | undefined
  readonly writableHighWaterMark?: number | undefined
}

/**
 * How to reach a Unix-domain stream peer: the fields of Node's `IpcNetConnectOpts` that apply here.
 *
 * @example
 * ```ts
 * import type { ReactorSocket } from "effect-reactor"
 *
 * const options: ReactorSocket.UnixConnectOptions = { path: "/tmp/app.sock", openTimeout: "1 second" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface UnixConnectOptions {
  readonly path: string
  readonly openTimeout?: Duration.DurationInput | undefined
  readonly readBufferSize?: number | undefined
  readonly writableHighWaterMark?: number | undefined
}

/**
 * The options of `makeNet` and `layerNet`: TCP when `port` is given, Unix when `path` is. `readBufferSize` (64 KiB by
 * default) is the size of the one buffer each `run` reads into. `writableHighWaterMark` (64 KiB by default, as Node's
 * option of that name) bounds what a connection queues: past it the writer's writes wait until the kernel has taken
 * half of it, and so do the `run`'s reads, so a peer that stops reading holds memory flat instead of filling it.
 *
 * @example
 * ```ts
 * import type { ReactorSocket } from "effect-reactor"
 *
 * const options: ReactorSocket.NetConnectOptions = { port: 8080 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type NetConnectOptions = TcpConnectOptions | UnixConnectOptions

/**
 * The connection a `run` (or a `SocketServer` handler) is using, provided to the handler's effects like
 * `NodeSocket.NetSocket` is.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorSocket } from "effect-reactor"
 *
 * const peer = Effect.map(ReactorSocket.Connection, (conn) => conn.remoteAddress)
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export const Connection: Context.Tag<Connection, TcpStream | UnixStream> = internal.Connection

/**
 * The identifier of the `Connection` tag.
 *
 * @example
 * ```ts
 * import type { Effect } from "effect"
 * import type { ReactorSocket } from "effect-reactor"
 *
 * type NeedsConnection = Effect.Effect<void, never, ReactorSocket.Connection>
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export interface Connection {
  readonly _: unique symbol
}

/**
 * A `Socket` that connects to `options` on every `run`: over TCP when `port` is given, over a Unix-domain socket when
 * `path` is. The reactor is captured here; connecting needs nothing else.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorSocket, ReactorRuntime } from "effect-reactor"
 *
 * const program = Effect.gen(function*() {
 *   const socket = yield* ReactorSocket.makeNet({ host: "127.0.0.1", port: 8080 })
 *   yield* socket.run((bytes) => console.log(bytes.length))
 * }).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeNet: (options: NetConnectOptions) => Effect.Effect<Socket.Socket, Socket.SocketError, ReactorRuntime> =
  internal.makeNet

/**
 * A `Socket` over connections opened by `open` (one per `run`, in the run's scope): for streams connected some other
 * way, as Node's `fromDuplex` is.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorSocket, TcpStream } from "effect-reactor"
 *
 * const socket = ReactorSocket.fromStream(
 *   Effect.orDie(TcpStream.connect({ host: "127.0.0.1", port: 8080 }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromStream: <RO>(
  open: Effect.Effect<TcpStream | UnixStream, Socket.SocketError, RO>,
  options?: {
    readonly openTimeout?: Duration.DurationInput | undefined
    readonly readBufferSize?: number | undefined
    readonly writableHighWaterMark?: number | undefined
  }
) => Effect.Effect<Socket.Socket, Socket.SocketError, Exclude<RO, Scope.Scope>> = internal.fromStream

/**
 * `makeNet` as a `Channel` of bytes (as Node's `makeNetChannel`).
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import { ReactorSocket } from "effect-reactor"
 *
 * const channel = ReactorSocket.makeNetChannel({ path: "/tmp/app.sock" })
 * const replies = Stream.make("ping").pipe(Stream.pipeThroughChannel(channel))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeNetChannel: <IE = never>(
  options: NetConnectOptions
) => Channel.Channel<
  Chunk.Chunk<Uint8Array>,
  Chunk.Chunk<Uint8Array | string | Socket.CloseEvent>,
  Socket.SocketError | IE,
  IE,
  void,
  unknown,
  ReactorRuntime
> = internal.makeNetChannel

/**
 * `makeNet` as a `Socket` layer: swap it for `NodeSocket.layerNet` and provide `ReactorRuntime.layer`.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { ReactorSocket, ReactorRuntime } from "effect-reactor"
 *
 * const SocketLive = ReactorSocket.layerNet({ host: "127.0.0.1", port: 8080 }).pipe(Layer.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNet: (options: NetConnectOptions) => Layer.Layer<Socket.Socket, Socket.SocketError, ReactorRuntime> =
  internal.layerNet
