/**
 * `Waker`: the function waker (`make`, `noop`, `willWake`, `isWaker`), and what waking means to the
 * executor: a task woken many times before it runs is queued once, and a wake never polls inline.
 */
import { describe, expect, it } from "@effect/vitest"
import { Exit, FastCheck as fc } from "effect"
import * as Util from "node:util"
import { Executor } from "../src/internal/executor.js"
import * as Poll from "../src/Poll.js"
import * as SimpleFuture from "../src/SimpleFuture.js"
import * as Waker from "../src/Waker.js"

/** Pending on its first poll (keeping the waker for the test), Ready on the next. */
const parked = () => {
  const state = { polls: 0, waker: undefined as Waker.Waker | undefined }
  const future = SimpleFuture.fromPoll((waker) => {
    state.polls++
    state.waker = waker
    return state.polls === 1 ? Poll.pending : Poll.ready(state.polls)
  })
  return { state, future }
}

describe("Waker", () => {
  it("make calls its function on every wake", () => {
    let woken = 0
    const waker = Waker.make(() => {
      woken++
    })
    waker.wake()
    waker.wake()
    expect(woken).toBe(2)
  })

  it("willWake holds for the same waker and for wakers of the same function only", () => {
    const f = () => {}
    const g = () => {}
    const a = Waker.make(f)
    expect(a.willWake(a)).toBe(true)
    expect(a.willWake(Waker.make(f))).toBe(true)
    expect(Waker.make(f).willWake(a)).toBe(true)
    expect(a.willWake(Waker.make(g))).toBe(false)
    expect(a.willWake(Waker.noop)).toBe(false)
    expect(Waker.noop.willWake(Waker.noop)).toBe(true)
  })

  it("noop does nothing and is a waker", () => {
    expect(() => Waker.noop.wake()).not.toThrow()
    expect(Waker.isWaker(Waker.noop)).toBe(true)
    expect(Waker.TypeId in Waker.noop).toBe(true)
  })

  it("isWaker accepts wakers only", () => {
    expect(Waker.isWaker(Waker.make(() => {}))).toBe(true)
    for (const other of [() => {}, { wake() {} }, null, undefined, 1, "waker"]) {
      expect(Waker.isWaker(other)).toBe(false)
    }
  })

  it("a waker prints the name of its function", () => {
    const named = Waker.make(function reschedule() {})
    expect(Util.inspect(named)).toContain("reschedule")
    expect(String(named)).toContain("reschedule")
  })

  describe("through the executor", () => {
    it.prop(
      "a task woken N times before it runs is queued once, polled once more",
      [fc.integer({ min: 1, max: 200 })],
      ([n]) => {
        const executor = new Executor()
        const { state, future } = parked()
        const handle = executor.spawn(future)
        executor.runUntilIdle()
        expect(state.polls).toBe(1)
        expect(executor.runnable).toBe(0)
        for (let i = 0; i < n; i++) state.waker!.wake()
        expect(executor.runnable).toBe(1)
        // Waking queued the task: it did not poll it.
        expect(state.polls).toBe(1)
        executor.runUntilIdle()
        expect(state.polls).toBe(2)
        const result = handle.poll(Waker.noop)
        expect(Poll.isReady(result) && Exit.isSuccess(result.value) && result.value.value).toBe(2)
        executor.close()
      }
    )

    it.prop(
      "wakes inside the task's own poll do not re-enter it: the task runs again after the poll",
      [fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 5 })],
      ([rounds, wakesPerPoll]) => {
        const executor = new Executor()
        let depth = 0
        let maxDepth = 0
        let polls = 0
        const future = SimpleFuture.fromPoll((waker) => {
          depth++
          maxDepth = Math.max(maxDepth, depth)
          polls++
          const before = polls
          for (let i = 0; i < wakesPerPoll; i++) waker.wake()
          // A wake that polled inline would have bumped the count (and the depth) already.
          expect(polls).toBe(before)
          depth--
          return polls > rounds ? Poll.ready(polls) : Poll.pending
        })
        const exit = executor.blockOn(future)
        expect(Exit.isSuccess(exit) && exit.value).toBe(rounds + 1)
        expect(polls).toBe(rounds + 1)
        expect(maxDepth).toBe(1)
        executor.close()
      }
    )

    it("a wake after the task finished is ignored", () => {
      const executor = new Executor()
      const { state, future } = parked()
      executor.spawn(future)
      executor.runUntilIdle()
      state.waker!.wake()
      executor.runUntilIdle()
      expect(state.polls).toBe(2)
      state.waker!.wake()
      expect(executor.runnable).toBe(0)
      executor.runUntilIdle()
      expect(state.polls).toBe(2)
      executor.close()
    })
  })
})
