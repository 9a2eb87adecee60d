/**
 * The IO types' per-call Effects (a socket's read, a `writeAll`, any `Source.io`), which run their step where an
 * `Effect.gen` body yields them.
 *
 * `yield* effect` asks the Effect for an iterator, and Effect's own (`SingleShotGen`) hands the Effect to the fiber's
 * run loop, which then evaluates it as an op: the commit, then a pop back into the generator. These Effects' iterator
 * runs the commit itself, at that same point in the same fiber, and hands the run loop its result; when the step is
 * done without waiting (the data was there, the bytes fit), that result is an `Exit`, which the run loop feeds straight
 * back to the generator. A read and a write that did not wait so cost the fiber no op of the run loop: no push of the
 * generator's frame, no commit op, no pop. Run any other way (`Effect.flatMap`, `Stream`, `Effect.runFork`) they are
 * ordinary `Effectable` Effects that evaluate `commit` as an op.
 *
 * What the run loop does between ops, it must still do for these. It checks for interruption and counts ops to yield
 * the thread to other fibers (every 2048 ops); a gen loop whose reads and writes never wait (a UDP sender, an eventfd)
 * would otherwise hold the thread forever. So a thread counts the inline completions since the last step that had to
 * wait, and every `INLINE_STREAK`-th one yields the fiber (`Effect.yieldNow`) before it runs, as an op: about as often
 * as the run loop's own count would have for the ops it skipped, and only for a fiber that never waits (a server fiber
 * waits for each request, which ends the count).
 *
 * A `commit` that throws is a defect of the fiber (`Effect.die`), as the run loop makes it; thrown inside the
 * generator instead, it would reach the body's own `try`/`catch`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Effectable from "effect/Effectable"
import * as Exit from "effect/Exit"
import { YieldWrap } from "effect/Utils"

/** Inline completions in a row, on this thread, before the fiber running them yields. @internal */
export const INLINE_STREAK = 512

// This thread's yields of these Effects since the last one that did not complete at once (a wait) or yielded the fiber.
let streak = 0

/** An Effect whose `commit` runs where an `Effect.gen` body yields it (see the module's text). @internal */
export abstract class InlineEffect<A, E> extends Effectable.Class<A, E> {
  override [Symbol.iterator](): Effect.EffectGenerator<Effect.Effect<A, E>> {
    return new InlineIterator(this)
  }

  /** The Effect a `yield*` of this one hands the run loop: `commit`'s result, and the yield when the run is long. */
  inline(): Effect.Effect<A, E> {
    if (++streak >= INLINE_STREAK) {
      // Yield first, then run as an op: an interruption during the yield comes before the IO, so no bytes move that
      // the body never learns of.
      streak = 0
      return Effect.zipRight(Effect.yieldNow(), this)
    }
    let result: Effect.Effect<A, E>
    try {
      result = this.commit()
    } catch (defect) {
      streak = 0
      return Effect.die(defect)
    }
    // Not done (a wait, a retry loop): the run loop evaluates it, its ops count, and a wait ends the run.
    if (!Exit.isExit(result)) streak = 0
    return result
  }
}

/**
 * `yield*`'s iterator over an `InlineEffect`: the first `next` runs it and yields its result to the run loop, the
 * second returns what the run loop sent back. One per `yield*`, since a shared Effect can be yielded by two fibers at
 * once.
 */
class InlineIterator<A, E> {
  private yielded = false

  constructor(readonly effect: InlineEffect<A, E>) {}

  next(value: A): IteratorResult<YieldWrap<Effect.Effect<A, E>>, A> {
    if (this.yielded) return { value, done: true }
    this.yielded = true
    return { value: new YieldWrap(this.effect.inline()), done: false }
  }

  return(value: A): IteratorResult<YieldWrap<Effect.Effect<A, E>>, A> {
    return { value, done: true }
  }

  throw(error: unknown): never {
    throw error
  }

  [Symbol.iterator](): this {
    return this
  }
}
