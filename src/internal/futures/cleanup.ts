/**
 * Attaching cleanup: `onDrop` (runs when the future is dropped before it finishes), `ensuring`
 * (runs when it finishes or is dropped) and `acquireUseRelease` (a resource released after its use
 * finishes or is dropped). Each runs its cleanup exactly once, after the inner future was dropped
 * (inner resources go first, as scopes unwind).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import { dual } from "effect/Function"
import type { Poll } from "../../Poll.js"
import type * as SimpleFuture from "../../SimpleFuture.js"
import type { Waker } from "../../Waker.js"
import { CheckedFuture } from "../future.js"
import * as poll from "../poll.js"

/** The exit a release sees when its use was dropped: an interruption, as the executor reports a cancelled task. */
const droppedExit: Exit.Exit<never, never> = Exit.interrupt(FiberId.none)

class OnDrop<A, E> extends CheckedFuture<A, E> {
  constructor(readonly self: SimpleFuture.SimpleFuture<A, E>, readonly cleanup: () => void) {
    super()
  }
  protected pollInner(waker: Waker): Poll<Exit.Exit<A, E>> {
    return this.self.poll(waker)
  }
  protected override onDrop(): void {
    try {
      this.self.drop()
    } finally {
      this.cleanup()
    }
  }
}

/** @internal */
export const onDrop: {
  (cleanup: () => void): <A, E>(self: SimpleFuture.SimpleFuture<A, E>) => SimpleFuture.SimpleFuture<A, E>
  <A, E>(self: SimpleFuture.SimpleFuture<A, E>, cleanup: () => void): SimpleFuture.SimpleFuture<A, E>
} = dual(
  2,
  <A, E>(self: SimpleFuture.SimpleFuture<A, E>, cleanup: () => void): SimpleFuture.SimpleFuture<A, E> =>
    new OnDrop(self, cleanup)
)

/** Runs a finalizer after `exit`; a throwing finalizer turns the exit into a defect (as in Effect). */
const finalize = <A, E>(exit: Exit.Exit<A, E>, finalizer: () => void): Exit.Exit<A, E> => {
  try {
    finalizer()
    return exit
  } catch (defect) {
    return Exit.failCause(Cause.sequential(exit._tag === "Failure" ? exit.cause : Cause.empty, Cause.die(defect)))
  }
}

class Ensuring<A, E> extends CheckedFuture<A, E> {
  constructor(readonly self: SimpleFuture.SimpleFuture<A, E>, readonly finalizer: () => void) {
    super()
  }
  protected pollInner(waker: Waker): Poll<Exit.Exit<A, E>> {
    const result = this.self.poll(waker)
    if (result._tag === "Pending") return poll.pending
    return poll.ready(finalize(result.value, this.finalizer))
  }
  protected override onDrop(): void {
    try {
      this.self.drop()
    } finally {
      this.finalizer()
    }
  }
}

/** @internal */
export const ensuring: {
  (finalizer: () => void): <A, E>(self: SimpleFuture.SimpleFuture<A, E>) => SimpleFuture.SimpleFuture<A, E>
  <A, E>(self: SimpleFuture.SimpleFuture<A, E>, finalizer: () => void): SimpleFuture.SimpleFuture<A, E>
} = dual(
  2,
  <A, E>(self: SimpleFuture.SimpleFuture<A, E>, finalizer: () => void): SimpleFuture.SimpleFuture<A, E> =>
    new Ensuring(self, finalizer)
)

/**
 * acquiring --acquire succeeds--> using (resource held) --use finishes--> release(resource, exit), done
 * acquiring --acquire fails--> done (nothing to release)
 * acquiring --drop--> acquire dropped;   using --drop--> use dropped, then release(resource, interrupt)
 */
class AcquireUseRelease<R, E, A, E2> extends CheckedFuture<A, E | E2> {
  private acquiring: SimpleFuture.SimpleFuture<R, E> | undefined
  private using: SimpleFuture.SimpleFuture<A, E2> | undefined = undefined
  private resource: R | undefined = undefined

  constructor(
    acquire: SimpleFuture.SimpleFuture<R, E>,
    readonly use: (resource: R) => SimpleFuture.SimpleFuture<A, E2>,
    readonly release: (resource: R, exit: Exit.Exit<A, E2>) => void
  ) {
    super()
    this.acquiring = acquire
  }

  protected pollInner(waker: Waker): Poll<Exit.Exit<A, E | E2>> {
    if (this.acquiring !== undefined) {
      const acquired = this.acquiring.poll(waker)
      if (acquired._tag === "Pending") return poll.pending
      this.acquiring = undefined
      const exit = acquired.value
      if (exit._tag === "Failure") return acquired as Poll<Exit.Exit<never, E>>
      const resource = exit.value
      this.resource = resource
      try {
        this.using = this.use(resource)
      } catch (defect) {
        return this.releaseWith(Exit.die(defect))
      }
    }
    const result = this.using!.poll(waker)
    if (result._tag === "Pending") return poll.pending
    return this.releaseWith(result.value)
  }

  private releaseWith(exit: Exit.Exit<A, E2>): Poll<Exit.Exit<A, E2>> {
    const resource = this.resource as R
    this.using = undefined
    this.resource = undefined
    return poll.ready(finalize(exit, () => this.release(resource, exit)))
  }

  protected override onDrop(): void {
    const acquiring = this.acquiring
    const using = this.using
    const resource = this.resource as R
    this.acquiring = undefined
    this.using = undefined
    this.resource = undefined
    if (acquiring !== undefined) {
      acquiring.drop()
      return
    }
    if (using === undefined) return
    try {
      using.drop()
    } finally {
      this.release(resource, droppedExit)
    }
  }
}

/** @internal */
export const acquireUseRelease: {
  <R, A, E2>(
    use: (resource: R) => SimpleFuture.SimpleFuture<A, E2>,
    release: (resource: R, exit: Exit.Exit<A, E2>) => void
  ): <E>(acquire: SimpleFuture.SimpleFuture<R, E>) => SimpleFuture.SimpleFuture<A, E | E2>
  <R, E, A, E2>(
    acquire: SimpleFuture.SimpleFuture<R, E>,
    use: (resource: R) => SimpleFuture.SimpleFuture<A, E2>,
    release: (resource: R, exit: Exit.Exit<A, E2>) => void
  ): SimpleFuture.SimpleFuture<A, E | E2>
} = dual(3, <R, E, A, E2>(
  acquire: SimpleFuture.SimpleFuture<R, E>,
  use: (resource: R) => SimpleFuture.SimpleFuture<A, E2>,
  release: (resource: R, exit: Exit.Exit<A, E2>) => void
): SimpleFuture.SimpleFuture<A, E | E2> => new AcquireUseRelease(acquire, use, release))
