/**
 * The chapter, step 5 — the executor loop: `npm run example docs/examples/executor.ts`. Ends by itself.
 *
 * 1. The run queue and the budget: `spawn` queues a task (never polls it inline); `tick` runs one batch of at most
 *    `budget` tasks, so three busy tasks take turns instead of one starving the others.
 * 2. Dedicated mode: `blockOn(future)` runs the loop on this thread — run the ready tasks, then block in the
 *    reactor's `turn` with the nearest timer as its timeout, dispatch, repeat — until the future is done.
 * 3. Integrated mode: `ReactorRuntime.layer` drives the same executor from Node's event loop, so a Node timer keeps
 *    firing while a task waits.
 */
import { Effect, Exit } from "effect"
import {
  AsyncFd,
  Executor,
  Interest,
  Poll,
  Poller,
  Reactor,
  ReactorRuntime,
  SimpleFuture,
  type Waker
} from "effect-reactor"
import * as Fs from "node:fs"

// A task that needs `polls` polls, waking itself after each (as a task with more work than one poll should).
const busy = (name: string, polls: number, log: Array<string>) => {
  let done = 0
  return SimpleFuture.fromPoll((waker) => {
    log.push(`${name}${++done}`)
    if (done === polls) return Poll.ready(name)
    waker.wake()
    return Poll.pending
  })
}

// A read of `fd` through `registration`: try read(2); on EAGAIN hand the waker to the reactor and answer Pending.
const read = (registration: Reactor.Registration, fd: number) => {
  let parked: Waker.Waker | undefined
  return SimpleFuture.fromPoll((waker): Poll.Poll<string> => {
    const buffer = Buffer.alloc(64)
    for (;;) {
      try {
        return Poll.ready(buffer.toString("utf8", 0, Fs.readSync(fd, buffer)))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error
      }
      const readiness = registration.pollReadable(waker)
      if (Poll.isPending(readiness)) {
        parked = waker
        return Poll.pending
      }
      registration.clearReadiness(readiness.value)
    }
  }).pipe(SimpleFuture.onDrop(() => {
    if (parked !== undefined) registration.removeWaker("readable", parked)
  }))
}

const elapsed = (start: number) => Math.round(performance.now() - start)

// CPU time of this thread alone, in ms (Linux: /proc/thread-self/schedstat starts with it in ns); the process's total
// would count Node's compiler and collector threads too, which run whatever the loop does.
const threadCpuMs = () => Number(Fs.readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6

const dedicated = Effect.gen(function*() {
  const pipe = yield* AsyncFd.pipe()
  const poller = Poller.unsafeOpen()
  const reactor = Reactor.unsafeMake(poller)
  const executor = Executor.unsafeMake({ reactor, budget: 2 })
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      executor.close()
      reactor.close()
      poller.close()
    })
  )

  // 1. Three tasks of three polls each, under a budget of 2 tasks per batch.
  console.log(`== the run queue (budget ${executor.budget})`)
  const log: Array<string> = []
  for (const name of ["a", "b", "c"]) executor.spawn(busy(name, 3, log))
  console.log(`spawned a, b and c: ${executor.runnable} runnable, none polled yet`)
  for (let batch = 1; executor.runnable > 0; batch++) {
    executor.tick()
    console.log(`tick ${batch} -> polled ${log.splice(0).join(" ")}`)
  }

  // 2. blockOn: a read that a timer task's write completes, and a 30 ms sleep, on one thread with no Node loop.
  console.log("== dedicated: blockOn")
  // A first, short blockOn, so that the one measured does not include compiling this path.
  executor.blockOn(SimpleFuture.all([SimpleFuture.sleep("1 millis"), SimpleFuture.sleep("2 millis")]))
  const registration = reactor.register(pipe.readFd, Interest.readable)
  const writer = SimpleFuture.sleep("20 millis").pipe(SimpleFuture.map(() => Fs.writeSync(pipe.writeFd, "ping")))
  executor.spawn(writer)
  const start = performance.now()
  const cpu = threadCpuMs()
  const exit = executor.blockOn(
    SimpleFuture.all([read(registration, pipe.readFd), SimpleFuture.sleep("30 millis")])
  )
  const text = Exit.isSuccess(exit) ? JSON.stringify(exit.value[0]) : "a failure"
  const used = threadCpuMs() - cpu
  const wall = elapsed(start)
  // Blocked in the poller, not spinning: a busy loop would have used as much CPU time as wall time.
  const idle = used < wall / 2
  console.log(`blockOn(all([read, sleep 30 ms])) -> ${text}, after ${wall >= 30 ? "at least 30 ms" : "too soon"}`)
  console.log(`  CPU time while blocked: ${idle ? "less than half the wall time (it slept in the poller)" : "high"}`)
  registration.deregister()
})

// 3. The same executor kind, driven by Node's loop: a Node timer due in 10 ms fires while a task sleeps 50 ms (the
// thread is not blocked: the executor's timer is one of Node's, and Node runs its timers in deadline order).
const integrated = Effect.gen(function*() {
  console.log("== integrated: ReactorRuntime.layer")
  let fired = false
  const timer = setTimeout(() => (fired = true), 10)
  const value = yield* Executor.run(SimpleFuture.sleep("50 millis").pipe(SimpleFuture.map(() => "slept")))
  clearTimeout(timer)
  console.log(`Executor.run(sleep 50 ms) -> ${JSON.stringify(value)}; Node's 10 ms timer fired meanwhile: ${fired}`)
})

const program = Effect.gen(function*() {
  yield* Effect.scoped(dedicated)
  yield* integrated.pipe(Effect.provide(ReactorRuntime.layer))
})

Effect.runPromise(program).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
