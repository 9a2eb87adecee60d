/**
 * What a registration waits for: readable, writable, priority data, or a mix.
 *
 * An `Interest` is a branded bit set (a plain number at run time, so it crosses the native boundary for free).
 *
 * @since 0.1.0
 */
import type * as Brand from "effect/Brand"
import * as internal from "./internal/interest.js"

/**
 * A set of readiness directions to wait for.
 *
 * Its own brand because the names repeat elsewhere with other values: `priority` is 4 here, 16 in the poller's
 * `PollEvent.Flags` and 32 in the reactor's `Reactor.Ready`; one passed where another is expected does not type-check.
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 *
 * const wanted: Interest.Interest = Interest.readable
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Interest = number & Brand.Brand<"effect-reactor/Interest">

/**
 * No direction: the fd stays registered but reports nothing (errors and hangups aside, which the kernel always
 * reports).
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 *
 * console.log(Interest.isReadable(Interest.none)) // false
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const none: Interest = internal.NONE

/**
 * Wake when the fd can be read without blocking (`EPOLLIN` / `POLLIN`).
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 *
 * console.log(Interest.readable) // 1
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const readable: Interest = internal.READABLE

/**
 * Wake when the fd can be written without blocking (`EPOLLOUT` / `POLLOUT`).
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 *
 * console.log(Interest.writable) // 2
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const writable: Interest = internal.WRITABLE

/**
 * Readable and writable.
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 *
 * console.log(Interest.both === Interest.combine(Interest.readable, Interest.writable)) // true
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const both: Interest = internal.BOTH

/**
 * Wake on priority (out-of-band) data (`EPOLLPRI` / `POLLPRI`): TCP urgent data, sysfs GPIO edges, cgroup events.
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 *
 * const gpio = Interest.combine(Interest.priority, Interest.readable)
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const priority: Interest = internal.PRIORITY

/**
 * The union of two interests.
 *
 * @example
 * ```ts
 * import { pipe } from "effect"
 * import { Interest } from "effect-reactor"
 *
 * const a = Interest.combine(Interest.readable, Interest.writable)
 * const b = pipe(Interest.readable, Interest.combine(Interest.writable))
 * console.log(a === b) // true
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const combine: {
  (that: Interest): (self: Interest) => Interest
  (self: Interest, that: Interest): Interest
} = internal.combine

/**
 * `self` without the directions of `that`.
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 *
 * console.log(Interest.remove(Interest.both, Interest.writable) === Interest.readable) // true
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const remove: {
  (that: Interest): (self: Interest) => Interest
  (self: Interest, that: Interest): Interest
} = internal.remove

/**
 * Whether the interest includes the readable direction.
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 *
 * console.log(Interest.isReadable(Interest.both)) // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isReadable: (self: Interest) => boolean = internal.isReadable

/**
 * Whether the interest includes the writable direction.
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 *
 * console.log(Interest.isWritable(Interest.readable)) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isWritable: (self: Interest) => boolean = internal.isWritable

/**
 * Whether the interest includes priority data.
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 *
 * console.log(Interest.isPriority(Interest.priority)) // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isPriority: (self: Interest) => boolean = internal.isPriority

/**
 * Whether a value is a valid interest: a non-negative integer made only of the readable, writable and priority bits.
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 *
 * const bits: unknown = 3
 * if (Interest.isInterest(bits)) {
 *   console.log(Interest.isWritable(bits)) // true
 * }
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isInterest: (u: unknown) => u is Interest = internal.isInterest
