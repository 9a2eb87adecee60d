/**
 * The answer of one `poll` of a future: `Ready` with its value, or `Pending` — "not yet; I have
 * kept your waker and will call it when polling again can make progress".
 *
 * @since 0.1.0
 */
import type * as Equal from "effect/Equal"
import type { Inspectable } from "effect/Inspectable"
import type { Pipeable } from "effect/Pipeable"
import * as internal from "./internal/poll.js"

/**
 * The identifier of every `Poll`.
 *
 * @example
 * ```ts
 * import { Poll } from "effect-reactor"
 *
 * console.log(Poll.TypeId in Poll.pending) // true
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
 * import type { Poll } from "effect-reactor"
 *
 * type Id = Poll.TypeId
 * ```
 *
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * `Ready<A> | Pending`, like Rust's `std::task::Poll`.
 *
 * @example
 * ```ts
 * import { Poll } from "effect-reactor"
 *
 * const answers: ReadonlyArray<Poll.Poll<number>> = [Poll.ready(1), Poll.pending]
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Poll<A> = Ready<A> | Pending

/**
 * A finished poll, carrying its value.
 *
 * @example
 * ```ts
 * import { Poll } from "effect-reactor"
 *
 * const done: Poll.Ready<string> = Poll.ready("hello") as Poll.Ready<string>
 * console.log(done.value) // "hello"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Ready<out A> extends Equal.Equal, Pipeable, Inspectable {
  readonly [TypeId]: TypeId
  readonly _tag: "Ready"
  readonly value: A
}

/**
 * A poll that could not finish yet; the future has registered the waker it was given.
 *
 * @example
 * ```ts
 * import { Poll } from "effect-reactor"
 *
 * const notYet: Poll.Pending = Poll.pending
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Pending extends Equal.Equal, Pipeable, Inspectable {
  readonly [TypeId]: TypeId
  readonly _tag: "Pending"
}

/**
 * The one `Pending` value: every pending poll returns this same object.
 *
 * @example
 * ```ts
 * import { Poll } from "effect-reactor"
 *
 * console.log(Poll.isPending(Poll.pending)) // true
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const pending: Pending = internal.pending

/**
 * A finished poll with `value`.
 *
 * @example
 * ```ts
 * import { Equal } from "effect"
 * import { Poll } from "effect-reactor"
 *
 * console.log(Equal.equals(Poll.ready(1), Poll.ready(1))) // true
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const ready: <A>(value: A) => Poll<A> = internal.ready

/**
 * Whether `u` is a `Poll`.
 *
 * @example
 * ```ts
 * import { Poll } from "effect-reactor"
 *
 * console.log(Poll.isPoll(Poll.pending), Poll.isPoll({ _tag: "Pending" })) // true false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isPoll: (u: unknown) => u is Poll<unknown> = internal.isPoll

/**
 * Whether the poll finished.
 *
 * @example
 * ```ts
 * import { Poll } from "effect-reactor"
 *
 * const poll: Poll.Poll<number> = Poll.ready(3)
 * if (Poll.isReady(poll)) console.log(poll.value) // 3
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isReady: <A>(self: Poll<A>) => self is Ready<A> = internal.isReady

/**
 * Whether the poll has yet to finish.
 *
 * @example
 * ```ts
 * import { Poll } from "effect-reactor"
 *
 * console.log(Poll.isPending(Poll.ready(1))) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isPending: <A>(self: Poll<A>) => self is Pending = internal.isPending

/**
 * Folds a poll into one value.
 *
 * @example
 * ```ts
 * import { Poll } from "effect-reactor"
 *
 * const describe = Poll.match({ onPending: () => "not yet", onReady: (n: number) => `got ${n}` })
 * console.log(describe(Poll.ready(2)), describe(Poll.pending)) // "got 2" "not yet"
 * ```
 *
 * @since 0.1.0
 * @category pattern matching
 */
export const match: {
  <A, B, C = B>(options: {
    readonly onPending: () => B
    readonly onReady: (value: A) => C
  }): (self: Poll<A>) => B | C
  <A, B, C = B>(self: Poll<A>, options: {
    readonly onPending: () => B
    readonly onReady: (value: A) => C
  }): B | C
} = internal.match

/**
 * Transforms the value of a `Ready`; `Pending` stays `Pending`.
 *
 * @example
 * ```ts
 * import { Poll } from "effect-reactor"
 *
 * console.log(Poll.ready(2).pipe(Poll.map((n) => n * 10)).toJSON()) // { _id: "Poll", _tag: "Ready", value: 20 }
 * ```
 *
 * @since 0.1.0
 * @category mapping
 */
export const map: {
  <A, B>(f: (a: A) => B): (self: Poll<A>) => Poll<B>
  <A, B>(self: Poll<A>, f: (a: A) => B): Poll<B>
} = internal.map
