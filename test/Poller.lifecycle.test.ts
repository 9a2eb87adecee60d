/**
 * Poller lifecycle, each case in a child process (test/fixtures/poller-lifecycle.mjs): create/close
 * cycles leak neither fds nor memory, the process exits exactly when nothing referenced is registered,
 * a throwing or self-closing watch callback is safe, and GC closes a dropped poller.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { binding } from "../src/internal/native.js"
import { type ChildResult, startChild } from "./utils/child.js"

const fixtures = Path.join(Path.dirname(fileURLToPath(import.meta.url)), "fixtures")
const script = Path.join(fixtures, "poller-lifecycle.mjs")
const { EVENT_READABLE } = binding.constants

/** Starts `poller-lifecycle.mjs <args>`; SIGKILLs it after `timeoutMs`. */
const start = (args: ReadonlyArray<string>, timeoutMs: number) =>
  startChild(["--expose-gc", script, ...args], timeoutMs)

const run = (args: ReadonlyArray<string>, timeoutMs: number) => start(args, timeoutMs).done

const lastJson = (result: ChildResult) => JSON.parse(result.stdout.trim().split("\n").pop()!)

/** Asserts a clean, self-chosen exit well before the kill timer. */
const expectExited = (result: ChildResult, timeoutMs: number, code = 0) => {
  expect({ code: result.code, signal: result.signal, timedOut: result.timedOut }, result.stderr).toEqual({
    code,
    signal: null,
    timedOut: false
  })
  expect(result.ms).toBeLessThan(timeoutMs / 2)
}

const MB = 1024 * 1024
// Under AddressSanitizer (npm run test:asan) freed memory waits in a quarantine of up to 256 MB, so that a use after
// free is caught: RSS grows by design there, and only the fd counts are checked.
const rssLimit = process.env.EFFECT_REACTOR_SANITIZED === undefined ? 10 * MB : Infinity

describe.each(["epoll", "poll"] as const)("Poller lifecycle (%s)", (backend) => {
  it("100k create/close cycles keep the fd count and RSS flat", async () => {
    const result = await run(["cycles", backend, "100000", "10000"], 60_000)
    expectExited(result, 120_000)
    const report = lastJson(result)
    expect(report.fdEnd).toBe(report.fdStart)
    expect(report.fdWarm).toBe(report.fdStart)
    expect(report.rssEnd - report.rssWarm, `RSS grew from ${report.rssWarm} to ${report.rssEnd}`).toBeLessThan(rssLimit)
  }, 90_000)

  it("20k create/watch/close cycles keep the fd count and RSS flat", async () => {
    const result = await run(["cycles", backend, "20000", "5000", "watch"], 60_000)
    expectExited(result, 120_000)
    const report = lastJson(result)
    expect(report.fdEnd).toBe(report.fdStart)
    expect(report.rssEnd - report.rssWarm, `RSS grew from ${report.rssWarm} to ${report.rssEnd}`).toBeLessThan(rssLimit)
  }, 90_000)

  describe("the process exits when nothing referenced is registered", () => {
    it("a watch with nothing registered lets it exit", async () => {
      const result = await run(["watchEmpty", backend], 10_000)
      expectExited(result, 10_000)
      expect(result.stdout).toContain("watching")
    })

    it("a registered pipe keeps it alive until its event; deleting it in the callback lets it exit", async () => {
      const result = await run(["deleteInCallback", backend], 10_000)
      expectExited(result, 10_000)
      const event = lastJson(result)
      expect(event).toMatchObject({ count: 1, key: 5 })
      expect(event.flags & EVENT_READABLE).toBe(EVENT_READABLE)
    })

    it("an fd closed before its delete does not keep it alive after the delete", async () => {
      const result = await run(["closedBeforeDelete", backend], 10_000)
      expectExited(result, 10_000)
      // epoll forgot the file with its last fd; the poll backend holds a duplicate of its own until the delete.
      expect(lastJson(result).code).toBe(backend === "epoll" ? "EBADF" : "none")
    })

    it("unref lets it exit with a never-ready pipe registered", async () => {
      const result = await run(["neverReady", backend, "unref"], 10_000)
      expectExited(result, 10_000)
      expect(result.stdout).toContain("ready")
      // It ended before its unreferenced timer could fire.
      expect(result.stdout).not.toContain("still running")
    })

    for (const args of [[], ["unref", "ref"]]) {
      it(`a never-ready pipe keeps it alive${args.length > 0 ? " after unref then ref" : ""}`, async () => {
        const child = start(["neverReady", backend, ...args], 20_000)
        await child.output("ready", 10_000)
        // Its unreferenced timer fires: the process outlived it, kept alive by the registered pipe alone.
        await child.output("still running", 10_000)
        expect(child.process.exitCode).toBeNull()
        expect(child.process.signalCode).toBeNull()
        child.process.kill("SIGTERM")
        const result = await child.done
        expect(result.signal).toBe("SIGTERM")
        expect(result.timedOut).toBe(false)
      })
    }
  })

  it("an exception thrown in a watch callback reaches process 'uncaughtException'", async () => {
    const result = await run(["throwInCallback", backend, "handled"], 10_000)
    expectExited(result, 10_000)
    expect(lastJson(result)).toEqual({ caught: "boom from watch" })
  })

  it("an unhandled exception in a watch callback ends the process with code 1, not a signal", async () => {
    const result = await run(["throwInCallback", backend], 10_000)
    expectExited(result, 10_000, 1)
    expect(result.stderr).toContain("boom from watch")
  })

  it("closing the poller inside its own watch callback is safe and ends the callbacks", async () => {
    const result = await run(["closeInCallback", backend], 10_000)
    expectExited(result, 10_000)
    expect(lastJson(result)).toEqual({ calls: 1, closed: true, afterClose: "ERR_POLLER_CLOSED" })
  })

  it("unwatching inside the watch callback ends the callbacks", async () => {
    const result = await run(["closeInCallback", backend, "unwatch"], 10_000)
    expectExited(result, 10_000)
    expect(lastJson(result)).toEqual({ calls: 1, closed: false, afterClose: null })
  })

  it("GC of unclosed, unwatched pollers releases their fds", async () => {
    const result = await run(["gcRelease", backend], 20_000)
    expectExited(result, 20_000)
    const report = lastJson(result)
    // The 100 pollers did hold fds (at least two each) before they were dropped.
    expect(report.mid - report.start).toBeGreaterThanOrEqual(200)
    expect(report.end).toBe(report.start)
    expect(report.stillAwake).toBe(0)
  })
})
