/**
 * Reading a wait batch.
 *
 * `Poller.wait` fills a caller-owned `Uint32Array` with `(key, flags)` pairs and returns how many it wrote: no
 * object per event. This module names the flag bits and walks a batch.
 *
 * A hangup or an error is reported whatever the interest was; a reader should treat either as "ready" (the next
 * syscall says what happened) rather than as a reason to stop listening.
 *
 * The flags are a branded bit set of their own, `Flags`: the reactor's readiness bits (`Reactor.Ready`) and
 * `Interest` use some of the same names for other values, so one passed where another is expected does not
 * type-check.
 *
 * @since 0.1.0
 */
import type * as Brand from "effect/Brand"
import * as internal from "./internal/pollEvent.js"

/**
 * The readiness flags of one event of a wait batch: a bit set of `readable`, `writable`, `hangup`, `error` and
 * `priority` (a plain number at run time, as the native wait writes it). `forEach` hands each event's flags over as
 * `Flags`.
 *
 * Its own brand because the names repeat elsewhere with other values: `priority` is 16 here, 4 in `Interest` and 32
 * in the reactor's `Reactor.Ready`.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * const describe = (flags: PollEvent.Flags): string =>
 *   PollEvent.isHangup(flags) ? "peer gone" : PollEvent.isReadable(flags) ? "read now" : PollEvent.format(flags)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Flags = number & Brand.Brand<"effect-reactor/PollEvent.Flags">

/**
 * The fd is readable (`EPOLLIN` / `POLLIN`): flag 1.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.isReadable(PollEvent.readable)) // true
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const readable: Flags = internal.READABLE

/**
 * The fd is writable (`EPOLLOUT` / `POLLOUT`): flag 2.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.format(PollEvent.writable)) // "writable"
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const writable: Flags = internal.WRITABLE

/**
 * The peer hung up (`EPOLLHUP` / `EPOLLRDHUP` / `POLLHUP`): flag 4.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * // A batch as the native wait writes it: key 7, readable and hung up.
 * const events = Uint32Array.of(7, PollEvent.readable | PollEvent.hangup)
 * PollEvent.forEach(events, 1, (_key, flags) => console.log(PollEvent.isHangup(flags))) // true
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const hangup: Flags = internal.HANGUP

/**
 * An error is pending on the fd (`EPOLLERR` / `POLLERR`): flag 8.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.isError(PollEvent.error)) // true
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const error: Flags = internal.ERROR

/**
 * Priority data is available (`EPOLLPRI` / `POLLPRI`): flag 16.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.isPriority(PollEvent.priority)) // true
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const priority: Flags = internal.PRIORITY

/**
 * Whether the flags say readable.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * const events = Uint32Array.of(7, PollEvent.readable | PollEvent.hangup)
 * PollEvent.forEach(events, 1, (_key, flags) => console.log(PollEvent.isReadable(flags))) // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isReadable: (flags: Flags) => boolean = internal.isReadable

/**
 * Whether the flags say writable.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.isWritable(PollEvent.readable)) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isWritable: (flags: Flags) => boolean = internal.isWritable

/**
 * Whether the flags say the peer hung up.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.isHangup(PollEvent.hangup)) // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isHangup: (flags: Flags) => boolean = internal.isHangup

/**
 * Whether the flags say an error is pending.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.isError(PollEvent.hangup)) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isError: (flags: Flags) => boolean = internal.isError

/**
 * Whether the flags say priority data is available.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.isPriority(PollEvent.readable)) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isPriority: (flags: Flags) => boolean = internal.isPriority

/**
 * The flags as `|`-separated names in bit order ("readable|hangup"); `"none"` for 0. Bits this version does not
 * know are shown in hex ("readable|0x20").
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * // Two events as the native wait writes them; the second has a bit this version does not know.
 * const events = Uint32Array.of(7, PollEvent.readable | PollEvent.hangup, 9, 0x20)
 * PollEvent.forEach(events, 2, (_key, flags) => console.log(PollEvent.format(flags)))
 * // "readable|hangup"
 * // "0x20"
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const format: (flags: Flags) => string = internal.format

/**
 * Calls `f(key, flags)` for each of the first `count` pairs of a batch, in order, with the flags as `Flags`. A
 * `count` beyond the batch's capacity stops at the capacity.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * const events = PollEvent.makeBatch(64)
 * const count = 0 // what `Poller.wait` returned
 * PollEvent.forEach(events, count, (key, flags) => {
 *   console.log(key, PollEvent.format(flags))
 * })
 * ```
 *
 * @since 0.1.0
 * @category iterating
 */
export const forEach: (events: Uint32Array, count: number, f: (key: number, flags: Flags) => void) => void =
  internal.forEach

/**
 * A batch with room for `capacity` events (a `Uint32Array` of `2 * capacity`), to allocate once and reuse for every
 * wait. Throws `RangeError` unless `capacity` is a positive integer.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * const events = PollEvent.makeBatch(1024)
 * console.log(events.length) // 2048
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeBatch: (capacity: number) => Uint32Array = internal.makeBatch
