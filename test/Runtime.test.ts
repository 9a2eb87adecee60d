/**
 * The runtime wired: the Effect bridges, Effect's Scheduler and Clock on the executor, the two run
 * modes, and what the process does while idle.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import * as Executor from "../src/Executor.js"
import * as Interest from "../src/Interest.js"
import { addonPath, binding } from "../src/internal/native.js"
import * as PollModule from "../src/Poll.js"
import * as Reactor from "../src/Reactor.js"
import * as SimpleFuture from "../src/SimpleFuture.js"
import { FdScope } from "./utils/fds.js"
import { Gate } from "./utils/futures.js"
import type { Executor as ExecutorClass } from "../src/internal/executor.js"
import * as Runtime from "../src/Runtime.js"
import type { Waker } from "../src/Waker.js"

const here = Path.dirname(fileURLToPath(import.meta.url))

/** Waits (bounded: 5 s) until `condition` holds; fails the test otherwise. */
const eventually = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1000 && !condition(); i++) yield* Effect.sleep("5 millis")
    expect(condition()).toBe(true)
  })

/** Reads what `fd` has, waiting for readiness through `registration` on EAGAIN. */
const readPipe = (registration: Reactor.Registration, fd: number) => {
  // The waker handed to the registration, removed again if the future is dropped (cancelled).
  let parked: Waker | undefined
  return SimpleFuture.fromPoll((waker) => {
    const buffer = Buffer.alloc(64)
    for (;;) {
      const n = binding.read(fd, buffer)
      if (n >= 0) return PollModule.ready(buffer.subarray(0, n).toString())
      if (n !== -binding.constants.EAGAIN) throw new Error(`read: errno ${-n}`)
      const readiness = registration.pollReadable(waker)
      if (PollModule.isPending(readiness)) {
        parked = waker
        return PollModule.pending
      }
      registration.clearReadiness(readiness.value)
    }
  }).pipe(SimpleFuture.onDrop(() => {
    if (parked !== undefined) registration.removeWaker("readable", parked)
  }))
}

/** Registers the read end of a fresh pipe with the current reactor, for the scope. */
const pipeSource = Effect.gen(function*() {
  const fds = new FdScope()
  yield* Effect.addFinalizer(() => Effect.sync(() => fds.closeAll()))
  const [read, write] = fds.pipe()
  const registration = yield* Reactor.register(read, Interest.readable)
  return { read, write, registration, fds }
})

const timerSize = Effect.map(Executor.Executor, (executor) => (executor.handle as unknown as ExecutorClass).timer.size)

describe("Runtime", () => {
  describe("bridges", () => {
    it("fromEffect runs the fiber on the executor, so blockOn completes it without Node's loop", () => {
      const executor = Executor.unsafeMake()
      const exit = executor.blockOn(SimpleFuture.fromEffect(Effect.as(Effect.yieldNow(), 2)))
      expect(Exit.isSuccess(exit) && exit.value).toBe(2)
      const failed = executor.blockOn(SimpleFuture.fromEffect(Effect.fail("no")))
      expect(Exit.isFailure(failed)).toBe(true)
      executor.close()
    })

    it("dropping a fromEffect future interrupts its fiber", () => {
      const executor = Executor.unsafeMake()
      let interrupted = false
      const future = SimpleFuture.fromEffect(Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (interrupted = true)))))
      const handle = executor.spawn(future)
      executor.runUntilIdle()
      handle.cancel()
      executor.runUntilIdle()
      expect(interrupted).toBe(true)
      executor.close()
    })

    it.live("toEffect runs a future on the Executor service", () =>
      SimpleFuture.toEffect(SimpleFuture.sleep("5 millis").pipe(SimpleFuture.map(() => "slept"))).pipe(
        Effect.map((value) => expect(value).toBe("slept")),
        Effect.provide(Runtime.layer)
      ))
  })

  describe("dedicated mode (runMain)", () => {
    it("runs Effect.sleep on the executor's timer queue and never wakes early", () => {
      const start = performance.now()
      const exit = Runtime.runMain(
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(Effect.sleep("40 millis"))
          yield* Effect.yieldNow()
          const armed = yield* timerSize
          yield* Fiber.join(fiber)
          return armed
        })
      )
      expect(Exit.isSuccess(exit) && exit.value).toBe(1)
      expect(performance.now() - start).toBeGreaterThanOrEqual(40)
    })

    it("runs concurrent fibers, Schedules and timeouts", () => {
      let attempts = 0
      const exit = Runtime.runMain(
        Effect.gen(function*() {
          const all = yield* Effect.all(
            [Effect.as(Effect.sleep("30 millis"), "a"), Effect.as(Effect.sleep("10 millis"), "b")],
            { concurrency: "unbounded" }
          )
          const retried = yield* Effect.suspend(() => (++attempts < 3 ? Effect.fail("again") : Effect.succeed(attempts)))
            .pipe(Effect.retry(Schedule.spaced("5 millis")))
          const timedOut = yield* Effect.sleep("1 second").pipe(Effect.timeout("20 millis"), Effect.either)
          return { all, retried, timedOut: timedOut._tag }
        })
      )
      expect(Exit.isSuccess(exit) && exit.value).toEqual({ all: ["a", "b"], retried: 3, timedOut: "Left" })
    })

    it.each(["epoll", "poll"] as const)("wakes a task blocked on IO when another thread writes (%s)", (backend) => {
      const start = performance.now()
      const exit = Runtime.runMain(
        Effect.scoped(Effect.gen(function*() {
          const { read, registration, write } = yield* pipeSource
          // A Worker writes in 50 ms: this thread learns of it only by blocking in the poller.
          const worker = new Worker(
            `const { workerData } = require("node:worker_threads")
             const binding = require(workerData.addonPath)
             Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50)
             binding.write(workerData.fd, Buffer.from("ping"))`,
            { eval: true, workerData: { addonPath, fd: write } }
          )
          yield* Effect.addFinalizer(() => Effect.sync(() => void worker.terminate()))
          return yield* Executor.run(readPipe(registration, read))
        })),
        { backend }
      )
      expect(Exit.isSuccess(exit) && exit.value).toBe("ping")
      expect(performance.now() - start).toBeGreaterThanOrEqual(50)
    })

    it("returns the effect's failure as its Exit", () => {
      const exit = Runtime.runMain(Effect.fail("no"))
      expect(Exit.isFailure(exit)).toBe(true)
    })

    it("runs on the poll backend too", () => {
      const exit = Runtime.runMain(Effect.as(Effect.sleep("5 millis"), "ok"), { backend: "poll" })
      expect(Exit.isSuccess(exit) && exit.value).toBe("ok")
    })
  })

  describe("integrated mode (Runtime.layer)", () => {
    it.live("Executor.run drives a future to its result", () =>
      Effect.gen(function*() {
        const gate = new Gate()
        const fiber = yield* Effect.fork(Executor.run(gate))
        yield* eventually(() => gate.polls === 1)
        gate.isOpen = true
        gate.waker!.wake()
        expect(yield* Fiber.join(fiber)).toBe("open")
      }).pipe(Effect.provide(Runtime.layer)))

    it.live("a task blocked on IO is woken from Node's loop while Node's timers keep running", () =>
      Effect.scoped(Effect.gen(function*() {
        const { fds, read, registration, write } = yield* pipeSource
        let nodeTimerRan = false
        setTimeout(() => (nodeTimerRan = true), 1)
        setTimeout(() => fds.write(write, "pong"), 30)
        expect(yield* Executor.run(readPipe(registration, read))).toBe("pong")
        expect(nodeTimerRan).toBe(true)
      })).pipe(Effect.provide(Runtime.layer)))

    it.live("interrupting a task blocked on IO removes its waker from the registration", () =>
      Effect.scoped(Effect.gen(function*() {
        const { fds, read, registration, write } = yield* pipeSource
        const fiber = yield* Effect.fork(Executor.run(readPipe(registration, read)))
        yield* Effect.sleep("10 millis")
        yield* Fiber.interrupt(fiber)
        // The readiness arrives after the interruption: no task is left to wake.
        fds.write(write, "late")
        const reactor = yield* Reactor.Reactor
        expect(reactor.turn(50)).toBe(0)
        const executor = yield* Executor.Executor
        expect(executor.handle.tasks).toBe(0)
      })).pipe(Effect.provide(Runtime.layer)))

    it.live("interrupting run cancels the future, runs its cleanup once, and no wake reaches it after", () =>
      Effect.gen(function*() {
        const gate = new Gate()
        const fiber = yield* Effect.fork(Executor.run(gate))
        yield* eventually(() => gate.polls === 1)
        const waker = gate.waker!
        yield* Fiber.interrupt(fiber)
        expect(gate.drops).toBe(1)
        expect(gate.waker).toBeUndefined()
        // A stale waker held elsewhere no longer reaches the cancelled task.
        waker.wake()
        yield* Effect.sleep("5 millis")
        expect(gate.polls).toBe(1)
        const executor = yield* Executor.Executor
        expect(executor.handle.tasks).toBe(0)
      }).pipe(Effect.provide(Runtime.layer)))

    it.live("closing the runtime's scope cancels every task", () =>
      Effect.gen(function*() {
        const gates = [new Gate(), new Gate(), new Gate()]
        yield* Effect.scoped(
          Effect.gen(function*() {
            const executor = yield* Executor.Executor
            for (const gate of gates) yield* executor.spawn(gate)
            yield* eventually(() => gates.every((gate) => gate.polls === 1))
          }).pipe(Effect.provide(Layer.fresh(Runtime.layer)))
        )
        expect(gates.map((gate) => gate.drops)).toEqual([1, 1, 1])
      }))

    it.live("layerScheduler runs fibers and Effect.sleep on the executor", () =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(Effect.sleep(Duration.millis(30)))
        yield* Effect.yieldNow()
        expect(yield* timerSize).toBe(1)
        yield* Fiber.join(fiber)
        expect(yield* timerSize).toBe(0)
      }).pipe(Effect.provide(Runtime.layerScheduler.pipe(Layer.provideMerge(Runtime.layer)))))
  })

  describe("the process", () => {
    const runFixture = (name: string, timeoutMs: number) =>
      ChildProcess.spawnSync(process.execPath, ["--import", "tsx", Path.join(here, "fixtures", name)], {
        encoding: "utf8",
        timeout: timeoutMs,
        cwd: Path.join(here, "..")
      })

    it("an idle runtime uses no CPU while a task waits on a timer and another on nothing", () => {
      const result = runFixture("idle-runtime.ts", 20_000)
      expect(result.status, result.stderr).toBe(0)
      const report = JSON.parse(result.stdout.trim().split("\n").pop()!) as { cpuMs: number; wallMs: number }
      expect(report.wallMs).toBeGreaterThanOrEqual(500)
      // A busy loop would burn about as much CPU as wall time; idle is near zero.
      expect(report.cpuMs).toBeLessThan(150)
    })

    it("stays alive while a task sleeps, and exits once nothing waits on IO or timers", () => {
      const start = Date.now()
      const result = runFixture("exits-when-idle.ts", 20_000)
      expect(result.status, result.stderr).toBe(0)
      expect(result.stdout).toContain("slept")
      expect(Date.now() - start).toBeGreaterThanOrEqual(200)
    })
  })
})
