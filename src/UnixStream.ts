/**
 * A connected Unix domain stream socket on the reactor: the same surface as `TcpStream` (it is one), minus
 * `setNoDelay`, which fails with `Unsupported`. Addresses are `{ _tag: "Unix", path }` (`""` for the unnamed client
 * end).
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/streamConnect.js"
import type { IoError } from "./IoError.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"
import type { TcpStream } from "./TcpStream.js"

/**
 * A connected Unix domain stream socket: a `TcpStream` by shape and behaviour.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { UnixStream } from "effect-reactor"
 *
 * const greet = (stream: UnixStream.UnixStream) => stream.writeAll(new TextEncoder().encode("hi"))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type UnixStream = TcpStream

/**
 * Options of `connect`: the socket's `path` (shorter than 108 bytes) and an optional `timeout`.
 *
 * @example
 * ```ts
 * import type { UnixStream } from "effect-reactor"
 *
 * const options: UnixStream.ConnectOptions = { path: "/tmp/app.sock" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectOptions {
  readonly path: string
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * Connects to the Unix socket at `path`, as a resource of the current scope. Fails with `NotFound` (no such path),
 * `ConnectionRefused` (nothing listens there), `InvalidAddress` (an empty or too long path), and `Os` with code
 * `EAGAIN` when the listener's backlog is full (unix(7)).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorRuntime, UnixStream } from "effect-reactor"
 *
 * const program = Effect.scoped(
 *   Effect.flatMap(UnixStream.connect({ path: "/tmp/app.sock" }), (stream) => stream.shutdown("write"))
 * ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect: (options: ConnectOptions) => Effect.Effect<UnixStream, IoError, ReactorRuntime | Scope.Scope> =
  internal.connectUnix

/**
 * Adopts a connected, non-blocking Unix stream socket fd (for example an end of `socketpair(2)`), as `TcpStream.fromFd`
 * does.
 *
 * @example
 * ```ts
 * import { UnixStream } from "effect-reactor"
 *
 * const adopt = (fd: number) => UnixStream.fromFd(fd)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromFd: (fd: number) => Effect.Effect<UnixStream, IoError, ReactorRuntime | Scope.Scope> = (fd) =>
  internal.fromFd(fd, undefined, "UnixStream.fromFd")

/**
 * A connected pair of Unix stream sockets (socketpair(2)), both owned by the current scope: what one end writes the
 * other reads, in both directions. An in-process pipe between fibers, and a peer for tests, with no path and no port.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorRuntime, UnixStream } from "effect-reactor"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const [left, right] = yield* UnixStream.pair()
 *   yield* left.writeAll(new TextEncoder().encode("ping"))
 *   const buffer = new Uint8Array(4)
 *   const n = yield* right.read(buffer)
 *   return new TextDecoder().decode(buffer.subarray(0, n))
 * })).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const pair: () => Effect.Effect<readonly [UnixStream, UnixStream], IoError, ReactorRuntime | Scope.Scope> =
  internal.pair
