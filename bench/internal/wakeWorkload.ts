/**
 * The workload of `bench/wake.ts`: what one wake-up costs on our executor, with no IO at all. `--tasks` waiters park;
 * a driver task wakes them all once every one is parked, and each parks again, `--hops` times. The process's CPU time
 * over the hops, per hop, is printed as JSON. The waiter is, by `--kind`:
 * - `future`: a SimpleFuture task that keeps its waker and returns Pending (what a readiness event costs a task);
 * - `fiber`: an Effect fiber suspended in the IO types' wait (`Effect.async` without a canceler, built once and run
 *   for every wait), resumed with `Effect.void` (what a readiness event costs a fiber in the IO types' Effects);
 * - `fiber-canceler`: `Effect.async` with a canceler (which wraps the wait in an interruption region), what a
 *   textbook wait costs.
 *
 * All of them run in dedicated mode (`ReactorRuntime.runBlockingExit`), fibers on the executor's Scheduler.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { parseArgs } from "node:util"
import * as Executor from "../../src/Executor.js"
import * as Poll from "../../src/Poll.js"
import * as ReactorRuntime from "../../src/ReactorRuntime.js"
import * as SimpleFuture from "../../src/SimpleFuture.js"
import type { Waker } from "../../src/Waker.js"
import { positive } from "./results.js"

const { values: args } = parseArgs({
  options: {
    kind: { type: "string", default: "future" },
    tasks: { type: "string", default: "1000" },
    hops: { type: "string", default: "200" }
  }
})
const kind = args.kind
if (kind !== "future" && kind !== "fiber" && kind !== "fiber-canceler") {
  throw new RangeError(`--kind must be future, fiber or fiber-canceler, got ${kind}`)
}
const tasks = Math.floor(positive("tasks", args.tasks, 1e6))
const hops = Math.floor(positive("hops", args.hops, 1e7))

const wakers: Array<Waker> = []
const resumes: Array<(effect: Effect.Effect<void>) => void> = []
// Waiters still running, and how many of them are parked now; the driver wakes them all once every one is parked.
let active = tasks
let parked = 0
let driverWaker: Waker | undefined

const parkedOne = (): void => {
  if (++parked === active) driverWaker?.wake()
}

const finishedOne = (): void => {
  if (parked === --active) driverWaker?.wake()
}

const futureWaiter = (): SimpleFuture.SimpleFuture<void> => {
  let left = hops
  let isParked = false
  return SimpleFuture.fromPoll((waker) => {
    if (isParked) {
      isParked = false
      if (--left === 0) {
        finishedOne()
        return Poll.ready(undefined)
      }
    }
    isParked = true
    wakers.push(waker)
    parkedOne()
    return Poll.pending
  })
}

const park = (resume: (effect: Effect.Effect<void>) => void): void => {
  resumes.push(resume)
  parkedOne()
}

const wait = kind === "fiber"
  ? Effect.async<void>((resume) => park(resume))
  : Effect.async<void>((resume) => {
    park(resume)
    return Effect.void
  })

const fiberWaiter = (): Effect.Effect<void> => {
  let left = hops
  return Effect.whileLoop({ while: () => left > 0, body: () => wait, step: () => void left-- }).pipe(
    Effect.ensuring(Effect.sync(finishedOne))
  )
}

// A task: each time every waiter is parked, it wakes them all.
const driver = SimpleFuture.fromPoll((waker: Waker): Poll.Poll<void> => {
  driverWaker = waker
  if (active === 0) return Poll.ready(undefined)
  if (parked === active) {
    parked = 0
    for (const w of wakers.splice(0)) w.wake()
    for (const resume of resumes.splice(0)) resume(Effect.void)
  }
  return Poll.pending
})

const program = Effect.gen(function*() {
  const executor = yield* Executor.Executor
  const started = process.cpuUsage()
  for (let i = 0; i < tasks; i++) {
    if (kind === "future") executor.handle.spawn(futureWaiter())
    else yield* Effect.forkDaemon(fiberWaiter())
  }
  yield* Executor.run(driver)
  const cpu = process.cpuUsage(started)
  return { kind, tasks, hops, usPerHop: (cpu.user + cpu.system) / (tasks * hops) }
})

const exit = ReactorRuntime.runBlockingExit(program)
if (exit._tag === "Failure") throw new Error(`wake workload failed: ${String(exit.cause)}`)
console.log(JSON.stringify(exit.value))
