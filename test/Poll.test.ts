/**
 * `Poll`: constructors, guards, match, map (both calling styles), structural equality and hashing,
 * the one shared `Pending`, and how a poll prints.
 */
import { describe, expect, it } from "@effect/vitest"
import { Equal, FastCheck as fc, Hash, HashSet, pipe } from "effect"
import * as Util from "node:util"
import * as Poll from "../src/Poll.js"

const polls: fc.Arbitrary<Poll.Poll<number>> = fc.oneof(
  fc.constant(Poll.pending),
  fc.integer({ min: -5, max: 5 }).map(Poll.ready)
)

describe("Poll", () => {
  it("ready carries its value; pending is one shared, frozen value", () => {
    const ready = Poll.ready("hello")
    expect(ready._tag).toBe("Ready")
    expect(Poll.isReady(ready) && ready.value).toBe("hello")
    expect(Poll.pending._tag).toBe("Pending")
    expect(Object.isFrozen(Poll.pending)).toBe(true)
    // Every way of producing Pending yields the very same object.
    expect(Poll.map(Poll.pending, (n: number) => n + 1)).toBe(Poll.pending)
    expect(pipe(Poll.pending as Poll.Poll<number>, Poll.map((n) => n + 1))).toBe(Poll.pending)
    expect(Poll.ready(1)).not.toBe(Poll.ready(1))
  })

  it("carries its type id", () => {
    expect(Poll.TypeId).toBe(Symbol.for("effect-reactor/Poll"))
    expect(Poll.TypeId in Poll.pending).toBe(true)
    expect(Poll.TypeId in Poll.ready(0)).toBe(true)
  })

  it("isPoll accepts polls only", () => {
    expect(Poll.isPoll(Poll.pending)).toBe(true)
    expect(Poll.isPoll(Poll.ready(undefined))).toBe(true)
    for (const other of [{ _tag: "Pending" }, { _tag: "Ready", value: 1 }, null, undefined, 0, "Pending", []]) {
      expect(Poll.isPoll(other)).toBe(false)
    }
  })

  it.prop("isReady and isPending are complementary and agree with _tag", [polls], ([poll]) => {
    expect(Poll.isReady(poll)).toBe(poll._tag === "Ready")
    expect(Poll.isPending(poll)).toBe(!Poll.isReady(poll))
  })

  it("match folds each case, data-first and data-last", () => {
    const options = { onPending: () => "not yet", onReady: (n: number) => `got ${n}` }
    expect(Poll.match(Poll.ready(2), options)).toBe("got 2")
    expect(Poll.match(Poll.pending, options)).toBe("not yet")
    expect(pipe(Poll.ready(3), Poll.match(options))).toBe("got 3")
    expect(pipe(Poll.pending, Poll.match(options))).toBe("not yet")
  })

  it.prop("map is the same data-first and data-last, and obeys the functor laws", [polls], ([poll]) => {
    const f = (n: number) => n * 3
    const g = (n: number) => n - 7
    expect(Equal.equals(Poll.map(poll, f), pipe(poll, Poll.map(f)))).toBe(true)
    expect(Equal.equals(Poll.map(poll, (n) => n), poll)).toBe(true)
    expect(Equal.equals(Poll.map(Poll.map(poll, f), g), Poll.map(poll, (n) => g(f(n))))).toBe(true)
    if (Poll.isReady(poll)) {
      const mapped = Poll.map(poll, f)
      expect(Poll.isReady(mapped) && mapped.value).toBe(f(poll.value))
    }
  })

  it("map does not call f on Pending", () => {
    let calls = 0
    Poll.map(Poll.pending, () => calls++)
    expect(calls).toBe(0)
  })

  it.prop("equality is structural, and equal polls hash alike", [polls, polls], ([a, b]) => {
    const same = a._tag === b._tag && (a._tag === "Pending" || (b._tag === "Ready" && a.value === b.value))
    expect(Equal.equals(a, b)).toBe(same)
    expect(Equal.equals(b, a)).toBe(same)
    if (same) expect(Hash.hash(a)).toBe(Hash.hash(b))
  })

  it("equality looks through Equal values and tells Ready from Pending", () => {
    expect(Equal.equals(Poll.ready(Poll.ready(1)), Poll.ready(Poll.ready(1)))).toBe(true)
    expect(Equal.equals(Poll.ready(Poll.ready(1)), Poll.ready(Poll.ready(2)))).toBe(false)
    expect(Equal.equals(Poll.ready(undefined), Poll.pending)).toBe(false)
    expect(Equal.equals(Poll.pending, Poll.ready(undefined))).toBe(false)
    expect(Equal.equals(Poll.ready(1), { _tag: "Ready", value: 1 })).toBe(false)
    // Hashing works on the frozen Pending too (and is stable), so polls can live in a HashSet.
    expect(Hash.hash(Poll.pending)).toBe(Hash.hash(Poll.pending))
    const set = HashSet.make(Poll.ready(1), Poll.ready(1), Poll.pending, Poll.pending, Poll.ready(2))
    expect(HashSet.size(set)).toBe(3)
  })

  it("toJSON, toString and inspect show the tag and value", () => {
    expect(Poll.ready(1).toJSON()).toEqual({ _id: "Poll", _tag: "Ready", value: 1 })
    expect(Poll.pending.toJSON()).toEqual({ _id: "Poll", _tag: "Pending" })
    expect(JSON.parse(JSON.stringify(Poll.ready("a")))).toEqual({ _id: "Poll", _tag: "Ready", value: "a" })
    expect(JSON.parse(String(Poll.ready({ n: 1 })))).toEqual({ _id: "Poll", _tag: "Ready", value: { n: 1 } })
    expect(JSON.parse(String(Poll.pending))).toEqual({ _id: "Poll", _tag: "Pending" })
    expect(Util.inspect(Poll.ready(1))).toBe("{ _id: 'Poll', _tag: 'Ready', value: 1 }")
    expect(Util.inspect(Poll.pending)).toBe("{ _id: 'Poll', _tag: 'Pending' }")
  })

  it("pipe applies functions left to right", () => {
    const result = Poll.ready(1).pipe(Poll.map((n) => n + 1), Poll.map((n) => n * 10))
    expect(Equal.equals(result, Poll.ready(20))).toBe(true)
  })
})
