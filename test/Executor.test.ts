/**
 * The executor: queueing, fairness, cancellation and the two run modes. Futures here are small
 * hand-written state machines so that each test controls exactly when a task is ready.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import type { JoinHandle } from "../src/internal/executor.js"
import { Executor } from "../src/internal/executor.js"
import { FutureBase } from "../src/internal/future.js"
import * as poll from "../src/internal/poll.js"
import type { Poll } from "../src/Poll.js"
import type { Waker } from "../src/Waker.js"
import { Delay, Gate } from "./utils/futures.js"

/** Always ready to make progress: wakes itself and stays pending until `limit` polls. */
class Spinner extends FutureBase<number, never> {
  polls = 0
  constructor(readonly limit: number) {
    super()
  }
  poll(waker: Waker): Poll<Exit.Exit<number, never>> {
    this.polls++
    if (this.polls >= this.limit) return poll.ready(Exit.succeed(this.polls))
    waker.wake()
    return poll.pending
  }
}

const value = <A, E>(exit: Exit.Exit<A, E> | undefined): A => {
  if (exit === undefined || !Exit.isSuccess(exit)) throw new Error(`not a success: ${String(exit)}`)
  return exit.value
}

/** The task's exit, once it has one (read directly: a handle may be polled to Ready only once). */
const joined = <A, E>(handle: JoinHandle<A, E>): Exit.Exit<A, E> | undefined => handle.task.exit

/** The task's exit, awaited on Node's loop through the handle's waker (integrated mode). */
const completion = <A, E>(handle: JoinHandle<A, E>): Promise<Exit.Exit<A, E>> =>
  new Promise((resolve) => {
    const waker = { wake: () => resolve(joined(handle)!), willWake: () => false } as unknown as Waker
    if (handle.poll(waker)._tag === "Ready") resolve(joined(handle)!)
  })

describe("Executor", () => {
  it("spawn runs the task at the next tick, never inline", () => {
    const executor = new Executor()
    const gate = new Gate()
    executor.spawn(gate)
    expect(gate.polls).toBe(0)
    executor.tick()
    expect(gate.polls).toBe(1)
  })

  it("a task woken many times before it runs is queued and polled once", () => {
    const executor = new Executor()
    const gate = new Gate()
    executor.spawn(gate)
    executor.runUntilIdle()
    expect(gate.polls).toBe(1)
    for (let i = 0; i < 50; i++) gate.waker!.wake()
    expect(executor.runnable).toBe(1)
    executor.runUntilIdle()
    expect(gate.polls).toBe(2)
  })

  it("a wake during the task's own poll requeues it once after the poll", () => {
    const executor = new Executor({ budget: 1 })
    const spinner = new Spinner(5)
    const handle = executor.spawn(spinner)
    executor.tick()
    expect(spinner.polls).toBe(1)
    expect(executor.runnable).toBe(1)
    executor.runUntilIdle()
    expect(value(joined(handle))).toBe(5)
  })

  it("a JoinHandle is a future of the task's exit and wakes its awaiter", () => {
    const executor = new Executor()
    const gate = new Gate()
    const handle = executor.spawn(gate)
    let woken = 0
    const awaiter = { wake: () => woken++, willWake: () => false } as unknown as Waker
    expect(handle.poll(awaiter)._tag).toBe("Pending")
    executor.runUntilIdle()
    gate.open()
    executor.runUntilIdle()
    expect(woken).toBe(1)
    expect(value(joined(handle))).toBe("open")
  })

  it("a defect thrown by poll completes the task with die", () => {
    const executor = new Executor()
    const boom = new (class extends FutureBase<never, never> {
      poll(): never {
        throw new Error("boom")
      }
    })()
    const handle = executor.spawn(boom)
    executor.runUntilIdle()
    const exit = joined(handle)!
    expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
  })

  it("a defect thrown by poll still drops the future, releasing what it holds", () => {
    const executor = new Executor()
    const inner = new Delay(60_000)
    let polls = 0
    const broken = new (class extends FutureBase<never, never> {
      poll(waker: Waker): Poll<Exit.Exit<never, never>> {
        if (polls++ === 0) {
          inner.poll(waker)
          waker.wake()
          return poll.pending
        }
        throw new Error("boom")
      }
      protected override onDrop(): void {
        inner.drop()
      }
    })()
    executor.spawn(broken)
    executor.runUntilIdle()
    expect(polls).toBe(2)
    expect(executor.timer.size).toBe(0)
  })

  it("a JoinHandle may be polled to Ready once; polling it again is a defect", () => {
    const executor = new Executor()
    const gate = new Gate()
    gate.isOpen = true
    const handle = executor.spawn(gate)
    executor.runUntilIdle()
    const waker = { wake() {}, willWake: () => false } as unknown as Waker
    expect(handle.poll(waker)._tag).toBe("Ready")
    expect(() => handle.poll(waker)).toThrow(/polled after/)
  })

  it("the budget keeps an always-ready task from starving others", () => {
    const executor = new Executor({ budget: 16 })
    const spinner = new Spinner(1_000_000)
    executor.spawn(spinner)
    const gate = new Gate()
    gate.isOpen = true
    const other = executor.spawn(gate)
    // One batch: the spinner requeues itself behind the other task, which runs within it.
    executor.tick()
    expect(value(joined(other))).toBe("open")
    expect(spinner.polls).toBeLessThanOrEqual(16)
  })

  it("the budget keeps an always-ready task from starving timers", () => {
    const executor = new Executor({ budget: 32 })
    const spinner = new Spinner(5_000_000)
    const spin = executor.spawn(spinner)
    const exit = executor.blockOn(new Delay(5))
    // The timer fired while the spinner still had work left: it was not starved.
    expect(value(exit)).toBeGreaterThan(0)
    expect(joined(spin)).toBeUndefined()
    executor.close()
  })

  it("cancel drops the future once and the handle reports an interruption", () => {
    const executor = new Executor()
    const gate = new Gate()
    const handle = executor.spawn(gate)
    executor.runUntilIdle()
    const waker = gate.waker!
    handle.cancel()
    handle.cancel()
    expect(gate.drops).toBe(1)
    const exit = joined(handle)!
    expect(Exit.isInterrupted(exit)).toBe(true)
    // A wake through a waker held elsewhere after cancellation is ignored.
    waker.wake()
    expect(executor.runnable).toBe(0)
  })

  it("a task cancelled from inside its own poll is dropped when the poll returns", () => {
    const executor = new Executor()
    let handle: JoinHandle<string, never> | undefined
    const gate = new Gate()
    const selfCancelling = new (class extends FutureBase<string, never> {
      poll(waker: Waker): Poll<Exit.Exit<string, never>> {
        handle!.cancel()
        return gate.poll(waker)
      }
      protected override onDrop(): void {
        gate.drop()
      }
    })()
    handle = executor.spawn(selfCancelling)
    executor.runUntilIdle()
    expect(gate.drops).toBe(1)
    expect(Exit.isInterrupted(joined(handle)!)).toBe(true)
  })

  it("close cancels every task and runs its cleanup, and later spawns are cancelled at once", () => {
    const executor = new Executor()
    const gates = Array.from({ length: 10 }, () => new Gate())
    const handles = gates.map((gate) => executor.spawn(gate))
    executor.runUntilIdle()
    const delay = new Delay(60_000)
    executor.spawn(delay)
    executor.runUntilIdle()
    expect(executor.timer.size).toBe(1)
    executor.close()
    executor.close()
    expect(gates.map((gate) => gate.drops)).toEqual(gates.map(() => 1))
    expect(handles.every((handle) => Exit.isInterrupted(joined(handle)!))).toBe(true)
    expect(executor.tasks).toBe(0)
    expect(executor.timer.size).toBe(0)
    const late = new Gate()
    expect(Exit.isInterrupted(joined(executor.spawn(late))!)).toBe(true)
    expect(late.drops).toBe(1)
  })

  it("blockOn returns a die instead of hanging when nothing can wake the future", () => {
    const executor = new Executor()
    const gate = new Gate()
    const exit = executor.blockOn(gate)
    expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
    expect(gate.drops).toBe(1)
  })

  it("blockOn (dedicated mode) sleeps for the nearest timer and never returns early", () => {
    const executor = new Executor()
    const start = performance.now()
    const exit = executor.blockOn(new Delay(30))
    expect(value(exit) - start).toBeGreaterThanOrEqual(30)
    expect(performance.now() - start).toBeGreaterThanOrEqual(30)
  })

  it("callbacks share the run queue's turns with tasks", () => {
    const executor = new Executor({ budget: 4 })
    const order: Array<string> = []
    executor.spawn(
      new (class extends FutureBase<void, never> {
        poll() {
          order.push("task")
          return poll.ready(Exit.void)
        }
      })()
    )
    executor.queueCallback(() => order.push("callback"))
    executor.tick()
    expect(order).toEqual(["task", "callback"])
  })

  it("the budget must be a positive integer", () => {
    expect(() => new Executor({ budget: 0 })).toThrow(RangeError)
    expect(() => new Executor({ budget: 1.5 })).toThrow(/budget/)
  })

  describe("integrated mode", () => {
    it("runs tasks and timers from Node's event loop while Node's own timers keep running", async () => {
      const executor = new Executor()
      executor.attach()
      const delay = new Delay(20)
      const handle = executor.spawn(delay)
      let nodeTimerRan = false
      setTimeout(() => (nodeTimerRan = true), 1)
      const exit = await completion(handle)
      expect(value(exit)).toBeGreaterThan(0)
      expect(nodeTimerRan).toBe(true)
      executor.close()
    })

    it("a wake from outside the loop (a Node timer) gets the task polled", async () => {
      const executor = new Executor()
      executor.attach()
      const gate = new Gate()
      const handle = executor.spawn(gate)
      await new Promise((resolve) => setImmediate(resolve))
      expect(gate.polls).toBe(1)
      setTimeout(() => gate.open(), 5)
      // Only the timer's wake, then a poll by the loop, can complete the task: wait for its completion, not a time.
      expect(value(await completion(handle))).toBe("open")
      expect(gate.polls).toBe(2)
      executor.close()
    })
  })
})
