/**
 * A listening TCP socket (IPv4 or IPv6) on the reactor.
 *
 * On readiness it accepts until EAGAIN (one native call, `accept4` in a loop), so a thousand connections arriving
 * together are all accepted in one turn and handed out without another wait.
 *
 * A listener is a Scope-owned resource: its release deregisters it, closes the connections still pending or owned
 * (see `connections`), then closes the fd; it never fails.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as internal from "./internal/listener.js"
import type { IoError } from "./IoError.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"
import type * as SocketAddress from "./SocketAddress.js"
import type { TcpStream } from "./TcpStream.js"
import type { Waker } from "./Waker.js"

/**
 * A listening stream socket, over the address type of its family: `TcpListener` (an `Inet` address) and
 * `UnixListener` (a `Unix` path) are both one.
 *
 * - `localAddress`: the bound address; with `port: 0` it has the port the kernel chose.
 * - `accept`: the next connection, as a resource of the caller's scope.
 * - `connections`: every connection, as it arrives (in chunks: all that were accepted in one turn). Each one
 *   belongs to the listener: it is closed by its own `close`, or when the listener's scope closes, whichever comes
 *   first. Fork a handler per connection and `close` it when done.
 * - `pollAccept(waker, out)` (the future face): accepts until EAGAIN into `out`; the count, `-Errno.EAGAIN` when none
 *   is pending (the waker is parked; take it back with `removeWaker` if dropped), or another negated errno
 *   (`-Errno.EMFILE` when out of descriptors, `-Errno.EBADF` once closed; see `Errno`). The raw fds are
 *   the caller's (nothing closes them for you, even when the thread ends): adopt them with `TcpStream.fromFd` (or,
 *   in a future, `TcpStream.unsafeFromFd`) or close them.
 * - `close`: release now.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import type { SocketAddress, TcpListener } from "effect-reactor"
 *
 * const echo = (listener: TcpListener.StreamListener<SocketAddress.SocketAddress>) =>
 *   listener.connections.pipe(
 *     Stream.runForEach((connection) =>
 *       Effect.fork(Stream.run(connection.stream(), connection.sink).pipe(Effect.ensuring(connection.close)))
 *     )
 *   )
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamListener<Address extends SocketAddress.SocketAddress> {
  readonly fd: number
  readonly localAddress: Address
  readonly closed: boolean
  readonly accept: Effect.Effect<TcpStream, IoError, Scope.Scope>
  pollAccept(waker: Waker, out: Int32Array): number
  removeWaker(waker: Waker): void
  readonly connections: Stream.Stream<TcpStream, IoError>
  readonly close: Effect.Effect<void>
}

/**
 * A listening TCP socket: a `StreamListener` whose `localAddress` is an `Inet` address (its `port` is the one the
 * kernel chose for `port: 0`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorRuntime, TcpListener } from "effect-reactor"
 *
 * const port = Effect.scoped(
 *   Effect.map(TcpListener.bind({ host: "127.0.0.1", port: 0 }), (listener) => listener.localAddress.port)
 * ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface TcpListener extends StreamListener<SocketAddress.Inet> {}

/**
 * Options of `bind`. `host` defaults to `"127.0.0.1"` (use `"0.0.0.0"` or `"::"` to listen on every interface);
 * `port: 0` lets the kernel choose (read it from `localAddress`); `backlog` defaults to 1024 (the kernel caps it at
 * `net.core.somaxconn`); `reuseAddress` (`SO_REUSEADDR`) defaults to `true`, `reusePort` (`SO_REUSEPORT`) to `false`.
 *
 * @example
 * ```ts
 * import type { TcpListener } from "effect-reactor"
 *
 * const options: TcpListener.BindOptions = { host: "::1", port: 0, backlog: 4096 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface BindOptions {
  readonly host?: string | undefined
  readonly port: number
  readonly backlog?: number | undefined
  readonly reuseAddress?: boolean | undefined
  readonly reusePort?: boolean | undefined
}

/**
 * Binds and listens, as a resource of the current scope. Fails with `AddressInUse`, `AddressNotAvailable`,
 * `PermissionDenied` (a port below 1024), `InvalidAddress` or `InvalidArgument` (port 70000, a negative backlog).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorRuntime, TcpListener } from "effect-reactor"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const listener = yield* TcpListener.bind({ port: 0 })
 *     return listener.localAddress
 *   })
 * ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const bind: (options: BindOptions) => Effect.Effect<TcpListener, IoError, ReactorRuntime | Scope.Scope> =
  internal.bind
