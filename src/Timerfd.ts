/**
 * Kernel timers as fds (timerfd_create(2)): one-shot or periodic, on the monotonic, realtime or boottime clock, with
 * nanosecond resolution, waited on through the reactor.
 *
 * - `make({ clock })` opens a disarmed timer in the current scope (non-blocking, close-on-exec); the scope's release
 *   deregisters and closes it.
 * - `arm({ initial, interval? })` starts it: the first expiration after `initial`, then one every `interval` (none
 *   when it is absent or zero). Durations are Effect `Duration` inputs and keep their sub-millisecond part: `"250
 *   micros"` or `250_000n` (nanoseconds) arm the kernel timer with exactly that. Arming again replaces the setting.
 * - `disarm` stops it; `get` reads what is left until the next expiration and the interval (timerfd_gettime).
 * - `wait` reads the expiration count (waiting while it is zero), `expirations` is the `Stream` of those counts.
 *
 * The count is how many times the timer expired since it was last read: a count above 1 means the reader was late
 * and `count - 1` expirations were overrun. It is a kernel `uint64`, given as a `number`: exact up to 2^53, a count
 * no timer reaches (at one expiration per nanosecond that takes 104 days).
 *
 * The clocks: `"monotonic"` (the default) never jumps; `"realtime"` is wall-clock time, but since settings here are
 * relative, a jump of the wall clock does not move an armed timer's expiration; `"boottime"` is monotonic and keeps
 * counting while the system is suspended.
 *
 * Bad input is an `IoError` with reason `InvalidArgument`: a negative, NaN or infinite duration, a zero `initial`
 * (a zero would disarm: say `disarm`), an unknown clock. Every operation after `close` fails with `Closed`.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as internal from "./internal/timerfd.js"
import type { IoError } from "./IoError.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"

/**
 * The clock a timer counts on: `"monotonic"`, `"realtime"` (wall clock) or `"boottime"` (monotonic, counting
 * suspend).
 *
 * @example
 * ```ts
 * import type { Timerfd } from "effect-reactor"
 *
 * const clock: Timerfd.Clock = "boottime"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Clock = "monotonic" | "realtime" | "boottime"

/**
 * Options of `make`: the `clock` (default `"monotonic"`).
 *
 * @example
 * ```ts
 * import type { Timerfd } from "effect-reactor"
 *
 * const options: Timerfd.Options = { clock: "realtime" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly clock?: Clock | undefined
}

/**
 * What `arm` sets: the first expiration after `initial` (positive), then one every `interval` (absent or zero:
 * one-shot).
 *
 * @example
 * ```ts
 * import type { Timerfd } from "effect-reactor"
 *
 * const every250Micros: Timerfd.Spec = { initial: "250 micros", interval: "250 micros" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Spec {
  readonly initial: Duration.DurationInput
  readonly interval?: Duration.DurationInput | undefined
}

/**
 * What `get` reads: whether the timer is armed, the time left until its next expiration (zero when disarmed), and
 * its interval (zero for a one-shot timer).
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import type { Timerfd } from "effect-reactor"
 *
 * const describe = (setting: Timerfd.Setting): string =>
 *   setting.armed ? `next in ${Duration.format(setting.remaining)}` : "disarmed"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Setting {
  readonly armed: boolean
  readonly remaining: Duration.Duration
  readonly interval: Duration.Duration
}

/**
 * An open timer.
 *
 * - `arm(spec)` / `disarm`: timerfd_settime; `get`: timerfd_gettime.
 * - `wait`: the expiration count since the last read (1, or more when the reader was late); waits while it is zero.
 * - `expirations`: the `Stream` of those counts; it waits while the timer is disarmed and fails once it is closed.
 * - `close`: release now (the scope's release is then a no-op).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Timerfd } from "effect-reactor"
 *
 * // Arms a one-shot timer and waits for it.
 * const sleepOnce = (timer: Timerfd.Timerfd) =>
 *   Effect.zipRight(timer.arm({ initial: "500 micros" }), timer.wait)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Timerfd {
  readonly fd: number
  readonly clock: Clock
  readonly closed: boolean
  arm(spec: Spec): Effect.Effect<void, IoError>
  readonly disarm: Effect.Effect<void, IoError>
  readonly get: Effect.Effect<Setting, IoError>
  readonly wait: Effect.Effect<number, IoError>
  readonly expirations: Stream.Stream<number, IoError>
  readonly close: Effect.Effect<void>
}

/**
 * Opens a disarmed timer on `options.clock` for the current scope. Fails with `InvalidArgument` (an unknown clock)
 * or the errno of timerfd_create (`Os` with code `EMFILE` when the process is out of fds).
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { ReactorRuntime, Timerfd } from "effect-reactor"
 *
 * // Three ticks of a 1 ms periodic timer; each count is 1 unless the reader fell behind.
 * const ticks = Effect.scoped(
 *   Effect.gen(function*() {
 *     const timer = yield* Timerfd.make({ clock: "monotonic" })
 *     yield* timer.arm({ initial: "1 millis", interval: "1 millis" })
 *     return yield* Stream.runCollect(Stream.take(timer.expirations, 3))
 *   })
 * ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options?: Options) => Effect.Effect<Timerfd, IoError, ReactorRuntime | Scope.Scope> = internal.make
