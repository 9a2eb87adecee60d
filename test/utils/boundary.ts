/**
 * Checks shared by the tests of the native boundary and of the fd types built on it: what a call threw, an argument
 * error naming its argument, and an interrupted wait that leaves no waker parked.
 */
import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { awaitParked, parkedWakers } from "./registration.js"

/** Calls `thunk` and returns what it threw; fails when it returns. */
export const thrown = (thunk: () => unknown): unknown => {
  try {
    thunk()
  } catch (error) {
    return error
  }
  throw new Error("expected a throw")
}

/** Expects `thunk` to throw a `type` whose message matches `pattern` (the argument's name, quoted). */
export const expectError = (thunk: () => unknown, type: typeof TypeError | typeof RangeError, pattern: RegExp) => {
  const error = thrown(thunk)
  expect(error).toBeInstanceOf(type)
  expect((error as Error).message).toMatch(pattern)
}

/**
 * Forks `wait`, lets it park its waker on `owner`'s registration, interrupts it, and expects the waker gone: an
 * interrupted wait leaves nothing behind.
 */
export const interruptParked = <A, E>(owner: object, wait: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(wait)
    yield* awaitParked(owner)
    yield* Fiber.interrupt(fiber)
    expect(parkedWakers(owner)).toBe(0)
  })
