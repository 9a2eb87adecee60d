/**
 * Reading a wait batch.
 *
 * `Poller.wait` fills a caller-owned `Uint32Array` with `(key, flags)` pairs and returns how many it wrote: no
 * object per event. This module names the flag bits and walks a batch.
 *
 * A hangup or an error is reported whatever the interest was; a reader should treat either as "ready" (the next
 * syscall says what happened) rather than as a reason to stop listening.
 *
 * @since 0.1.0
 */
import * as internal from "./internal/pollEvent.js"

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
export const readable: number = internal.READABLE

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
export const writable: number = internal.WRITABLE

/**
 * The peer hung up (`EPOLLHUP` / `EPOLLRDHUP` / `POLLHUP`): flag 4.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.format(PollEvent.readable | PollEvent.hangup)) // "readable|hangup"
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const hangup: number = internal.HANGUP

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
export const error: number = internal.ERROR

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
export const priority: number = internal.PRIORITY

/**
 * Whether the flags say readable.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.isReadable(1 | 4)) // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isReadable: (flags: number) => boolean = internal.isReadable

/**
 * Whether the flags say writable.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.isWritable(1)) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isWritable: (flags: number) => boolean = internal.isWritable

/**
 * Whether the flags say the peer hung up.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.isHangup(4)) // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isHangup: (flags: number) => boolean = internal.isHangup

/**
 * Whether the flags say an error is pending.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.isError(8)) // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isError: (flags: number) => boolean = internal.isError

/**
 * Whether the flags say priority data is available.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.isPriority(16)) // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isPriority: (flags: number) => boolean = internal.isPriority

/**
 * The flags as `|`-separated names in bit order ("readable|hangup"); `"none"` for 0. Bits this version does not
 * know are shown in hex ("readable|0x20").
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * console.log(PollEvent.format(PollEvent.readable | PollEvent.hangup)) // "readable|hangup"
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const format: (flags: number) => string = internal.format

/**
 * Calls `f(key, flags)` for each of the first `count` pairs of a batch, in order. A `count` beyond the batch's
 * capacity stops at the capacity.
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
export const forEach: (events: Uint32Array, count: number, f: (key: number, flags: number) => void) => void =
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
