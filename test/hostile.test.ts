/**
 * Hostile values at the public API (test/fixtures/hostile-api.ts, in a child process): every public constructor and
 * method that takes input, called thousands of times with random values of every kind and on closed resources, ends
 * in a success or a typed failure (or, for the future face's plain functions, a TypeError/RangeError naming the
 * argument) — never a defect, a throw from an Effect function, a hang or a crash.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { runChild } from "./utils/child.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

describe("the public API under hostile values", () => {
  it("4000 random calls: typed failures or successes only, and the process ends cleanly", async () => {
    // The child picks a random seed (or HOSTILE_SEED) and reports it.
    const result = await runChild(
      ["--import", "tsx", Path.join(root, "test", "fixtures", "hostile-api.ts")],
      120_000,
      root
    )
    const report = JSON.parse(result.stdout.trim().split("\n").pop() ?? "{}") as {
      readonly seed: number
      readonly outcomes: Record<string, number>
      readonly violations: ReadonlyArray<string>
      readonly count: number
    }
    expect(
      { code: result.code, signal: result.signal, timedOut: result.timedOut, violations: report.violations },
      `seed ${report.seed} (rerun with HOSTILE_SEED=${report.seed}); stderr: ${result.stderr.slice(0, 2000)}`
    ).toEqual({ code: 0, signal: null, timedOut: false, violations: [] })
    // The calls reached the code under test: most inputs are refused with a typed error, some succeed.
    expect(report.outcomes["failed typed"]).toBeGreaterThan(1000)
    expect(report.outcomes["succeeded"]).toBeGreaterThan(100)
  }, 150_000)
})
