/**
 * Bridges between `SimpleFuture` and `Effect`.
 *
 * - `toEffect`: spawns the future on the `Executor` service and waits for it; interrupting the
 *   Effect cancels the task, which drops the future (its cleanup removes its wakers), so no wake
 *   reaches it afterwards.
 * - `fromEffect`: a future that forks the Effect at its first poll, on the executor's Effect
 *   scheduler (so it runs in both run modes), and is Ready with its Exit; dropping it interrupts
 *   the fiber.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type { Poll } from "../Poll.js"
import type * as SimpleFuture from "../SimpleFuture.js"
import type { Waker } from "../Waker.js"
import * as context from "./context.js"
import type { Executor } from "./executor.js"
import { FutureBase } from "./future.js"
import * as poll from "./poll.js"
import * as waker from "./waker.js"

/** @internal */
export const run = <A, E>(executor: Executor, future: SimpleFuture.SimpleFuture<A, E>): Effect.Effect<A, E> =>
  Effect.async<A, E>((resume) => {
    const handle = executor.spawn(future)
    const onDone = waker.make(() => {
      const result = handle.poll(onDone)
      if (result._tag === "Ready") resume(result.value)
    })
    const first = handle.poll(onDone)
    if (first._tag === "Ready") {
      resume(first.value)
      return
    }
    return Effect.sync(() => {
      handle.drop()
      handle.cancel()
    })
  })

class EffectFuture<A, E> extends FutureBase<A, E> {
  private fiber: Fiber.RuntimeFiber<A, E> | undefined = undefined
  private exit: Exit.Exit<A, E> | undefined = undefined
  private waker: Waker | undefined = undefined

  constructor(readonly effect: Effect.Effect<A, E>) {
    super()
  }

  poll(w: Waker): Poll<Exit.Exit<A, E>> {
    if (this.finished) throw new Error("SimpleFuture.fromEffect: polled after it finished or was dropped")
    this.waker = w
    if (this.fiber === undefined) {
      const scheduler = context.currentContext("SimpleFuture.fromEffect").scheduler
      this.fiber = Effect.runFork(this.effect, { scheduler })
      this.fiber.addObserver((exit) => {
        this.exit = exit
        this.waker?.wake()
      })
    }
    if (this.exit === undefined) return poll.pending
    this.finished = true
    this.waker = undefined
    return poll.ready(this.exit)
  }

  protected override onDrop(): void {
    this.waker = undefined
    const fiber = this.fiber
    if (fiber !== undefined && this.exit === undefined) fiber.unsafeInterruptAsFork(fiber.id())
  }
}

/** @internal */
export const fromEffect = <A, E>(effect: Effect.Effect<A, E>): SimpleFuture.SimpleFuture<A, E> =>
  new EffectFuture(effect)
