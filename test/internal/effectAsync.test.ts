/**
 * The IO types' reusable wait (src/internal/effectAsync.ts): with the `effect` in the lock it is the runtime's own async
 * primitive, built once and run many times; it suspends, resumes with whatever the callback is given, and an
 * interrupted run ends its fiber without resuming.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { isFast, unsafeAsyncNoCanceler } from "../../src/internal/effectAsync.js"

describe("unsafeAsyncNoCanceler", () => {
  it("takes the fast path with the effect version in the lock", () => {
    // If an effect upgrade changes what Effect.async builds, this fails: the IO types would still work (on plain
    // Effect.async) but every wait would be 0.6–0.75 µs slower (bench:wake).
    expect(isFast).toBe(true)
  })

  it.effect("one Effect, run many times in a row and in several fibers at once: each run waits for its own resume", () =>
    Effect.gen(function*() {
      const pending: Array<(effect: Effect.Effect<number, string>) => void> = []
      const wait = unsafeAsyncNoCanceler<number, string>((resume) => void pending.push(resume))
      let sum = 0
      for (let i = 0; i < 3; i++) {
        const fiber = yield* Effect.fork(wait)
        yield* Effect.yieldNow()
        expect(pending.length).toBe(1)
        expect(fiber.unsafePoll()).toBeNull()
        pending.pop()!(Effect.succeed(i * 10))
        sum += yield* Fiber.join(fiber)
      }
      expect(sum).toBe(30)
      const fibers = yield* Effect.forEach([0, 1, 2], () => Effect.fork(wait))
      yield* Effect.yieldNow()
      expect(pending.length).toBe(3)
      pending[1]!(Effect.fail("no"))
      pending[0]!(Effect.succeed(1))
      pending[2]!(Effect.succeed(3))
      const exits = yield* Effect.forEach(fibers, Fiber.await)
      expect(exits).toEqual([Exit.succeed(1), Exit.fail("no"), Exit.succeed(3)])
    }))

  it.effect("a resume inside register is taken after the suspension; a second resume is ignored", () =>
    Effect.gen(function*() {
      const wait = unsafeAsyncNoCanceler<string, never>((resume) => {
        resume(Effect.succeed("now"))
        resume(Effect.succeed("again"))
      })
      expect(yield* wait).toBe("now")
      expect(yield* Effect.zip(wait, wait)).toEqual(["now", "now"])
    }))

  it.effect("interrupting a waiting fiber ends it; a resume after that is ignored", () =>
    Effect.gen(function*() {
      let resume: ((effect: Effect.Effect<number>) => void) | undefined
      let after = 0
      const wait = unsafeAsyncNoCanceler<number, never>((r) => {
        resume = r
      })
      const fiber = yield* Effect.fork(Effect.tap(wait, () => Effect.sync(() => after++)))
      yield* Effect.yieldNow()
      expect(resume).toBeDefined()
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      resume!(Effect.succeed(1))
      yield* Effect.yieldNow()
      expect(after).toBe(0)
    }))

  it.effect("a register that throws is a defect of the waiting fiber", () =>
    Effect.gen(function*() {
      const wait = unsafeAsyncNoCanceler<number, never>(() => {
        throw new Error("boom")
      })
      const exit = yield* Effect.exit(wait)
      expect(Exit.isFailure(exit) && exit.cause._tag === "Die").toBe(true)
    }))
})
