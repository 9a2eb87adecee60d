/**
 * `SimpleFuture<A, E>`: the chapter's `SimpleFuture`, with a typed failure. `poll(waker)` either
 * finishes with an `Exit` or returns `Pending` after arranging for `waker` to be woken when
 * polling again can make progress. Executors poll; futures never block.
 *
 * The protocol every future here follows:
 * - a future keeps only the latest waker it was polled with;
 * - polling a future after it was Ready, or after it was dropped, is a defect (it throws);
 * - `drop()` cancels: it releases what the future holds (timers, inner futures, attached cleanup)
 *   exactly once, and is a no-op once the future is finished;
 * - a function given to a combinator that throws makes the future die (as in Effect): its exit is
 *   `Exit.die(thrown)`, and what it held is released first.
 *
 * A `SimpleFuture` is used once, like a Rust future: constructors build a fresh future on each
 * call (so `void`, `unit` and `never` are functions, not shared values), and a future given to a
 * combinator belongs to that combinator.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Exit from "effect/Exit"
import type { Pipeable } from "effect/Pipeable"
import type * as Executor from "./Executor.js"
import * as bridge from "./internal/bridge.js"
import * as executorService from "./internal/executorService.js"
import * as internal from "./internal/future.js"
import * as cleanup from "./internal/futures/cleanup.js"
import * as concurrent from "./internal/futures/concurrent.js"
import * as constructors from "./internal/futures/constructors.js"
import * as sequential from "./internal/futures/sequential.js"
import * as time from "./internal/futures/time.js"
import type { Poll } from "./Poll.js"
import type { Waker } from "./Waker.js"

/**
 * The identifier of every `SimpleFuture`.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const isFuture = (u: object) => SimpleFuture.TypeId in u
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
 * import type { SimpleFuture } from "effect-reactor"
 *
 * type Id = SimpleFuture.TypeId
 * ```
 *
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * A computation that an executor drives by polling.
 *
 * - `poll(waker)`: make progress; `Ready(exit)` when finished, otherwise `Pending` with `waker`
 *   kept (the latest waker given is the one to wake).
 * - `drop()`: cancel. Releases what the future holds (timers, registrations, inner futures)
 *   exactly once; a no-op once the future is finished. Polling a dropped future is a defect.
 *
 * @example
 * ```ts
 * import { Exit } from "effect"
 * import { Poll, SimpleFuture, Waker } from "effect-reactor"
 *
 * const answer: SimpleFuture.SimpleFuture<number> = SimpleFuture.succeed(42)
 * const first = answer.poll(Waker.noop)
 * if (Poll.isReady(first) && Exit.isSuccess(first.value)) console.log(first.value.value) // 42
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface SimpleFuture<out A, out E = never> extends Pipeable {
  readonly [TypeId]: TypeId
  poll(waker: Waker): Poll<Exit.Exit<A, E>>
  drop(): void
}

/**
 * Types that take a `SimpleFuture` apart.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const lookup = SimpleFuture.fail(new TypeError("no such user")).pipe(SimpleFuture.zip(SimpleFuture.succeed(1)))
 * type Found = SimpleFuture.SimpleFuture.Success<typeof lookup> // [never, number]
 * type Missing = SimpleFuture.SimpleFuture.Error<typeof lookup> // TypeError
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export declare namespace SimpleFuture {
  /**
   * The success type of a future type (distributes over unions).
   *
   * @example
   * ```ts
   * import type { SimpleFuture } from "effect-reactor"
   *
   * type N = SimpleFuture.SimpleFuture.Success<SimpleFuture.SimpleFuture<number, string>> // number
   * ```
   *
   * @since 0.1.0
   * @category models
   */
  export type Success<T> = T extends SimpleFuture<infer A, infer _E> ? A : never

  /**
   * The error type of a future type (distributes over unions).
   *
   * @example
   * ```ts
   * import type { SimpleFuture } from "effect-reactor"
   *
   * type S = SimpleFuture.SimpleFuture.Error<SimpleFuture.SimpleFuture<number, string>> // string
   * ```
   *
   * @since 0.1.0
   * @category models
   */
  export type Error<T> = T extends SimpleFuture<infer _A, infer E> ? E : never
}

/**
 * The future `all` returns for `Arg`: a tuple for a tuple, an array for any other iterable, a
 * struct for a record; its error is the union of the children's errors.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * type Pair = SimpleFuture.AllResult<[SimpleFuture.SimpleFuture<number>, SimpleFuture.SimpleFuture<string, Error>]>
 * // SimpleFuture<[number, string], Error>
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type AllResult<Arg> = [Arg] extends [ReadonlyArray<SimpleFuture<any, any>>] ? SimpleFuture<
    { -readonly [K in keyof Arg]: SimpleFuture.Success<Arg[K]> },
    SimpleFuture.Error<Arg[number]>
  >
  : [Arg] extends [Iterable<SimpleFuture<infer A, infer E>>] ? SimpleFuture<Array<A>, E>
  : [Arg] extends [Readonly<Record<string, SimpleFuture<any, any>>>] ? SimpleFuture<
      { -readonly [K in keyof Arg]: SimpleFuture.Success<Arg[K]> },
      SimpleFuture.Error<Arg[keyof Arg]>
    >
  : never

/**
 * Whether `u` is a `SimpleFuture`.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * console.log(SimpleFuture.isSimpleFuture(SimpleFuture.succeed(1))) // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isSimpleFuture: (u: unknown) => u is SimpleFuture<unknown, unknown> = internal.isSimpleFuture

/**
 * A future that is Ready with `value` at its first poll.
 *
 * @example
 * ```ts
 * import { SimpleFuture, Waker } from "effect-reactor"
 *
 * console.log(SimpleFuture.succeed(1).poll(Waker.noop).toJSON())
 * // { _id: "Poll", _tag: "Ready", value: { _id: "Exit", _tag: "Success", value: 1 } }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const succeed: <A>(value: A) => SimpleFuture<A> = constructors.succeed

/**
 * A future that fails with the typed error `error` at its first poll.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * class NotFound {
 *   readonly _tag = "NotFound"
 * }
 * const missing: SimpleFuture.SimpleFuture<never, NotFound> = SimpleFuture.fail(new NotFound())
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fail: <E>(error: E) => SimpleFuture<never, E> = constructors.fail

/**
 * A future that fails with `cause` at its first poll.
 *
 * @example
 * ```ts
 * import { Cause } from "effect"
 * import { SimpleFuture } from "effect-reactor"
 *
 * const both = SimpleFuture.failCause(Cause.parallel(Cause.fail("a"), Cause.fail("b")))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const failCause: <E>(cause: Cause.Cause<E>) => SimpleFuture<never, E> = constructors.failCause

/**
 * A future that dies with `defect` (an untyped failure: a bug) at its first poll.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const bug = SimpleFuture.die(new Error("unreachable"))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const die: (defect: unknown) => SimpleFuture<never> = constructors.die

/**
 * A future that finishes with `exit` at its first poll.
 *
 * @example
 * ```ts
 * import { Exit } from "effect"
 * import { SimpleFuture } from "effect-reactor"
 *
 * const replay = SimpleFuture.fromExit(Exit.succeed("cached"))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromExit: <A, E>(exit: Exit.Exit<A, E>) => SimpleFuture<A, E> = constructors.fromExit

const void_: () => SimpleFuture<void> = constructors.void_

export {
  /**
   * A future that succeeds with `undefined` at its first poll. A function, not a value: a future
   * is used once, so each call builds a fresh one.
   *
   * @example
   * ```ts
   * import { SimpleFuture } from "effect-reactor"
   *
   * const done: SimpleFuture.SimpleFuture<void> = SimpleFuture.void()
   * ```
   *
   * @since 0.1.0
   * @category constructors
   */
  void_ as void
}

/**
 * The same as `void` (Effect 2's name for it).
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const done: SimpleFuture.SimpleFuture<void> = SimpleFuture.unit()
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const unit: () => SimpleFuture<void> = constructors.void_

/**
 * A future that calls `evaluate` at its first poll and succeeds with its result; if `evaluate`
 * throws, the future dies with what it threw.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const startedAt = SimpleFuture.sync(() => Date.now()) // read when polled, not when built
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const sync: <A>(evaluate: () => A) => SimpleFuture<A> = constructors.sync

/**
 * A future built lazily by `build` at its first poll, then polled in place; dropping it drops the
 * built future (and builds nothing if it was never polled).
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const countdown = (n: number): SimpleFuture.SimpleFuture<string> =>
 *   n === 0 ? SimpleFuture.succeed("liftoff") : SimpleFuture.suspend(() => countdown(n - 1))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const suspend: <A, E>(build: () => SimpleFuture<A, E>) => SimpleFuture<A, E> = constructors.suspend

/**
 * A future from a poll function: each poll calls `f(waker)`. `f` returns `Ready(value)` to finish,
 * or `Pending` after arranging for `waker` (the latest one it was given) to be woken. If `f`
 * throws, the future dies with what it threw. To release what `f` holds on cancellation, add
 * `onDrop`.
 *
 * @example
 * ```ts
 * import { Poll, SimpleFuture } from "effect-reactor"
 *
 * // Pending twice (asking to be polled again each time), then Ready.
 * let polls = 0
 * const third = SimpleFuture.fromPoll((waker) => {
 *   if (++polls === 3) return Poll.ready(polls)
 *   waker.wake()
 *   return Poll.pending
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromPoll: <A>(f: (waker: Waker) => Poll<A>) => SimpleFuture<A> = constructors.fromPoll

/**
 * A future that never finishes (and keeps no waker). Only dropping ends it. An executor's
 * `blockOn` reports a lone `never()` as a deadlock instead of hanging.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const forever: SimpleFuture.SimpleFuture<never> = SimpleFuture.never()
 * forever.drop()
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const never: () => SimpleFuture<never> = constructors.never

/**
 * Transforms the success value; failures pass through unchanged.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const a = SimpleFuture.map(SimpleFuture.succeed(2), (n) => n * 10)
 * const b = SimpleFuture.succeed(2).pipe(SimpleFuture.map((n) => n * 10))
 * ```
 *
 * @since 0.1.0
 * @category mapping
 */
export const map: {
  <A, B>(f: (a: A) => B): <E>(self: SimpleFuture<A, E>) => SimpleFuture<B, E>
  <A, E, B>(self: SimpleFuture<A, E>, f: (a: A) => B): SimpleFuture<B, E>
} = sequential.map

/**
 * Transforms the typed error; successes and defects pass through unchanged.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const wrapped = SimpleFuture.fail("ENOENT").pipe(SimpleFuture.mapError((code) => new Error(code)))
 * ```
 *
 * @since 0.1.0
 * @category mapping
 */
export const mapError: {
  <E, E2>(f: (e: E) => E2): <A>(self: SimpleFuture<A, E>) => SimpleFuture<A, E2>
  <A, E, E2>(self: SimpleFuture<A, E>, f: (e: E) => E2): SimpleFuture<A, E2>
} = sequential.mapError

/**
 * Runs `self`, then the future `f` builds from its value. A failure of `self` short-circuits (`f`
 * is not called); dropping the result drops whichever stage is live. Stack safe: a loop written as
 * recursion through `flatMap` polls at constant depth, and it yields to the executor (wakes itself
 * and returns Pending) after 2048 stages finished within one poll.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const sum = (n: number, acc = 0): SimpleFuture.SimpleFuture<number> =>
 *   n === 0
 *     ? SimpleFuture.succeed(acc)
 *     : SimpleFuture.succeed(n).pipe(SimpleFuture.flatMap((k) => sum(n - 1, acc + k)))
 * ```
 *
 * @since 0.1.0
 * @category sequencing
 */
export const flatMap: {
  <A, B, E2>(f: (a: A) => SimpleFuture<B, E2>): <E>(self: SimpleFuture<A, E>) => SimpleFuture<B, E | E2>
  <A, E, B, E2>(self: SimpleFuture<A, E>, f: (a: A) => SimpleFuture<B, E2>): SimpleFuture<B, E | E2>
} = sequential.flatMap

/**
 * A future that never fails: it succeeds with the `Exit` of `self` (success, typed failure, defect
 * or interruption alike).
 *
 * @example
 * ```ts
 * import { Exit } from "effect"
 * import { SimpleFuture } from "effect-reactor"
 *
 * const recovered = SimpleFuture.fail("boom").pipe(
 *   SimpleFuture.exit,
 *   SimpleFuture.map(Exit.match({ onFailure: () => "failed", onSuccess: () => "ok" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category folding
 */
export const exit: <A, E>(self: SimpleFuture<A, E>) => SimpleFuture<Exit.Exit<A, E>> = sequential.exit

/**
 * Runs every future concurrently, within one task (like Rust's `join!` and `Effect.all`), and
 * succeeds with their values in the input's order: a tuple for a tuple, an array for an iterable,
 * a struct for a record. On the first failure (the first child to finish with a failure; ties go to
 * the earlier child) the children still running are dropped and `all` fails with that cause.
 * Dropping `all` drops every live child.
 *
 * Each child gets its own waker, so a poll of `all` polls only the children woken since the last
 * one (every child at the first poll).
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const pair = SimpleFuture.all([SimpleFuture.succeed(1), SimpleFuture.succeed("a")]) // [number, string]
 * const struct = SimpleFuture.all({ id: SimpleFuture.succeed(7), name: SimpleFuture.succeed("x") })
 * const many = SimpleFuture.all(new Set([SimpleFuture.succeed(1), SimpleFuture.succeed(2)])) // Array<number>
 * ```
 *
 * @since 0.1.0
 * @category concurrency
 */
export const all: <
  const Arg extends Iterable<SimpleFuture<any, any>> | Readonly<Record<string, SimpleFuture<any, any>>>
>(arg: Arg) => AllResult<Arg> = concurrent.all

/**
 * Runs both futures concurrently and succeeds with both values; see `all` for failure and drop.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const both = SimpleFuture.succeed(1).pipe(SimpleFuture.zip(SimpleFuture.succeed("a"))) // [number, string]
 * ```
 *
 * @since 0.1.0
 * @category concurrency
 */
export const zip: {
  <B, E2>(that: SimpleFuture<B, E2>): <A, E>(self: SimpleFuture<A, E>) => SimpleFuture<[A, B], E | E2>
  <A, E, B, E2>(self: SimpleFuture<A, E>, that: SimpleFuture<B, E2>): SimpleFuture<[A, B], E | E2>
} = concurrent.zip

/**
 * Runs both futures concurrently and combines their values with `f`; see `all` for failure and
 * drop.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const sum = SimpleFuture.zipWith(SimpleFuture.succeed(1), SimpleFuture.succeed(2), (a, b) => a + b)
 * ```
 *
 * @since 0.1.0
 * @category concurrency
 */
export const zipWith: {
  <B, E2, A, C>(
    that: SimpleFuture<B, E2>,
    f: (a: A, b: B) => C
  ): <E>(self: SimpleFuture<A, E>) => SimpleFuture<C, E | E2>
  <A, E, B, E2, C>(self: SimpleFuture<A, E>, that: SimpleFuture<B, E2>, f: (a: A, b: B) => C): SimpleFuture<C, E | E2>
} = concurrent.zipWith

/**
 * Runs both futures concurrently; the first to finish wins, whether it succeeded or failed (like
 * Rust's `select!`, `Promise.race` and `Effect.raceFirst` — not `Effect.race`, which waits for the
 * first success). The loser is dropped at once, so its cleanup has run when `race` is Ready. When
 * both finish in the same poll, `self` wins.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const fast = SimpleFuture.race(SimpleFuture.succeed("now"), SimpleFuture.never()) // "now"; never() is dropped
 * ```
 *
 * @since 0.1.0
 * @category concurrency
 */
export const race: {
  <B, E2>(that: SimpleFuture<B, E2>): <A, E>(self: SimpleFuture<A, E>) => SimpleFuture<A | B, E | E2>
  <A, E, B, E2>(self: SimpleFuture<A, E>, that: SimpleFuture<B, E2>): SimpleFuture<A | B, E | E2>
} = concurrent.race

/**
 * `race` over any number of futures: the first to finish (success or failure) wins, ties go to the
 * earlier future, and every other future is dropped before the result is Ready. An empty
 * collection dies with an `IllegalArgumentException`, as `Effect.raceAll` does.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const first = SimpleFuture.raceAll([SimpleFuture.never(), SimpleFuture.succeed(2), SimpleFuture.succeed(3)]) // 2
 * ```
 *
 * @since 0.1.0
 * @category concurrency
 */
export const raceAll: <F extends SimpleFuture<any, any>>(
  futures: Iterable<F>
) => SimpleFuture<SimpleFuture.Success<F>, SimpleFuture.Error<F>> = concurrent.raceAll

/**
 * `race` that says which side won: `Either.left(a)` when `self` finished first, `Either.right(b)`
 * when `that` did. The loser is dropped; a failure of the winner fails the `select`.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { SimpleFuture } from "effect-reactor"
 *
 * const which = SimpleFuture.select(SimpleFuture.never(), SimpleFuture.succeed("that")).pipe(
 *   SimpleFuture.map(Either.match({ onLeft: (a) => `self: ${a}`, onRight: (b) => `that: ${b}` }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category concurrency
 */
export const select: {
  <B, E2>(that: SimpleFuture<B, E2>): <A, E>(self: SimpleFuture<A, E>) => SimpleFuture<Either.Either<B, A>, E | E2>
  <A, E, B, E2>(self: SimpleFuture<A, E>, that: SimpleFuture<B, E2>): SimpleFuture<Either.Either<B, A>, E | E2>
} = concurrent.select

/**
 * A future that is Ready once `duration` has passed on the clock of the executor that polls it. The
 * deadline is set at the first poll (the future has no clock before), in the executor's timer
 * queue; later polls only refresh the waker. It never finishes early: the queue fires an entry only
 * once its deadline has passed. A zero or negative duration is Ready at the first poll; an infinite
 * one never finishes; `NaN` is a `RangeError`. Dropping it cancels the timer entry. Polling it
 * outside an executor is a defect.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const later = SimpleFuture.sleep("50 millis").pipe(SimpleFuture.map(() => "woke up"))
 * const alsoLater = SimpleFuture.sleep(50)
 * ```
 *
 * @since 0.1.0
 * @category time
 */
export const sleep: (duration: Duration.DurationInput) => SimpleFuture<void> = time.sleep

/**
 * Races `self` against a sleep of `duration`: if the sleep finishes first, `self` is dropped and
 * the future fails with a `Cause.TimeoutException` (as `Effect.timeout` does). When both finish in
 * the same poll, `self` wins; when `self` finishes first, the sleep's timer is cancelled.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const bounded = SimpleFuture.never().pipe(SimpleFuture.timeout("1 second"))
 * // SimpleFuture<never, Cause.TimeoutException>
 * ```
 *
 * @since 0.1.0
 * @category time
 */
export const timeout: {
  (duration: Duration.DurationInput): <A, E>(self: SimpleFuture<A, E>) => SimpleFuture<A, E | Cause.TimeoutException>
  <A, E>(self: SimpleFuture<A, E>, duration: Duration.DurationInput): SimpleFuture<A, E | Cause.TimeoutException>
} = time.timeout

/**
 * Runs `cleanup` if the future is dropped before it finishes (after dropping `self`), exactly once;
 * a future that finishes never runs it. `cleanup` must not throw.
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const watched = SimpleFuture.never().pipe(SimpleFuture.onDrop(() => console.log("cancelled")))
 * watched.drop() // logs "cancelled"
 * watched.drop() // a no-op
 * ```
 *
 * @since 0.1.0
 * @category resource management
 */
export const onDrop: {
  (cleanup: () => void): <A, E>(self: SimpleFuture<A, E>) => SimpleFuture<A, E>
  <A, E>(self: SimpleFuture<A, E>, cleanup: () => void): SimpleFuture<A, E>
} = cleanup.onDrop

/**
 * Runs `finalizer` exactly once when the future finishes (whatever its exit) or is dropped. A
 * finalizer that throws after the future finished makes it die (as in Effect).
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const logged = SimpleFuture.succeed(1).pipe(SimpleFuture.ensuring(() => console.log("done either way")))
 * ```
 *
 * @since 0.1.0
 * @category resource management
 */
export const ensuring: {
  (finalizer: () => void): <A, E>(self: SimpleFuture<A, E>) => SimpleFuture<A, E>
  <A, E>(self: SimpleFuture<A, E>, finalizer: () => void): SimpleFuture<A, E>
} = cleanup.ensuring

/**
 * Acquires a resource with `acquire`, uses it with `use`, and releases it with `release` exactly
 * once, after `use` finished (with its exit) or was dropped (with an interruption exit). If
 * `acquire` fails or is dropped, there is nothing to release. `release` is synchronous and must not
 * throw (cleanup never fails).
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const withBuffer = SimpleFuture.acquireUseRelease(
 *   SimpleFuture.sync(() => new Uint8Array(4096)),
 *   (buffer) => SimpleFuture.succeed(buffer.length),
 *   (buffer) => buffer.fill(0)
 * )
 * ```
 *
 * @since 0.1.0
 * @category resource management
 */
export const acquireUseRelease: {
  <R, A, E2>(
    use: (resource: R) => SimpleFuture<A, E2>,
    release: (resource: R, exit: Exit.Exit<A, E2>) => void
  ): <E>(acquire: SimpleFuture<R, E>) => SimpleFuture<A, E | E2>
  <R, E, A, E2>(
    acquire: SimpleFuture<R, E>,
    use: (resource: R) => SimpleFuture<A, E2>,
    release: (resource: R, exit: Exit.Exit<A, E2>) => void
  ): SimpleFuture<A, E | E2>
} = cleanup.acquireUseRelease

/**
 * Runs `future` as a task on the `Executor` service and succeeds or fails with its result.
 * Interrupting the Effect cancels the task: the future is dropped (its cleanup runs once and
 * removes its wakers), so no wake-up reaches it afterwards.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorRuntime, SimpleFuture } from "effect-reactor"
 *
 * const program = SimpleFuture.toEffect(SimpleFuture.sleep("10 millis").pipe(SimpleFuture.map(() => "slept")))
 * Effect.runPromise(Effect.provide(program, ReactorRuntime.layer)).then(console.log) // "slept"
 * ```
 *
 * @since 0.1.0
 * @category conversions
 */
export const toEffect: <A, E>(future: SimpleFuture<A, E>) => Effect.Effect<A, E, Executor.Executor> =
  executorService.run

/**
 * A future that forks `effect` at its first poll, on the polling executor's Effect scheduler (so
 * the fiber runs in the executor's turns, in either run mode), and is Ready with its `Exit`.
 * Dropping the future interrupts the fiber.
 *
 * @example
 * ```ts
 * import { Effect, Exit } from "effect"
 * import { Executor, SimpleFuture } from "effect-reactor"
 *
 * const executor = Executor.unsafeMake()
 * const exit = executor.blockOn(SimpleFuture.fromEffect(Effect.as(Effect.yieldNow(), 2)))
 * console.log(Exit.isSuccess(exit) && exit.value) // 2
 * executor.close()
 * ```
 *
 * @since 0.1.0
 * @category conversions
 */
export const fromEffect: <A, E>(effect: Effect.Effect<A, E>) => SimpleFuture<A, E> = bridge.fromEffect
