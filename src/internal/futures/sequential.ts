/**
 * Sequential combinators: `map`, `mapError`, `exit`, `flatMap`.
 *
 * `flatMap` is stack safe for loops written as recursion: a `FlatMap` keeps a stack of
 * continuations and absorbs a `FlatMap` it finds as its current stage (its stage becomes ours,
 * its continuations go on top of ours), so `loop = () => flatMap(step, loop)` polls at constant
 * depth, and left-nested chains flatten on their first poll. After `YIELD_AFTER` stages finished
 * within one poll it wakes its waker and returns Pending, so an always-ready loop cannot starve
 * the executor's other tasks (Effect yields after 2048 operations, tokio has its coop budget).
 *
 * @internal
 */
import * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import type { Poll } from "../../Poll.js"
import type * as SimpleFuture from "../../SimpleFuture.js"
import type { Waker } from "../../Waker.js"
import { CheckedFuture } from "../future.js"
import * as poll from "../poll.js"

class Map<A, E, B> extends CheckedFuture<B, E> {
  constructor(readonly self: SimpleFuture.SimpleFuture<A, E>, readonly f: (a: A) => B) {
    super()
  }
  protected pollInner(waker: Waker): Poll<Exit.Exit<B, E>> {
    const result = this.self.poll(waker)
    if (result._tag === "Pending") return poll.pending
    const exit = result.value
    return exit._tag === "Success" ? poll.ready(Exit.succeed(this.f(exit.value))) : result as Poll<Exit.Exit<never, E>>
  }
  protected override onDrop(): void {
    this.self.drop()
  }
}

/** @internal */
export const map: {
  <A, B>(f: (a: A) => B): <E>(self: SimpleFuture.SimpleFuture<A, E>) => SimpleFuture.SimpleFuture<B, E>
  <A, E, B>(self: SimpleFuture.SimpleFuture<A, E>, f: (a: A) => B): SimpleFuture.SimpleFuture<B, E>
} = dual(
  2,
  <A, E, B>(self: SimpleFuture.SimpleFuture<A, E>, f: (a: A) => B): SimpleFuture.SimpleFuture<B, E> => new Map(self, f)
)

class MapError<A, E, E2> extends CheckedFuture<A, E2> {
  constructor(readonly self: SimpleFuture.SimpleFuture<A, E>, readonly f: (e: E) => E2) {
    super()
  }
  protected pollInner(waker: Waker): Poll<Exit.Exit<A, E2>> {
    const result = this.self.poll(waker)
    if (result._tag === "Pending") return poll.pending
    const exit = result.value
    return exit._tag === "Success" ? result as Poll<Exit.Exit<A, never>> : poll.ready(Exit.mapError(exit, this.f))
  }
  protected override onDrop(): void {
    this.self.drop()
  }
}

/** @internal */
export const mapError: {
  <E, E2>(f: (e: E) => E2): <A>(self: SimpleFuture.SimpleFuture<A, E>) => SimpleFuture.SimpleFuture<A, E2>
  <A, E, E2>(self: SimpleFuture.SimpleFuture<A, E>, f: (e: E) => E2): SimpleFuture.SimpleFuture<A, E2>
} = dual(
  2,
  <A, E, E2>(self: SimpleFuture.SimpleFuture<A, E>, f: (e: E) => E2): SimpleFuture.SimpleFuture<A, E2> =>
    new MapError(self, f)
)

class ExitOf<A, E> extends CheckedFuture<Exit.Exit<A, E>, never> {
  constructor(readonly self: SimpleFuture.SimpleFuture<A, E>) {
    super()
  }
  protected pollInner(waker: Waker): Poll<Exit.Exit<Exit.Exit<A, E>, never>> {
    const result = this.self.poll(waker)
    return result._tag === "Pending" ? poll.pending : poll.ready(Exit.succeed(result.value))
  }
  protected override onDrop(): void {
    this.self.drop()
  }
}

/** @internal */
export const exit = <A, E>(self: SimpleFuture.SimpleFuture<A, E>): SimpleFuture.SimpleFuture<Exit.Exit<A, E>> =>
  new ExitOf(self)

/** Stages finished within one poll before a `FlatMap` yields. @internal */
export const YIELD_AFTER = 2048

type Continuation = (a: unknown) => SimpleFuture.SimpleFuture<unknown, unknown>

class FlatMap<A, E> extends CheckedFuture<A, E> {
  private current: SimpleFuture.SimpleFuture<unknown, unknown>
  /** Continuations still to run; the last one runs next. */
  private readonly stack: Array<Continuation>

  constructor(self: SimpleFuture.SimpleFuture<unknown, unknown>, f: Continuation) {
    super()
    this.current = self
    this.stack = [f]
  }

  protected pollInner(waker: Waker): Poll<Exit.Exit<A, E>> {
    for (let stages = 0; stages < YIELD_AFTER; stages++) {
      this.absorb()
      const result = this.current.poll(waker)
      if (result._tag === "Pending") return poll.pending
      const exit = result.value
      // A failure short-circuits the continuations left; the last stage's exit is ours.
      if (exit._tag === "Failure" || this.stack.length === 0) return result as Poll<Exit.Exit<A, E>>
      const f = this.stack.pop()!
      this.current = f(exit.value)
    }
    waker.wake()
    return poll.pending
  }

  /** Takes over a live `FlatMap` in the current stage, which is ours alone: its drop becomes a no-op. */
  private absorb(): void {
    let current = this.current
    while (current instanceof FlatMap && !current.finished) {
      current.finished = true
      for (const f of current.stack) this.stack.push(f)
      current = current.current
    }
    this.current = current
  }

  protected override onDrop(): void {
    this.current.drop()
  }
}

/** @internal */
export const flatMap: {
  <A, B, E2>(
    f: (a: A) => SimpleFuture.SimpleFuture<B, E2>
  ): <E>(self: SimpleFuture.SimpleFuture<A, E>) => SimpleFuture.SimpleFuture<B, E | E2>
  <A, E, B, E2>(
    self: SimpleFuture.SimpleFuture<A, E>,
    f: (a: A) => SimpleFuture.SimpleFuture<B, E2>
  ): SimpleFuture.SimpleFuture<B, E | E2>
} = dual(2, <A, E, B, E2>(
  self: SimpleFuture.SimpleFuture<A, E>,
  f: (a: A) => SimpleFuture.SimpleFuture<B, E2>
): SimpleFuture.SimpleFuture<B, E | E2> => new FlatMap<B, E | E2>(self, f as Continuation))
