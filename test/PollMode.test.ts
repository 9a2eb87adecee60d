import { describe, expect, it } from "@effect/vitest"
import * as pollMode from "../src/internal/pollMode.js"
import * as PollMode from "../src/PollMode.js"

describe("PollMode", () => {
  it("defaults to oneshot", () => {
    expect(PollMode.defaultMode).toBe("oneshot")
  })

  it("lists every mode in native-code order", () => {
    expect(PollMode.modes).toEqual(["oneshot", "level", "edge", "edgeOneshot"])
    expect(PollMode.modes.map(pollMode.toNative)).toEqual([0, 1, 2, 3])
  })

  it("toNative maps each mode to its code", () => {
    expect(pollMode.toNative("oneshot")).toBe(0)
    expect(pollMode.toNative("level")).toBe(1)
    expect(pollMode.toNative("edge")).toBe(2)
    expect(pollMode.toNative("edgeOneshot")).toBe(3)
  })

  it("matches the addon's MODE_* constants", async () => {
    const { binding } = await import("../src/internal/native.js")
    expect(pollMode.toNative("oneshot")).toBe(binding.constants.MODE_ONESHOT)
    expect(pollMode.toNative("level")).toBe(binding.constants.MODE_LEVEL)
    expect(pollMode.toNative("edge")).toBe(binding.constants.MODE_EDGE)
    expect(pollMode.toNative("edgeOneshot")).toBe(binding.constants.MODE_EDGE_ONESHOT)
  })

  it("isPollMode accepts the four names only", () => {
    for (const mode of PollMode.modes) expect(PollMode.isPollMode(mode)).toBe(true)
    for (const bad of ["Oneshot", "edge-oneshot", "toString", "constructor", "", 0, null, undefined, {}]) {
      expect(PollMode.isPollMode(bad)).toBe(false)
    }
  })

  it("isEdge and isOneshot classify every mode", () => {
    expect(PollMode.modes.filter(PollMode.isEdge)).toEqual(["edge", "edgeOneshot"])
    expect(PollMode.modes.filter(PollMode.isOneshot)).toEqual(["oneshot", "edgeOneshot"])
  })
})
