/**
 * A connected TCP socket (IPv4 or IPv6) on the reactor, with two faces: Effects (`read`, `write`, `writeAll`,
 * `stream`, `sink`) and allocation-free polls for futures (`pollRead`, `pollWrite`).
 *
 * Every operation tries its syscall first and returns without suspending when the kernel has data (or room); only
 * on EAGAIN does it wait, once, for the registration's next readiness event, and try again. Interrupting a waiting
 * Effect takes its waker back. Writes use `MSG_NOSIGNAL`: a write to a closed peer is `BrokenPipe`, never `SIGPIPE`.
 *
 * A stream is a Scope-owned resource: its release deregisters it, then closes the fd, and never fails. `close`
 * releases it early.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Sink from "effect/Sink"
import type * as Stream from "effect/Stream"
import * as internal from "./internal/streamConnect.js"
import type { IoError } from "./IoError.js"
import type { Reactor } from "./Reactor.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"
import type { SimpleFuture } from "./SimpleFuture.js"
import type { SocketAddress } from "./SocketAddress.js"
import type { Waker } from "./Waker.js"

/**
 * A connected stream socket. The same interface serves Unix domain streams (`UnixStream`), where `setNoDelay` fails
 * with `Unsupported`.
 *
 * - `read(buffer)`: bytes read into `buffer`; 0 is end of stream (or an empty `buffer`).
 * - `readChunk(maxBytes)`: the next bytes (at most `maxBytes`, default 64 KiB) as a new chunk; empty at end of stream.
 *   No buffer to manage: a chunk of up to 4 KiB is a view into a slab that the thread's streams read into one after
 *   another (`maxBytes * 4` bytes each, not zero-filled), as Node's pooled Buffers are, and a small chunk kept alive
 *   keeps its slab alive (`slice` the ones you keep for long); a larger one is copied out into a buffer of its exact
 *   size, as Node gives each read, so keeping it keeps nothing else. The Effect is built once per stream and
 *   `maxBytes`, so a read loop allocates only its chunks.
 * - `write(bytes)`: bytes written, possibly fewer than `bytes.length`; `writeAll` writes them all.
 * - `shutdown(how)`: half-close; `"write"` sends FIN, and the peer reads end of stream.
 * - `pollRead` / `pollWrite` (the future face): a count `>= 0`, `-Errno.EAGAIN` when pending (the waker is parked on
 *   the registration; take it back with `removeWaker` if the future is dropped), or another negated errno
 *   (`-Errno.EBADF` once closed, `-Errno.EPIPE` writing to a peer that is gone). `readFuture` / `writeAllFuture` are
 *   ready-made futures on top, failing with the `IoError` of that errno (`Closed` once closed).
 * - `stream(chunkSize)`: the bytes as a `Stream` of chunks of at most `chunkSize` bytes, one per read, ending at end of
 *   stream. Up to 64 KiB they are `readChunk`'s chunks (views into the slab up to 4 KiB: `slice` the ones you keep for
 *   long); a larger `chunkSize` reads into a buffer of the stream's own and copies each chunk out. `sink`: `writeAll`
 *   each chunk, so a slow peer back-pressures the producer. A `Stream` pipeline costs Effect's channel machinery per
 *   chunk (bench:echo `effect-stream` against `effect-gen`, and bench:wake's echo rows, which take the syscalls out);
 *   on a hot per-connection path, the `Effect.gen` loop below is the cheaper way to say the same.
 * - `localAddress` / `remoteAddress`: read on first use; a socket already reset reads as the unspecified address.
 * - `close`: release now (deregister, then close); idempotent; waiting operations fail with `Closed`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TcpStream } from "effect-reactor"
 *
 * const echoOnce = (stream: TcpStream.TcpStream) =>
 *   Effect.gen(function*() {
 *     const buffer = new Uint8Array(1024)
 *     const n = yield* stream.read(buffer)
 *     yield* stream.writeAll(buffer.subarray(0, n))
 *   })
 *
 * // Echo until end of stream, with no buffer of its own.
 * const echo = (stream: TcpStream.TcpStream) =>
 *   Effect.gen(function*() {
 *     while (true) {
 *       const chunk = yield* stream.readChunk()
 *       if (chunk.length === 0) return
 *       yield* stream.writeAll(chunk)
 *     }
 *   })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface TcpStream {
  readonly fd: number
  readonly localAddress: SocketAddress
  readonly remoteAddress: SocketAddress
  readonly closed: boolean
  read(buffer: Uint8Array): Effect.Effect<number, IoError>
  readChunk(maxBytes?: number): Effect.Effect<Uint8Array, IoError>
  write(bytes: Uint8Array): Effect.Effect<number, IoError>
  writeAll(bytes: Uint8Array): Effect.Effect<void, IoError>
  shutdown(how: "read" | "write" | "both"): Effect.Effect<void, IoError>
  setNoDelay(enabled: boolean): Effect.Effect<void, IoError>
  pollRead(waker: Waker, buffer: Uint8Array, offset?: number, length?: number): number
  pollWrite(waker: Waker, bytes: Uint8Array, offset?: number, length?: number): number
  removeWaker(direction: "readable" | "writable", waker: Waker): void
  readFuture(buffer: Uint8Array): SimpleFuture<number, IoError>
  writeAllFuture(bytes: Uint8Array): SimpleFuture<void, IoError>
  stream(chunkSize?: number): Stream.Stream<Uint8Array, IoError>
  readonly sink: Sink.Sink<void, Uint8Array, never, IoError>
  readonly close: Effect.Effect<void>
  /** `close`, synchronously: for streams made with `unsafeFromFd`, which no Scope releases. */
  unsafeClose(): void
}

/**
 * Options of `connect`. `host` is a numeric IPv4/IPv6 address, `"localhost"`, or a name resolved with `dns.lookup`
 * (default `"127.0.0.1"`); `timeout` bounds the whole connect (`TimedOut`); `noDelay` sets `TCP_NODELAY`.
 *
 * @example
 * ```ts
 * import type { TcpStream } from "effect-reactor"
 *
 * const options: TcpStream.ConnectOptions = { host: "::1", port: 8080, timeout: "2 seconds", noDelay: true }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectOptions {
  readonly host?: string | undefined
  readonly port: number
  readonly timeout?: Duration.DurationInput | undefined
  readonly noDelay?: boolean | undefined
}

/**
 * Connects to `host:port` without blocking (a non-blocking `connect(2)`, then a wait for writability and
 * `SO_ERROR`), as a resource of the current scope. Fails with `ConnectionRefused`, `TimedOut` (the `timeout`
 * option), `InvalidAddress` (host "999.1.1.1"), `InvalidArgument` (port 70000), ... A failure or an interruption
 * closes the socket at once.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorRuntime, TcpStream } from "effect-reactor"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const stream = yield* TcpStream.connect({ port: 8080, timeout: "1 second" })
 *     yield* stream.writeAll(new TextEncoder().encode("hello"))
 *   })
 * ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect: (options: ConnectOptions) => Effect.Effect<TcpStream, IoError, ReactorRuntime | Scope.Scope> =
  internal.connect

/**
 * Adopts a connected, non-blocking stream socket fd (TCP or Unix) as a resource of the current scope: from then on
 * the stream owns the fd and closes it on release, or when this thread ends first (a Worker terminated with the
 * stream open); close it only through the stream. Fails (leaving the fd to the caller) with `NotConnected`, a
 * `BadDescriptor` or an `InvalidArgument` (not a socket). The fd must be non-blocking, as the fds of
 * `TcpListener.pollAccept` are.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TcpStream } from "effect-reactor"
 *
 * const adopt = (fd: number) => Effect.map(TcpStream.fromFd(fd), (stream) => stream.remoteAddress)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromFd: (
  fd: number,
  options?: FromFdOptions
) => Effect.Effect<TcpStream, IoError, ReactorRuntime | Scope.Scope> = internal.fromFd

/**
 * Options of `fromFd` and `unsafeFromFd`: `noDelay` sets `TCP_NODELAY` (not for Unix domain sockets).
 *
 * @example
 * ```ts
 * import type { TcpStream } from "effect-reactor"
 *
 * const options: TcpStream.FromFdOptions = { noDelay: true }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface FromFdOptions {
  readonly noDelay?: boolean | undefined
}

/**
 * `fromFd` without Effect, for the future face: registers the connected socket `fd` with `reactor` and returns the
 * stream at once, throwing an `IoError` on failure (the fd stays the caller's then). No Scope owns the stream: the
 * caller releases it with `unsafeClose`. A server accepting with `TcpListener.pollAccept` creates no fiber and no
 * Scope per connection this way.
 *
 * @example
 * ```ts
 * import { Reactor, TcpStream } from "effect-reactor"
 *
 * const take = (reactor: Reactor.Reactor, fd: number): TcpStream.TcpStream =>
 *   TcpStream.unsafeFromFd(reactor, fd, { noDelay: true })
 * ```
 *
 * @since 0.1.0
 * @category unsafe
 */
export const unsafeFromFd: (reactor: Reactor, fd: number, options?: FromFdOptions) => TcpStream = internal.unsafeFromFd
