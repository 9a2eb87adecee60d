import { describe, expect, it } from "@effect/vitest"
import { pipe } from "effect"
import * as fc from "fast-check"
import * as Interest from "../src/Interest.js"
import * as PollEvent from "../src/PollEvent.js"
import * as Reactor from "../src/Reactor.js"

const all: ReadonlyArray<Interest.Interest> = Array.from({ length: 8 }, (_, bits) => bits as Interest.Interest)
const arbitrary = fc.integer({ min: 0, max: 7 }).map((bits) => bits as Interest.Interest)

describe("Interest", () => {
  it("has the native bit values", () => {
    expect(Interest.none).toBe(0)
    expect(Interest.readable).toBe(1)
    expect(Interest.writable).toBe(2)
    expect(Interest.both).toBe(3)
    expect(Interest.priority).toBe(4)
  })

  it("matches the addon's INTEREST_* constants", async () => {
    const { binding } = await import("../src/internal/native.js")
    expect(Interest.none).toBe(binding.constants.INTEREST_NONE)
    expect(Interest.readable).toBe(binding.constants.INTEREST_READABLE)
    expect(Interest.writable).toBe(binding.constants.INTEREST_WRITABLE)
    expect(Interest.priority).toBe(binding.constants.INTEREST_PRIORITY)
  })

  it("combine is the union, data-first and data-last", () => {
    expect(Interest.combine(Interest.readable, Interest.writable)).toBe(Interest.both)
    expect(pipe(Interest.readable, Interest.combine(Interest.priority))).toBe(5)
    expect(Interest.combine(Interest.both, Interest.readable)).toBe(Interest.both)
    expect(Interest.combine(Interest.none, Interest.none)).toBe(Interest.none)
    fc.assert(fc.property(arbitrary, arbitrary, (a, b) => {
      expect(Interest.combine(a, b)).toBe(a | b)
      expect(Interest.combine(a, b)).toBe(pipe(b, Interest.combine(a)))
    }))
  })

  it("remove takes directions away, data-first and data-last", () => {
    expect(Interest.remove(Interest.both, Interest.writable)).toBe(Interest.readable)
    expect(pipe(Interest.both, Interest.remove(Interest.readable))).toBe(Interest.writable)
    expect(Interest.remove(Interest.readable, Interest.writable)).toBe(Interest.readable)
    fc.assert(fc.property(arbitrary, arbitrary, (a, b) => {
      expect(Interest.remove(a, b)).toBe(a & ~b)
      expect(Interest.remove(Interest.combine(a, b), b) & b).toBe(0)
    }))
  })

  it("isReadable / isWritable / isPriority test their own bit only", () => {
    for (const interest of all) {
      expect(Interest.isReadable(interest)).toBe((interest & 1) !== 0)
      expect(Interest.isWritable(interest)).toBe((interest & 2) !== 0)
      expect(Interest.isPriority(interest)).toBe((interest & 4) !== 0)
    }
    expect(Interest.isReadable(Interest.none)).toBe(false)
    expect(Interest.isWritable(Interest.both)).toBe(true)
  })

  // Interest, PollEvent.Flags and Reactor.Ready share names with other values (priority: 4 here, 16 and 32 there), so
  // each has its own brand. Each `@ts-expect-error` below is a mix that must not type-check (`npm run check` fails if
  // it does); what the line returns when run shows the wrong answer the type error saves.
  it("the guards refuse poller flags and readiness bits", () => {
    // @ts-expect-error PollEvent.hangup (4) would read as priority interest
    expect(Interest.isPriority(PollEvent.hangup)).toBe(true)
    // @ts-expect-error and PollEvent.priority (16) as no priority at all
    expect(Interest.isPriority(PollEvent.priority)).toBe(false)
    // @ts-expect-error Reactor.readClosed (4) would read as priority interest
    expect(Interest.isPriority(Reactor.readClosed)).toBe(true)
    // @ts-expect-error Reactor.priority (32) is no interest bit
    expect(Interest.isPriority(Reactor.priority)).toBe(false)
  })

  it("combine, remove and an Interest binding refuse poller flags and readiness bits", () => {
    // @ts-expect-error readable and a hang-up would combine into readable and priority interest
    expect(Interest.combine(Interest.readable, PollEvent.hangup)).toBe(5)
    // @ts-expect-error Reactor.writable is readiness, not an interest
    expect(pipe(Interest.both, Interest.remove(Reactor.writable))).toBe(Interest.readable)
    // @ts-expect-error PollEvent.writable is a poller flag, not an interest
    const fromFlags: Interest.Interest = PollEvent.writable
    // @ts-expect-error Reactor.readClosed is readiness, not an interest
    const fromReady: Interest.Interest = Reactor.readClosed
    expect([fromFlags, fromReady]).toEqual([Interest.writable, Interest.priority])
    // An Interest is still a number where a number is asked for.
    const bits: number = Interest.both
    expect(bits).toBe(3)
  })

  it("isInterest accepts exactly the integers made of known bits", () => {
    for (const interest of all) expect(Interest.isInterest(interest)).toBe(true)
    for (const bad of [8, 9, 16, -1, 1.5, NaN, Infinity, "1", null, undefined, 1n]) {
      expect(Interest.isInterest(bad)).toBe(false)
    }
  })
})
