/**
 * A `Waker` is what a pending future keeps so that it can be polled again: calling `wake()` asks
 * the executor to re-queue the task. Waking never runs the task inline, and a task woken many
 * times before it runs is queued once.
 *
 * @since 0.1.0
 */
import * as internal from "./internal/waker.js"

/**
 * The identifier of every `Waker`.
 *
 * @example
 * ```ts
 * import { Waker } from "effect-reactor"
 *
 * console.log(Waker.TypeId in Waker.noop) // true
 * ```
 *
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = internal.TypeId as TypeId

/**
 * The type of `TypeId`.
 *
 * @example
 * ```ts
 * import type { Waker } from "effect-reactor"
 *
 * type Id = Waker.TypeId
 * ```
 *
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * Wakes the task that owns it.
 *
 * - `wake()`: schedule the task to be polled again (never polls it inline).
 * - `willWake(other)`: whether `other` wakes the same task, so a future can skip replacing a
 *   stored waker with an equivalent one.
 *
 * @example
 * ```ts
 * import { Waker } from "effect-reactor"
 *
 * const wakeTwice = (waker: Waker.Waker) => {
 *   waker.wake()
 *   waker.wake() // the task is still queued once
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Waker {
  readonly [TypeId]: TypeId
  wake(): void
  willWake(other: Waker): boolean
}

/**
 * A waker that does nothing: for polling a future by hand.
 *
 * @example
 * ```ts
 * import { SimpleFuture, Waker } from "effect-reactor"
 *
 * const poll = SimpleFuture.succeed(1).poll(Waker.noop)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const noop: Waker = internal.noop

/**
 * A waker that calls `wake`. Two wakers made from the same function `willWake` each other.
 *
 * @example
 * ```ts
 * import { Waker } from "effect-reactor"
 *
 * let woken = 0
 * const count = () => { woken++ }
 * const waker = Waker.make(count)
 * waker.wake()
 * console.log(woken, waker.willWake(Waker.make(count))) // 1 true
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (wake: () => void) => Waker = internal.make

/**
 * Whether `u` is a `Waker`.
 *
 * @example
 * ```ts
 * import { Waker } from "effect-reactor"
 *
 * console.log(Waker.isWaker(Waker.noop), Waker.isWaker(() => {})) // true false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isWaker: (u: unknown) => u is Waker = internal.isWaker
