/**
 * The addon under worker_threads: a Worker wakes a poller the main thread is blocked on, the addon
 * works inside a Worker, and a Worker that ends without closing its pollers leaks no fd.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { binding } from "../src/internal/native.js"
import { runChild } from "./utils/child.js"

const fixtures = Path.join(Path.dirname(fileURLToPath(import.meta.url)), "fixtures")
const { EVENT_READABLE } = binding.constants

const fdCount = (): number => Fs.readdirSync("/proc/self/fd").length
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls the fd count (at most ~3 s) until it is back to `expected`; returns the last count. */
const settledFdCount = async (expected: number): Promise<number> => {
  let count = fdCount()
  for (let i = 0; i < 60 && count !== expected; i++) {
    await sleep(50)
    count = fdCount()
  }
  return count
}

/** The worker's exit code (unlike events.once, not rejected by an "error" event). */
const exitOf = (worker: Worker): Promise<number> => new Promise((resolve) => worker.once("exit", resolve))

const startWorker = (script: string, workerData: unknown): Worker =>
  new Worker(Path.join(fixtures, script), { workerData, stdout: false, stderr: false })

/**
 * Resolves with the worker's first message, or rejects if it exits without one (Node delivers a
 * worker's pending messages before "exit"; an "error" may arrive before them).
 */
const firstMessage = <A>(worker: Worker): Promise<A> =>
  new Promise((resolve, reject) => {
    const errors: Array<unknown> = []
    worker.on("error", (error) => errors.push(error))
    worker.once("message", resolve)
    worker.once("exit", (code) => reject(new Error(`worker exited with ${code} before posting: ${errors.join("; ")}`)))
  })

interface LeakMessage {
  readonly tokens: ReadonlyArray<number>
  readonly pipe: readonly [number, number]
  /** The process's fd count once the worker had opened its pollers. */
  readonly fds: number
}

type Ending = "return" | "terminate" | "exit" | "exitInWatch" | "throwInWatch"

/** Runs worker-leak.mjs to its end; returns the tokens of the pollers it left open. */
const runLeakyWorker = async (backend: string, count: number, ending: Ending): Promise<LeakMessage> => {
  const worker = startWorker("worker-leak.mjs", { backend, count, ending })
  const errors: Array<unknown> = []
  worker.on("error", (error) => errors.push(error))
  const exited = exitOf(worker)
  const message = await firstMessage<LeakMessage>(worker)
  if (ending === "terminate") await worker.terminate()
  const code = await exited
  expect(code).toBe(ending === "terminate" || ending === "throwInWatch" ? 1 : 0)
  // A throw in a worker's watch callback is that worker's uncaught exception, reported to its parent.
  expect(errors.map((error) => (error as Error).message)).toEqual(
    ending === "throwInWatch" ? ["boom from a worker's watch"] : []
  )
  for (const fd of message.pipe) binding.close(fd)
  return message
}

describe.each(["epoll", "poll"] as const)("Poller and worker_threads (%s)", (backend) => {
  it("a Worker's notifyToken wakes the main thread blocked in wait", async () => {
    const poller = new binding.Poller({ backend })
    try {
      const state = new Int32Array(new SharedArrayBuffer(8))
      const worker = startWorker("worker-notify.mjs", { token: poller.notifyToken, shared: state.buffer, delayMs: 50 })
      const exited = exitOf(worker)
      const errors: Array<unknown> = []
      worker.on("error", (error) => errors.push(error))
      Atomics.store(state, 0, 1)
      Atomics.notify(state, 0)
      const started = performance.now()
      const count = poller.wait(new Uint32Array(8), 5000)
      const elapsed = performance.now() - started
      // The worker had started notifying when the wait returned: it was the notify that ended it.
      const notifying = Atomics.load(state, 1)
      expect(count).toBe(0)
      expect(elapsed).toBeLessThan(4000)
      expect(notifying).not.toBe(0)
      const code = await exited
      expect(errors).toEqual([])
      expect(code).toBe(0)
      expect(Atomics.load(state, 1)).toBe(1)
      // The wake-up was consumed: the next wait times out.
      expect(poller.wait(new Uint32Array(8), 0)).toBe(0)
    } finally {
      poller.close()
    }
  })

  it("loads and works inside a Worker", async () => {
    const worker = startWorker("worker-poller.mjs", { backend })
    const exited = exitOf(worker)
    const message = await firstMessage<{
      waited: { before: number; count: number; key: number; flags: number; backend: string }
      watched: { count: number; key: number; flags: number }
    }>(worker)
    expect(message.waited).toMatchObject({ before: 0, count: 1, key: 11, backend })
    expect(message.waited.flags & EVENT_READABLE).toBe(EVENT_READABLE)
    expect(message.watched).toMatchObject({ count: 1, key: 12 })
    expect(message.watched.flags & EVENT_READABLE).toBe(EVENT_READABLE)
    const code = await exited
    expect(code).toBe(0)
  })

  describe("a Worker that ends without closing its pollers leaks no fd", () => {
    for (const ending of ["return", "terminate", "exit", "exitInWatch", "throwInWatch"] as const) {
      it(`ending by ${ending}`, async () => {
        // Whatever a first Worker opens for good (loader, platform) is not counted.
        await runLeakyWorker(backend, 1, ending)
        const before = await settledFdCount(fdCount())
        const { fds, tokens } = await runLeakyWorker(backend, 50, ending)
        expect(tokens).toHaveLength(51)
        // Each poller holds at least two fds (its notify eventfd and the backend's).
        expect(fds - before).toBeGreaterThanOrEqual(2 * 51)
        expect(await settledFdCount(before)).toBe(before)
        // Every poller the worker left open was closed with it.
        expect(tokens.filter((token) => binding.notifyToken(token))).toEqual([])
      })
    }
  })

  it("notifyToken racing close from two Workers never writes into a reused fd", async () => {
    const result = await runChild([Path.join(fixtures, "worker-notify-race.mjs"), backend, "5000"], 60_000)
    expect({ code: result.code, signal: result.signal }, result.stderr).toEqual({ code: 0, signal: null })
    const report = JSON.parse(result.stdout)
    expect(report.stray).toBe(0)
    // The race was on: the workers did wake live pollers.
    expect(report.woke).toBeGreaterThan(0)
  }, 90_000)

  // Regression: a Worker terminated while inside an addon call used to abort the whole process
  // (SIGABRT, "terminate called after throwing an instance of 'Napi::Error'"): while its isolate
  // terminates napi calls fail, napi_throw included, and with NAPI_CPP_EXCEPTIONS the failed throw
  // rethrew a C++ exception out of the N-API callback. Every entry point now runs under Guarded.
  it("terminating a Worker in the middle of addon calls ends the worker, not the process", async () => {
    const result = await runChild([Path.join(fixtures, "worker-terminate.mjs"), backend, "5"], 60_000)
    expect({ code: result.code, signal: result.signal }, result.stderr).toEqual({ code: 0, signal: null })
    expect(JSON.parse(result.stdout)).toEqual({ survived: true, terminated: 20 })
  }, 90_000)

  // Regression (issue 11): terminate() of a Worker blocked in wait never resolved, and the process could not exit.
  it("a Worker blocked in wait ends when terminated; a message to it ends one wait early, not every wait", async () => {
    const result = await runChild([Path.join(fixtures, "worker-blocked.mjs"), backend], 30_000)
    expect({ code: result.code, signal: result.signal, timedOut: result.timedOut }, result.stderr).toEqual({
      code: 0,
      signal: null,
      timedOut: false
    })
    const report = JSON.parse(result.stdout)
    expect(report.ended).toBe(true)
    // The messages ended a wait or two (the first wait may also see what the loop had pending when it began), and
    // the Worker blocked again: no busy loop.
    expect(report.early).toBeGreaterThanOrEqual(1)
    expect(report.early).toBeLessThanOrEqual(2)
  }, 60_000)

  it("a Worker's end closes the fds it owns (created or adopted), never the ones it handed out", async () => {
    const link = (fd: number): string | undefined => {
      try {
        return Fs.readlinkSync(`/proc/self/fd/${fd}`)
      } catch {
        return undefined
      }
    }
    const [adopt, peer] = binding.socketpair()
    const adopted = link(adopt)
    const worker = startWorker("worker-owned-fds.mjs", { adopt })
    const exited = exitOf(worker)
    const { read, write } = await firstMessage<{ read: number; write: number }>(worker)
    const pipe = link(write)
    expect(await exited).toBe(0)
    // Closed when the worker ended (the number may already name another file); the handed-out end stays open.
    expect(link(adopt)).not.toBe(adopted)
    expect(link(read)).not.toBe(pipe)
    expect(link(write)).toBe(pipe)
    binding.close(write)
    binding.close(peer)
  })

  it("notifyToken is false for a closed poller and for a token never issued", () => {
    const poller = new binding.Poller({ backend })
    const token = poller.notifyToken
    const other = new binding.Poller({ backend })
    try {
      expect(binding.notifyToken(token)).toBe(true)
      poller.close()
      expect(binding.notifyToken(token)).toBe(false)
      // Tokens are never reused: a newer poller's token differs from the closed one's.
      expect(other.notifyToken).not.toBe(token)
      expect(binding.notifyToken(other.notifyToken)).toBe(true)
      for (const never of [0, other.notifyToken + 1_000_000, 2 ** 53 - 1]) {
        expect(binding.notifyToken(never)).toBe(false)
      }
    } finally {
      poller.close()
      other.close()
    }
  })
})
