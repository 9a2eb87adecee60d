/**
 * Effect on our loop: a `Scheduler` whose tasks run in the executor's turns (so fibers run in
 * dedicated mode too, where Node's loop is not turning) and a `Clock` whose `sleep` is an entry
 * in the executor's timer queue.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scheduler from "effect/Scheduler"
import type { Executor } from "./executor.js"
import * as waker from "./waker.js"

/** The executor's Effect scheduler: its tasks run in the executor's turns. @internal */
export const schedulerFor = (executor: Executor): Scheduler.Scheduler => executor.context.scheduler

const nanosNow = (): bigint => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6))

/** A Clock whose sleeps are timer-queue entries: they fire in the executor's turns. @internal */
export const clockFor = (executor: Executor): Clock.Clock => {
  const sleep = (duration: Duration.Duration): Effect.Effect<void> =>
    Effect.async<void>((resume) => {
      const millis = Duration.toMillis(duration)
      const entry = executor.timer.insert(
        executor.timer.now() + millis,
        waker.make(() => resume(Effect.void))
      )
      return Effect.sync(() => entry.cancel())
    })
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => Date.now(),
    currentTimeMillis: Effect.sync(() => Date.now()),
    unsafeCurrentTimeNanos: nanosNow,
    currentTimeNanos: Effect.sync(nanosNow),
    sleep
  }
}
