/**
 * Readiness for any pollable fd the user owns or hands over — pipes, ttys, eventfd, timerfd, signalfd, inotify,
 * netlink, character devices — which Node has no public API to wait on.
 *
 * `readWith(f)` / `writeWith(f)` run the caller's non-blocking syscall `f`; when it returns `WouldBlock` they wait
 * for the next readiness event and try again (the fd is registered edge-triggered, so `WouldBlock` must mean the
 * syscall really said EAGAIN). `read` / `write` do that with read(2) / write(2). `readable` / `writable` only wait:
 * after a syscall of your own says EAGAIN, hand the readiness back to `clearReadiness` before waiting again.
 *
 * `register` leaves the fd to the caller (the release only deregisters); `adopt` takes it over (the release
 * deregisters, then closes it). Either way the release never fails. A regular file cannot be polled: `Unsupported`
 * (epoll refuses it, and its reads block in the kernel anyway); `File` does file IO on the thread pool instead.
 *
 * The fd must be non-blocking, or a syscall that should say EAGAIN blocks the whole thread. O_NONBLOCK is a flag of
 * the open file description, shared by every dup of the fd and by other processes that inherited it (a shell's
 * stdin): flipping it behind their back changes their reads too. So `register` leaves it as it is unless asked
 * (`nonBlocking: "set"`), while `adopt`, which takes the fd over, sets it by default. Whatever was set is cleared
 * again at release, so the description ends as it was found.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Interest } from "./Interest.js"
import * as internal from "./internal/asyncFd.js"
import type { IoError } from "./IoError.js"
import type { Readiness, Registration } from "./Reactor.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"

/**
 * The type of `WouldBlock`.
 *
 * @example
 * ```ts
 * import type { AsyncFd } from "effect-reactor"
 *
 * const pending = (u: number | AsyncFd.WouldBlock): u is AsyncFd.WouldBlock => typeof u === "symbol"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type WouldBlock = typeof WouldBlock

/**
 * What `readWith`/`writeWith` functions return when their syscall said EAGAIN.
 *
 * @example
 * ```ts
 * import { AsyncFd, Errno } from "effect-reactor"
 *
 * // A syscall's count or negated errno, as `readWith` takes it.
 * const fromErrno = (n: number) => (n === -Errno.EAGAIN ? AsyncFd.WouldBlock : n)
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const WouldBlock: unique symbol = internal.WouldBlock as never

/**
 * A registered fd.
 *
 * - `readable` / `writable`: wait until the direction is ready; the `Readiness` goes back to `clearReadiness` once a
 *   syscall says EAGAIN.
 * - `readWith(f)` / `writeWith(f)`: try `f(fd)`; on `WouldBlock` wait and retry; `f`'s value otherwise. A throw from
 *   `f` is a defect.
 * - `read(buffer)` / `write(bytes)`: read(2) / write(2) the same way; 0 from `read` is end of file.
 * - `registration`: the reactor registration, for futures (`pollReadable(waker)`).
 * - `close`: release now.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { AsyncFd } from "effect-reactor"
 *
 * // Waits for an eventfd's counter and reads it.
 * const nextCount = (eventfd: AsyncFd.AsyncFd) =>
 *   Effect.map(eventfd.read(new Uint8Array(8)), (n) => n === 8)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface AsyncFd {
  readonly fd: number
  readonly interest: Interest
  readonly closed: boolean
  readonly registration: Registration
  readonly readable: Effect.Effect<Readiness, IoError>
  readonly writable: Effect.Effect<Readiness, IoError>
  clearReadiness(readiness: Readiness): void
  readWith<A>(f: (fd: number) => A | WouldBlock): Effect.Effect<A, IoError>
  writeWith<A>(f: (fd: number) => A | WouldBlock): Effect.Effect<A, IoError>
  read(buffer: Uint8Array): Effect.Effect<number, IoError>
  write(bytes: Uint8Array): Effect.Effect<number, IoError>
  readonly close: Effect.Effect<void>
}

/**
 * Options of `register` and `adopt`:
 *
 * - `interest`: default readable and writable.
 * - `nonBlocking`: `"set"` turns O_NONBLOCK on for the registration's life (and off again at release if it was off);
 *   `"leave"` does not touch it, and the caller guarantees the fd is non-blocking. Default: `"leave"` for `register`,
 *   `"set"` for `adopt`. See the module notes on why the flag is shared.
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 * import type { AsyncFd } from "effect-reactor"
 *
 * const options: AsyncFd.Options = { interest: Interest.readable, nonBlocking: "set" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly interest?: Interest | undefined
  readonly nonBlocking?: "set" | "leave" | undefined
}

/**
 * Registers an fd the caller keeps owning, for the current scope: the release deregisters it and leaves it open.
 * O_NONBLOCK is left alone unless `nonBlocking: "set"` (then restored at release). Fails with `Unsupported` (a
 * regular file: use `File`), `BadDescriptor`, `AlreadyExists` (already registered), `InvalidArgument` (a negative fd, an
 * empty interest, an unknown `nonBlocking`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AsyncFd, Interest, ReactorRuntime } from "effect-reactor"
 *
 * // Reads what stdin has; O_NONBLOCK is set for the scope and cleared again at its end.
 * const readStdin = Effect.scoped(
 *   Effect.flatMap(
 *     AsyncFd.register(0, { interest: Interest.readable, nonBlocking: "set" }),
 *     (stdin) => stdin.read(new Uint8Array(256))
 *   )
 * ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const register: (
  fd: number,
  options?: Options
) => Effect.Effect<AsyncFd, IoError, ReactorRuntime | Scope.Scope> = internal.register

/**
 * Takes over an fd for the current scope: the release deregisters it, then closes it (or, when this thread ends
 * first, as a terminated Worker does, the thread's end closes it); close it only through the `AsyncFd`. The fd is
 * closed even when registering fails. O_NONBLOCK is set unless `nonBlocking: "leave"`, and cleared again before the close if it was
 * off (the description may be shared with another process).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AsyncFd } from "effect-reactor"
 *
 * const owned = (fd: number) =>
 *   Effect.scoped(Effect.flatMap(AsyncFd.adopt(fd), (asyncFd) => asyncFd.read(new Uint8Array(8))))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const adopt: (fd: number, options?: Options) => Effect.Effect<AsyncFd, IoError, ReactorRuntime | Scope.Scope> =
  internal.adopt

/**
 * Both ends of a pipe made by `pipe`, as raw fds: non-blocking and close-on-exec. Use them as they are (`node:fs`
 * `readSync` / `writeSync`, where EAGAIN is a thrown error), register them (`AsyncFd.register`, a `Poller`, a
 * `Reactor`), or hand one to a child process (`spawn`'s `stdio` takes an fd).
 *
 * - `readFd` / `writeFd`: the two ends.
 * - `closeRead` / `closeWrite`: close one end now, so that the reader sees end of file once every writer is gone (or
 *   the writer `BrokenPipe` once every reader is). Idempotent; the scope closes whatever is still open.
 *
 * Never close the fds yourself (nor `adopt` them): the scope would close the numbers again, which by then may name
 * another file.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { writeSync } from "node:fs"
 * import { AsyncFd, Interest, ReactorRuntime } from "effect-reactor"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const pipe = yield* AsyncFd.pipe()
 *   const reader = yield* AsyncFd.register(pipe.readFd, { interest: Interest.readable })
 *   setTimeout(() => writeSync(pipe.writeFd, "hello"), 10)
 *   const buffer = new Uint8Array(16)
 *   const n = yield* reader.read(buffer) // waits without blocking Node's event loop
 *   return new TextDecoder().decode(buffer.subarray(0, n))
 * })).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Pipe {
  readonly readFd: number
  readonly writeFd: number
  readonly closeRead: Effect.Effect<void>
  readonly closeWrite: Effect.Effect<void>
}

/**
 * A pipe (pipe2(2) with `O_NONBLOCK | O_CLOEXEC`) owned by the current scope: its release closes both ends, never
 * failing. Node has no public way to make one. It needs no runtime: the fds are for whatever waits on them (an
 * `AsyncFd`, a `Poller`, a `Reactor` of your own) or for a child process. Fails with reason `Os` (code `EMFILE`) when
 * the process is out of fds.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { readSync, writeSync } from "node:fs"
 * import { AsyncFd } from "effect-reactor"
 *
 * const roundTrip = Effect.scoped(Effect.gen(function*() {
 *   const { readFd, writeFd } = yield* AsyncFd.pipe()
 *   writeSync(writeFd, "ping")
 *   const buffer = Buffer.alloc(4)
 *   return buffer.toString("utf8", 0, readSync(readFd, buffer))
 * }))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const pipe: () => Effect.Effect<Pipe, IoError, Scope.Scope> = internal.pipe
