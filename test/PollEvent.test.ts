import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Interest from "../src/Interest.js"
import * as PollEvent from "../src/PollEvent.js"
import * as Reactor from "../src/Reactor.js"

const accessors = [
  [PollEvent.isReadable, 1],
  [PollEvent.isWritable, 2],
  [PollEvent.isHangup, 4],
  [PollEvent.isError, 8],
  [PollEvent.isPriority, 16]
] as const

/** Raw flag words, as a native wait writes them, read as `Flags` (what `forEach` does for a batch). */
const flags = (bits: number): PollEvent.Flags => bits as PollEvent.Flags

const collect = (events: Uint32Array, count: number): Array<[number, number]> => {
  const seen: Array<[number, number]> = []
  PollEvent.forEach(events, count, (key, flags) => seen.push([key, flags]))
  return seen
}

describe("PollEvent", () => {
  it("has the native flag values", () => {
    expect([PollEvent.readable, PollEvent.writable, PollEvent.hangup, PollEvent.error, PollEvent.priority])
      .toEqual([1, 2, 4, 8, 16])
  })

  it("matches the addon's EVENT_* constants", async () => {
    const { binding } = await import("../src/internal/native.js")
    expect(PollEvent.readable).toBe(binding.constants.EVENT_READABLE)
    expect(PollEvent.writable).toBe(binding.constants.EVENT_WRITABLE)
    expect(PollEvent.hangup).toBe(binding.constants.EVENT_HANGUP)
    expect(PollEvent.error).toBe(binding.constants.EVENT_ERROR)
    expect(PollEvent.priority).toBe(binding.constants.EVENT_PRIORITY)
  })

  it("each accessor tests its own bit and nothing else", () => {
    for (let bits = 0; bits < 64; bits++) {
      for (const [accessor, bit] of accessors) {
        expect(accessor(flags(bits))).toBe((bits & bit) !== 0)
      }
    }
  })

  describe("format", () => {
    it("names flags in bit order", () => {
      expect(PollEvent.format(flags(PollEvent.readable | PollEvent.hangup))).toBe("readable|hangup")
      expect(PollEvent.format(flags(PollEvent.hangup | PollEvent.readable))).toBe("readable|hangup")
      expect(PollEvent.format(flags(31))).toBe("readable|writable|hangup|error|priority")
      expect(PollEvent.format(PollEvent.error)).toBe("error")
      expect(PollEvent.format(flags(PollEvent.writable | PollEvent.priority))).toBe("writable|priority")
    })

    it("says none for no flags", () => {
      expect(PollEvent.format(flags(0))).toBe("none")
    })

    it("keeps unknown bits visible in hex", () => {
      expect(PollEvent.format(flags(1 | 32))).toBe("readable|0x20")
      expect(PollEvent.format(flags(0x80000000))).toBe("0x80000000")
      expect(PollEvent.format(flags(0xffffffff))).toBe("readable|writable|hangup|error|priority|0xffffffe0")
    })

    it("has one name per set bit", () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 31 }), (bits) => {
        const names = PollEvent.format(flags(bits)).split("|")
        let set = 0
        for (let bit = 1; bit <= 16; bit <<= 1) if (bits & bit) set++
        expect(names.length).toBe(set)
      }))
    })
  })

  describe("forEach", () => {
    it("visits the first count pairs in order", () => {
      const events = Uint32Array.of(7, 1, 9, 2 | 4, 11, 8, 99, 99)
      expect(collect(events, 3)).toEqual([[7, 1], [9, 6], [11, 8]])
      expect(collect(events, 1)).toEqual([[7, 1]])
    })

    it("visits nothing for a count of zero, negative or NaN", () => {
      const events = Uint32Array.of(1, 1, 2, 2)
      expect(collect(events, 0)).toEqual([])
      expect(collect(events, -1)).toEqual([])
      expect(collect(events, NaN)).toEqual([])
    })

    it("never reads past the batch", () => {
      const events = Uint32Array.of(1, 1, 2, 2, 3)
      expect(collect(events, 10)).toEqual([[1, 1], [2, 2]])
    })

    it("passes full 32-bit keys through", () => {
      expect(collect(Uint32Array.of(0xfffffffe, 1), 1)).toEqual([[0xfffffffe, 1]])
    })
  })

  // Three bit sets share names with other values (priority: 4 in Interest, 16 here, 32 in Reactor.Ready), so each
  // has its own brand. Each `@ts-expect-error` below is a mix that must not type-check (`npm run check` fails if it
  // does); what the line returns when run shows the wrong answer the type error saves.
  describe("Flags, a bit set of its own", () => {
    it("shares names, not values, with Interest and Reactor.Ready", () => {
      expect([Interest.priority, PollEvent.priority, Reactor.priority]).toEqual([4, 16, 32])
      expect([Interest.readable, PollEvent.readable, Reactor.readable]).toEqual([1, 1, 1])
    })

    it("forEach hands each event's flags over as Flags, which the accessors take", () => {
      const seen: Array<string> = []
      PollEvent.forEach(Uint32Array.of(7, PollEvent.readable | PollEvent.hangup), 1, (_key, bits) => {
        const typed: PollEvent.Flags = bits
        seen.push(PollEvent.format(typed))
        seen.push(String([PollEvent.isReadable(bits), PollEvent.isHangup(bits), PollEvent.isPriority(bits)]))
        // @ts-expect-error an event's flags are no Interest
        seen.push(String(Interest.isPriority(bits)))
        // @ts-expect-error nor readiness bits: readable|hangup would read as readable|readClosed
        seen.push(Reactor.isReadClosed({ tick: 0, ready: bits }) ? "readClosed" : "open")
      })
      expect(seen).toEqual(["readable|hangup", "true,true,false", "true", "readClosed"])
    })

    it("the accessors and format refuse an Interest", () => {
      // @ts-expect-error Interest.priority (4) would read as a hang-up
      expect(PollEvent.isHangup(Interest.priority)).toBe(true)
      // @ts-expect-error and not as priority data
      expect(PollEvent.isPriority(Interest.priority)).toBe(false)
      // @ts-expect-error an Interest is not Flags
      expect(PollEvent.format(Interest.both)).toBe("readable|writable")
      // @ts-expect-error Interest.priority (4) would read as a hang-up
      const flagsOfInterest: PollEvent.Flags = Interest.priority
      expect(flagsOfInterest).toBe(PollEvent.hangup)
    })

    it("the accessors and format refuse readiness bits", () => {
      // @ts-expect-error Reactor.error (16) would read as priority data
      expect(PollEvent.isPriority(Reactor.error)).toBe(true)
      // @ts-expect-error Reactor.writeClosed (8) would read as an error
      expect(PollEvent.isError(Reactor.writeClosed)).toBe(true)
      // @ts-expect-error Reactor.priority (32) is no flag this version knows
      expect(PollEvent.format(Reactor.priority)).toBe("0x20")
      // @ts-expect-error Reactor.readClosed is readiness, not a poller flag
      const flagsOfReady: PollEvent.Flags = Reactor.readClosed
      expect(flagsOfReady).toBe(PollEvent.hangup)
    })

    it("a plain number is not Flags: flags come from a batch, through forEach", () => {
      // @ts-expect-error a plain number is not Flags
      expect(PollEvent.isReadable(1)).toBe(true)
      // Flags are still numbers where a number is asked for.
      const bits: number = PollEvent.readable | PollEvent.hangup
      expect(bits).toBe(5)
    })
  })

  describe("makeBatch", () => {
    it("holds capacity pairs", () => {
      expect(PollEvent.makeBatch(1).length).toBe(2)
      expect(PollEvent.makeBatch(1024).length).toBe(2048)
      expect(PollEvent.makeBatch(3)).toBeInstanceOf(Uint32Array)
    })

    it("rejects a capacity that is not a positive integer", () => {
      for (const bad of [0, -1, 1.5, NaN, Infinity]) {
        expect(() => PollEvent.makeBatch(bad)).toThrow(RangeError)
      }
    })
  })
})
