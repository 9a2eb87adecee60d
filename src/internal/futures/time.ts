/**
 * Time: `sleep` and `timeout`, on the timer queue of the executor that polls them.
 *
 * A sleep's life: new --first poll, due > 0--> armed (an entry in the timer queue holds the waker)
 *                 new --first poll, due <= 0--> done
 *                 armed --entry fired, poll--> done
 *                 new | armed --drop--> dropped (the entry is cancelled; its waker is never woken)
 * The deadline is taken at the first poll, on the executor's clock (a future has no clock before
 * it is polled). Only the queue decides when the sleep is over, and it fires entries whose
 * deadline has passed, so a sleep never ends early.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import type { Poll } from "../../Poll.js"
import type * as SimpleFuture from "../../SimpleFuture.js"
import type { Waker } from "../../Waker.js"
import * as context from "../context.js"
import { argumentError } from "../errno.js"
import { CheckedFuture } from "../future.js"
import * as poll from "../poll.js"
import { show } from "../show.js"
import type { TimerEntry } from "../timerQueue.js"
import { race } from "./concurrent.js"
import { fail } from "./constructors.js"
import { flatMap } from "./sequential.js"

/** Milliseconds of a duration; NaN is a `RangeError` (never a silent zero), negatives are zero. @internal */
export const toMillis = (duration: Duration.DurationInput, name: string): number => {
  if (typeof duration === "number" && Number.isNaN(duration)) {
    throw argumentError("range", `The "${name}" argument must not be NaN`)
  }
  let decoded: Duration.Duration
  try {
    decoded = Duration.decode(duration)
  } catch {
    throw argumentError("type", `The "${name}" argument must be a Duration or a DurationInput, got ${show(duration)}`)
  }
  return Duration.toMillis(decoded)
}

class Sleep extends CheckedFuture<void, never> {
  private entry: TimerEntry | undefined = undefined

  constructor(readonly millis: number) {
    super()
  }

  protected pollInner(waker: Waker): Poll<Exit.Exit<void, never>> {
    const entry = this.entry
    if (entry === undefined) {
      if (this.millis <= 0) return poll.ready(Exit.void)
      // An infinite sleep arms nothing: it is `never`, and a timer queue cannot order it.
      if (this.millis === Infinity) return poll.pending
      const timer = context.currentContext("SimpleFuture.sleep").timer
      this.entry = timer.insert(timer.now() + this.millis, waker)
      return poll.pending
    }
    if (entry.fired) {
      this.entry = undefined
      return poll.ready(Exit.void)
    }
    // Keep only the latest waker, and keep the stored one when it wakes the same task.
    if (!entry.waker.willWake(waker)) entry.waker = waker
    return poll.pending
  }

  protected override onDrop(): void {
    this.entry?.cancel()
    this.entry = undefined
  }
}

/** @internal */
export const sleep = (duration: Duration.DurationInput): SimpleFuture.SimpleFuture<void> =>
  new Sleep(toMillis(duration, "duration"))

/** @internal */
export const timeout: {
  (
    duration: Duration.DurationInput
  ): <A, E>(self: SimpleFuture.SimpleFuture<A, E>) => SimpleFuture.SimpleFuture<A, E | Cause.TimeoutException>
  <A, E>(
    self: SimpleFuture.SimpleFuture<A, E>,
    duration: Duration.DurationInput
  ): SimpleFuture.SimpleFuture<A, E | Cause.TimeoutException>
} = dual(2, <A, E>(
  self: SimpleFuture.SimpleFuture<A, E>,
  duration: Duration.DurationInput
): SimpleFuture.SimpleFuture<A, E | Cause.TimeoutException> => {
  const millis = toMillis(duration, "duration")
  // `self` is polled first, so when both are ready in the same poll the value wins over the timeout.
  return race(
    self,
    flatMap(
      new Sleep(millis),
      () => fail(new Cause.TimeoutException(`Operation timed out after '${Duration.format(Duration.millis(millis))}'`))
    )
  )
})
