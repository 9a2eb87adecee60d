/**
 * Leaf futures: already finished (`succeed`, `fail`, `failCause`, `die`, `void`), computed at the
 * first poll (`sync`, `suspend`), driven by a poll function (`fromPoll`), or never finishing.
 *
 * Each call builds a fresh future: a `SimpleFuture` is used once (polling it after Ready is a
 * defect), so there are no shared constant futures.
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import type { Poll } from "../../Poll.js"
import type * as SimpleFuture from "../../SimpleFuture.js"
import type { Waker } from "../../Waker.js"
import { CheckedFuture } from "../future.js"
import * as poll from "../poll.js"

class Done<A, E> extends CheckedFuture<A, E> {
  constructor(readonly exit: Exit.Exit<A, E>) {
    super()
  }
  protected pollInner(): Poll<Exit.Exit<A, E>> {
    return poll.ready(this.exit)
  }
}

/** @internal */
export const fromExit = <A, E>(exit: Exit.Exit<A, E>): SimpleFuture.SimpleFuture<A, E> => new Done(exit)

/** @internal */
export const succeed = <A>(value: A): SimpleFuture.SimpleFuture<A> => new Done(Exit.succeed(value))

/** @internal */
export const fail = <E>(error: E): SimpleFuture.SimpleFuture<never, E> => new Done(Exit.fail(error))

/** @internal */
export const failCause = <E>(cause: Cause.Cause<E>): SimpleFuture.SimpleFuture<never, E> =>
  new Done(Exit.failCause(cause))

/** @internal */
export const die = (defect: unknown): SimpleFuture.SimpleFuture<never> => new Done(Exit.die(defect))

/** @internal */
export const void_ = (): SimpleFuture.SimpleFuture<void> => new Done(Exit.void)

class Sync<A> extends CheckedFuture<A, never> {
  constructor(readonly evaluate: () => A) {
    super()
  }
  protected pollInner(): Poll<Exit.Exit<A, never>> {
    return poll.ready(Exit.succeed(this.evaluate()))
  }
}

/** @internal */
export const sync = <A>(evaluate: () => A): SimpleFuture.SimpleFuture<A> => new Sync(evaluate)

class Suspend<A, E> extends CheckedFuture<A, E> {
  private inner: SimpleFuture.SimpleFuture<A, E> | undefined = undefined
  constructor(readonly build: () => SimpleFuture.SimpleFuture<A, E>) {
    super()
  }
  protected pollInner(waker: Waker): Poll<Exit.Exit<A, E>> {
    if (this.inner === undefined) this.inner = this.build()
    return this.inner.poll(waker)
  }
  protected override onDrop(): void {
    this.inner?.drop()
  }
}

/** @internal */
export const suspend = <A, E>(build: () => SimpleFuture.SimpleFuture<A, E>): SimpleFuture.SimpleFuture<A, E> =>
  new Suspend(build)

class FromPoll<A> extends CheckedFuture<A, never> {
  constructor(readonly f: (waker: Waker) => Poll<A>) {
    super()
  }
  protected pollInner(waker: Waker): Poll<Exit.Exit<A, never>> {
    const result = this.f(waker)
    return result._tag === "Ready" ? poll.ready(Exit.succeed(result.value)) : poll.pending
  }
}

/** @internal */
export const fromPoll = <A>(f: (waker: Waker) => Poll<A>): SimpleFuture.SimpleFuture<A> => new FromPoll(f)

class Never extends CheckedFuture<never, never> {
  // Keeps no waker: nothing will ever use it.
  protected pollInner(): Poll<Exit.Exit<never, never>> {
    return poll.pending
  }
}

/** @internal */
export const never = (): SimpleFuture.SimpleFuture<never> => new Never()
