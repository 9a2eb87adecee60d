import { describe, expect, it } from "@effect/vitest"
import { pipe } from "effect"
import * as fc from "fast-check"
import * as Interest from "../src/Interest.js"

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

  it("isInterest accepts exactly the integers made of known bits", () => {
    for (const interest of all) expect(Interest.isInterest(interest)).toBe(true)
    for (const bad of [8, 9, 16, -1, 1.5, NaN, Infinity, "1", null, undefined, 1n]) {
      expect(Interest.isInterest(bad)).toBe(false)
    }
  })
})
