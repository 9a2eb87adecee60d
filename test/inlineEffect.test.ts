/**
 * The IO Effects that run where an `Effect.gen` body yields them (src/internal/inlineEffect.ts): each yield runs the
 * step once; a loop whose IO never waits still yields the thread to other fibers and can be interrupted; a throwing
 * step is a defect of the fiber, not an exception inside the generator.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as AsyncFd from "../src/AsyncFd.js"
import * as Interest from "../src/Interest.js"
import { INLINE_STREAK, InlineEffect } from "../src/internal/inlineEffect.js"
import { binding } from "../src/internal/native.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import { FdScope } from "./utils/fds.js"

const fdScope = Effect.acquireRelease(Effect.sync(() => new FdScope()), (fds) => Effect.sync(() => fds.closeAll()))

// An eventfd adds each 8-byte write to its counter and is writable until the counter nears 2^64: a write never waits.
const one = new Uint8Array(new BigUint64Array([1n]).buffer)

const eventfdWriter = Effect.gen(function*() {
  const fds = yield* fdScope
  const efd = fds.eventfd(0)
  const fd = yield* AsyncFd.register(efd, { interest: Interest.both })
  return { efd, fd }
})

/** The eventfd's counter, read (and reset) with a plain read(2). */
const counter = (efd: number): bigint => {
  const bytes = new Uint8Array(8)
  expect(binding.read(efd, bytes)).toBe(8)
  return new BigUint64Array(bytes.buffer)[0]!
}

class Counted extends InlineEffect<number, never> {
  commits = 0
  /** Whether the last commit ran inside the generator below (its frame on the stack), or from the run loop. */
  insideBody = false
  constructor(readonly step: () => Effect.Effect<number>) {
    super()
  }

  commit(): Effect.Effect<number> {
    this.commits++
    this.insideBody = new Error().stack!.includes("yieldingBody")
    return this.step()
  }
}

describe("IO Effects yielded in Effect.gen", () => {
  it.effect("each yield runs the step once, right inside the body's yield*; each other run once, as an op", () =>
    Effect.gen(function* yieldingBody() {
      const now = new Counted(() => Effect.succeed(1))
      const later = new Counted(() => Effect.as(Effect.yieldNow(), 2))
      expect(yield* now).toBe(1)
      expect(now.insideBody).toBe(true)
      expect(yield* now).toBe(1)
      expect(yield* later).toBe(2)
      expect(later.insideBody).toBe(true)
      expect(yield* Effect.map(now, (n) => n + 1)).toBe(2)
      expect(now.insideBody).toBe(false)
      expect([now.commits, later.commits]).toEqual([3, 1])
      // Yielded by two fibers at once, a shared Effect runs once for each.
      const yieldLater = Effect.gen(function*() {
        return yield* later
      })
      const both = yield* Effect.all([yieldLater, yieldLater], { concurrency: 2 })
      expect(both).toEqual([2, 2])
      expect(later.commits).toBe(3)
    }))

  it.effect("a step that throws is a defect of the fiber: the generator's own catch never sees it", () =>
    Effect.gen(function*() {
      const broken = new Counted(() => {
        throw new Error("broken step")
      })
      let caught: unknown = undefined
      const exit = yield* Effect.exit(Effect.gen(function*() {
        try {
          return yield* broken
        } catch (error) {
          caught = error
          return -1
        }
      }))
      expect(caught).toBeUndefined()
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      expect(Cause.pretty((exit as Exit.Failure<number, never>).cause)).toContain("broken step")
    }))

  it.live("a loop whose writes never wait yields the thread to other fibers", () =>
    Effect.scoped(Effect.gen(function*() {
      const { efd, fd } = yield* eventfdWriter
      const writes = 40 * INLINE_STREAK
      let done = false
      let ticks = 0
      const ticker = yield* Effect.fork(Effect.gen(function*() {
        while (!done) {
          ticks++
          yield* Effect.yieldNow()
        }
      }))
      yield* Effect.yieldNow() // the ticker runs its first tick
      const before = ticks
      for (let i = 0; i < writes; i++) yield* fd.write(one)
      const during = ticks - before
      done = true
      yield* Fiber.join(ticker)
      expect(counter(efd)).toBe(BigInt(writes))
      // The writer yielded about once every INLINE_STREAK writes, and the ticker ran each time.
      expect(during).toBeGreaterThanOrEqual(20)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("a loop whose writes never wait can be interrupted", () =>
    Effect.scoped(Effect.gen(function*() {
      const { efd, fd } = yield* eventfdWriter
      const limit = 400 * INLINE_STREAK
      let written = 0
      const writer = yield* Effect.fork(Effect.gen(function*() {
        while (written < limit) {
          yield* fd.write(one)
          written++
        }
      }))
      while (written === 0) yield* Effect.yieldNow()
      const exit = yield* Fiber.interrupt(writer)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(written).toBeGreaterThan(0)
      expect(written).toBeLessThan(limit)
      expect(counter(efd)).toBe(BigInt(written))
    })).pipe(Effect.provide(ReactorRuntime.layer)))
})
