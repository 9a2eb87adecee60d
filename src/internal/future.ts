/**
 * The base of every `SimpleFuture`: the type id, `pipe`, and the drop protocol.
 *
 * A future's life: polled (Pending) ... --poll Ready--> done
 *                  any state before done --drop--> dropped (cleanup ran, exactly once)
 * `drop` after done or after drop is a no-op; polling a dropped future is a defect.
 *
 * `FutureBase` only guards `drop`; `CheckedFuture` (the base of the futures in `./futures/`) also
 * enforces the poll side of the protocol and turns a thrown defect into a `die` exit, releasing
 * what the future holds so a broken future never leaks its children.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import { type Pipeable, pipeArguments } from "effect/Pipeable"
import type { Poll } from "../Poll.js"
import type * as SimpleFuture from "../SimpleFuture.js"
import type { Waker } from "../Waker.js"
import * as poll from "./poll.js"

/** @internal */
export const TypeId: SimpleFuture.TypeId = Symbol.for("effect-reactor/SimpleFuture") as SimpleFuture.TypeId

/** @internal */
export abstract class FutureBase<A, E> implements SimpleFuture.SimpleFuture<A, E> {
  readonly [TypeId]: SimpleFuture.TypeId = TypeId
  /** Set once the future is done or dropped: later drops do nothing. */
  protected finished = false

  abstract poll(waker: Waker): Poll<Exit.Exit<A, E>>

  /** Releases what the future holds; subclasses override `onDrop`. Runs `onDrop` at most once. */
  drop(): void {
    if (this.finished) return
    this.finished = true
    this.onDrop()
  }

  protected onDrop(): void {}

  // Typed as Pipeable's overloads (a class method `pipe()` would type every subclass's `pipe` as `() => unknown`).
  declare pipe: Pipeable["pipe"]
}

FutureBase.prototype.pipe = function(this: unknown) {
  // eslint-disable-next-line prefer-rest-params -- Pipeable's pipe reads its arguments as Effect's own types do
  return pipeArguments(this, arguments)
} as Pipeable["pipe"]

/** @internal */
export const isSimpleFuture = (u: unknown): u is SimpleFuture.SimpleFuture<unknown, unknown> =>
  typeof u === "object" && u !== null && TypeId in u

/**
 * A future that checks the protocol around `pollInner`:
 * - polling after Ready or after drop throws (a defect in the caller, like Rust's "`async fn`
 *   resumed after completion");
 * - a Ready result marks it done, so a later `drop` is a no-op;
 * - a throw from `pollInner` (a user function, a broken child) becomes `Ready(die)`, and what the
 *   future holds is released first, as a drop would (Effect turns a throwing `sync` into a defect
 *   the same way).
 *
 * @internal
 */
export abstract class CheckedFuture<A, E> extends FutureBase<A, E> {
  private dropped = false

  protected abstract pollInner(waker: Waker): Poll<Exit.Exit<A, E>>

  poll(waker: Waker): Poll<Exit.Exit<A, E>> {
    if (this.finished) {
      throw new Error(`SimpleFuture: polled after it ${this.dropped ? "was dropped" : "completed"}`)
    }
    let result: Poll<Exit.Exit<A, E>>
    try {
      result = this.pollInner(waker)
    } catch (defect) {
      return this.abort(defect)
    }
    if (result._tag === "Ready") this.finished = true
    return result
  }

  override drop(): void {
    if (this.finished) return
    this.dropped = true
    super.drop()
  }

  private abort(defect: unknown): Poll<Exit.Exit<A, E>> {
    let cause: Cause.Cause<never> = Cause.die(defect)
    if (!this.finished) {
      this.finished = true
      try {
        this.onDrop()
      } catch (cleanupDefect) {
        cause = Cause.sequential(cause, Cause.die(cleanupDefect))
      }
    }
    return poll.ready(Exit.failCause(cause))
  }
}

/**
 * Drops every future given, in order, even when one of the drops throws; rethrows the first
 * throw afterwards (cleanup must not fail, but one that does cannot skip its siblings).
 *
 * @internal
 */
export const dropAll = (futures: Iterable<SimpleFuture.SimpleFuture<unknown, unknown> | undefined>): void => {
  let failure: { readonly defect: unknown } | undefined
  for (const future of futures) {
    if (future === undefined) continue
    try {
      future.drop()
    } catch (defect) {
      failure ??= { defect }
    }
  }
  if (failure !== undefined) throw failure.defect
}
