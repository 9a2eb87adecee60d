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
 * deregisters, then closes it). Either way the release never fails; the fd must be non-blocking. A regular file
 * cannot be polled: `Unsupported`.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Interest } from "./Interest.js"
import * as internal from "./internal/asyncFd.js"
import type { IoError } from "./IoError.js"
import type { Reactor, Readiness, Registration } from "./Reactor.js"

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
 * import { AsyncFd } from "effect-reactor"
 *
 * const fromErrno = (n: number) => (n === -11 ? AsyncFd.WouldBlock : n)
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
 * Options of `register` and `adopt`: the `interest` (default readable and writable).
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 * import type { AsyncFd } from "effect-reactor"
 *
 * const options: AsyncFd.Options = { interest: Interest.readable }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly interest?: Interest | undefined
}

/**
 * Registers an fd the caller keeps owning, for the current scope: the release deregisters it and leaves it open.
 * Fails with `Unsupported` (a regular file), `BadDescriptor`, `Os` with code `EEXIST` (already registered),
 * `InvalidArgument` (a negative fd, an empty interest).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AsyncFd, Interest, Runtime } from "effect-reactor"
 *
 * const waitForStdin = Effect.scoped(
 *   Effect.flatMap(AsyncFd.register(0, { interest: Interest.readable }), (fd) => fd.readable)
 * ).pipe(Effect.provide(Runtime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const register: (fd: number, options?: Options) => Effect.Effect<AsyncFd, IoError, Reactor | Scope.Scope> =
  internal.register

/**
 * Takes over an fd for the current scope: the release deregisters it, then closes it. The fd is closed even when
 * registering fails.
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
export const adopt: (fd: number, options?: Options) => Effect.Effect<AsyncFd, IoError, Reactor | Scope.Scope> =
  internal.adopt
