/**
 * What a future can reach while it is being polled: the timer queue and the IO driver (the
 * reactor) of the executor that polls it. The executor enters its context around every poll, as
 * tokio enters its runtime handle; a future polled by hand (outside any executor) that needs a
 * timer or IO fails with a defect that says so.
 *
 * @internal
 */
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Scheduler from "effect/Scheduler"
import type { TimerQueue } from "./timerQueue.js"

/** The reactor as the executor drives it. @internal */
export interface IoDriver {
  /** One wait on the poller (-1: until something happens; 0: do not block), then dispatch. Returns the wakers woken. */
  turn(timeoutMs: number): number
  /** Node-loop integration: `onEvents` runs on Node's loop whenever the poller has events. */
  watch(onEvents: () => void): void
  unwatch(): void
  /** Wakes a `turn` blocked in another thread's view (a Worker) or from a signal handler. */
  notify(): void
  /** Whether anything is registered (a registered source keeps the process alive). */
  readonly registrations: number
  /** Whether something turns it: Node's loop watching the poller (integrated), or a `blockOn` loop (dedicated). */
  readonly isDriven: boolean
  /** A `blockOn` loop starts (or ends) turning it; loops nest. */
  enterLoop(): void
  leaveLoop(): void
  close(): void
}

/** @internal */
export interface RuntimeContext {
  readonly timer: TimerQueue
  readonly io: IoDriver | undefined
  /** The executor-backed Effect scheduler: fibers forked by futures run on it. */
  readonly scheduler: Scheduler.Scheduler
}

let current: RuntimeContext | undefined

/** Makes `context` current; returns the previous one for `leave`. @internal */
export const enter = (context: RuntimeContext): RuntimeContext | undefined => {
  const previous = current
  current = context
  return previous
}

/** @internal */
export const leave = (previous: RuntimeContext | undefined): void => {
  current = previous
}

/** The context of the executor polling right now, if any. @internal */
export const peek = (): RuntimeContext | undefined => current

/** The context of the executor polling right now, or a defect naming `what` needed it. @internal */
export const currentContext = (what: string): RuntimeContext => {
  if (current === undefined) {
    throw new Error(`${what} was polled outside an executor: run it with Executor.spawn or Executor.blockOn`)
  }
  return current
}

/** The IO driver of the current executor, or a defect. @internal */
export const currentIo = (what: string): IoDriver => {
  const io = currentContext(what).io
  if (io === undefined) throw new Error(`${what} needs a reactor, and this executor was built without one`)
  return io
}

/**
 * What a program is told when `what` runs without the runtime's layer: the Effect face's counterpart of the
 * messages above. @internal
 */
export const missingRuntime = (what: string, needs: string): string =>
  `${what} needs ${needs}, and none is provided: add Effect.provide(ReactorRuntime.layer) (driven by Node's event ` +
  `loop), or run the program with ReactorRuntime.runBlockingExit (this thread becomes the loop)`

/**
 * The service of `tag`, or a defect that names the layer to provide, instead of Effect's "Service not found" (a
 * program gets past the types when it is plain JavaScript or casts). @internal
 */
export const serviceFor = <I, S>(tag: Context.Tag<I, S>, what: string, needs: string): Effect.Effect<S, never, I> =>
  Effect.flatMap(
    Effect.serviceOption(tag),
    (service) =>
      service._tag === "Some" ? Effect.succeed(service.value) : Effect.dieMessage(missingRuntime(what, needs))
  )

/**
 * What an Effect that would wait on a reactor nothing turns is told (it would never wake: with nothing else keeping
 * Node's loop alive, the program would end at that wait with exit code 0 and no word). @internal
 */
export const undrivenMessage = (what: string): string =>
  `${what} would wait on a reactor that nothing drives, and never wake: the IO types run on ReactorRuntime.layer ` +
  `(or ReactorRuntime.runBlockingExit); a reactor made by hand needs an executor turning it ` +
  `(Executor.unsafeMake({ reactor }) and then attach() or blockOn)`
