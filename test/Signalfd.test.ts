/**
 * Signalfd: real signals to this process — from itself and from a child — with Node's threads (V8 workers, a busy
 * libuv threadpool) running. Signals whose default action ends the process (SIGUSR2, SIGHUP) are used on purpose:
 * if any thread took one instead of the fd, this test process would die and the file would fail.
 *
 * Also: every thread's mask while held and after release, pending signals dropped at close, holds counted across
 * two Signalfds, bad input, the main-thread rule, fd counts and interruption, the native boundary, the docs example.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { addonPath, binding } from "../src/internal/native.js"
import * as internal from "../src/internal/signalfd.js"
import * as Reactor from "../src/Reactor.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as Signalfd from "../src/Signalfd.js"
import { expectError, interruptParked } from "./utils/boundary.js"
import { startChild } from "./utils/child.js"
import { runExample } from "./utils/examples.js"
import { fdCount } from "./utils/fds.js"
import { eventually } from "./utils/sockets.js"

const here = Path.dirname(fileURLToPath(import.meta.url))
const { SIGHUP, SIGUSR2 } = Os.constants.signals
const { SIGRTMAX, SIGRTMIN } = binding.constants

const failureReason = <A, E extends { readonly reason: string }>(exit: Exit.Exit<A, E>): string | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.reason : undefined

/** Every thread's blocked-signal mask, from /proc (SigBlk). */
const masks = (): Map<string, bigint> => {
  const result = new Map<string, bigint>()
  for (const tid of Fs.readdirSync("/proc/self/task")) {
    try {
      const status = Fs.readFileSync(`/proc/self/task/${tid}/status`, "utf8")
      result.set(tid, BigInt(`0x${/^SigBlk:\s*([0-9a-f]+)$/m.exec(status)![1]}`))
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return result
}

const bit = (signo: number): bigint => 1n << BigInt(signo - 1)

/** The process's pending set for process-directed signals (ShdPnd). */
const sharedPending = (): bigint =>
  BigInt(`0x${/^ShdPnd:\s*([0-9a-f]+)$/m.exec(Fs.readFileSync("/proc/self/status", "utf8"))![1]}`)

/** Whether every thread blocks `signo` now. */
const blockedEverywhere = (signo: number): boolean =>
  Array.from(masks().values()).every((mask) => (mask & bit(signo)) !== 0n)

/** Whether the threads seen in `before` that still exist have their mask from then. */
const masksAsIn = (before: ReadonlyMap<string, bigint>): boolean => {
  const now = masks()
  return Array.from(before).every(([tid, mask]) => !now.has(tid) || now.get(tid) === mask)
}

/** Keeps libuv's threadpool busy (hashing) until the scope closes. */
const busyThreadpool = Effect.acquireRelease(
  Effect.sync(() => {
    const state = { running: true }
    const spin = (): void => {
      if (state.running) Crypto.pbkdf2("secret", "salt", 20_000, 32, "sha256", spin)
    }
    for (let i = 0; i < 4; i++) spin()
    return state
  }),
  (state) => Effect.sync(() => void (state.running = false))
)

/** Starts the threadpool's threads, so the masks below include them. */
const warmThreadpool = Effect.promise(() => Fs.promises.readFile(fileURLToPath(import.meta.url)))

describe("Signalfd", () => {
  it.live("receives signals sent to the process by itself, with pid, uid and code, while Node's threads run", () =>
    Effect.gen(function*() {
      yield* warmThreadpool
      const before = masks()
      expect(blockedEverywhere(SIGUSR2)).toBe(false)
      yield* Effect.scoped(Effect.gen(function*() {
        yield* busyThreadpool
        const signalfd = yield* Signalfd.make(["SIGUSR2", SIGRTMIN + 1])
        expect(signalfd.signals).toEqual([SIGUSR2, SIGRTMIN + 1])
        expect(blockedEverywhere(SIGUSR2)).toBe(true)
        expect(blockedEverywhere(SIGRTMIN + 1)).toBe(true)
        // One at a time: a standard signal does not queue, and each must arrive.
        for (let i = 0; i < 50; i++) {
          process.kill(process.pid, "SIGUSR2")
          const info = yield* signalfd.receive
          expect(info).toMatchObject({
            signo: SIGUSR2,
            signal: "SIGUSR2",
            code: 0,
            pid: process.pid,
            uid: process.getuid!()
          })
        }
        // Real-time signals queue: 20 sent at once are 20 received, in the stream.
        for (let i = 0; i < 20; i++) process.kill(process.pid, SIGRTMIN + 1)
        const infos = Array.from(yield* Stream.runCollect(Stream.take(signalfd.received, 20)))
        expect(infos.map((info) => info.signal)).toEqual(Array(20).fill("SIGRTMIN+1"))
        expect(infos.every((info) => info.pid === process.pid)).toBe(true)
      }))
      expect(internal.held().size).toBe(0)
      // A thread inside some signal handler shows that handler's mask for a moment: look again until it returns.
      yield* eventually(() => masksAsIn(before))
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("decodes the sender pid of a signal sent from another process", () =>
    Effect.scoped(
      Effect.gen(function*() {
        const signalfd = yield* Signalfd.make(["SIGUSR2"])
        const child = startChild(["-e", `process.kill(${process.pid}, "SIGUSR2")`], 20_000)
        const info = yield* signalfd.receive
        const result = yield* Effect.promise(() => child.done)
        expect(result.code).toBe(0)
        expect(info).toMatchObject({ signal: "SIGUSR2", code: 0, pid: child.process.pid, uid: process.getuid!() })
      }).pipe(Effect.provide(ReactorRuntime.layer))
    ))

  it.live("a signal still pending at close is dropped; then the process's own listeners get the signal again", () =>
    Effect.gen(function*() {
      const heard: Array<string> = []
      const listener = (signal: string) => void heard.push(signal)
      process.on("SIGUSR2", listener)
      yield* Effect.addFinalizer(() => Effect.sync(() => process.off("SIGUSR2", listener)))
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Signalfd.make(["SIGUSR2"])
        process.kill(process.pid, "SIGUSR2")
        // Held: pending for the process, not handed to Node's listener.
        yield* eventually(() => (sharedPending() & bit(SIGUSR2)) !== 0n)
        expect(heard).toEqual([])
      }))
      expect(sharedPending() & bit(SIGUSR2)).toBe(0n)
      expect(heard).toEqual([])
      process.kill(process.pid, "SIGUSR2")
      yield* eventually(() => heard.length === 1)
    }).pipe(Effect.scoped, Effect.provide(ReactorRuntime.layer)))

  it.live("holds are counted: a signal stays blocked until its last Signalfd closes", () =>
    Effect.gen(function*() {
      const before = masks()
      const both = yield* Effect.scoped(Effect.gen(function*() {
        const first = yield* Signalfd.make(["SIGUSR2"])
        const second = yield* Effect.scoped(Effect.gen(function*() {
          const second = yield* Signalfd.make(["SIGHUP", "SIGUSR2"])
          expect(internal.held()).toEqual(new Map([[SIGHUP, 1], [SIGUSR2, 2]]))
          process.kill(process.pid, "SIGHUP")
          expect((yield* second.receive).signal).toBe("SIGHUP")
          return second
        }))
        expect(second.closed).toBe(true)
        expect(internal.held()).toEqual(new Map([[SIGUSR2, 1]]))
        expect(blockedEverywhere(SIGUSR2)).toBe(true)
        process.kill(process.pid, "SIGUSR2")
        expect((yield* first.receive).signal).toBe("SIGUSR2")
        return [first, second]
      }))
      expect(both.every((signalfd) => signalfd.closed)).toBe(true)
      expect(internal.held().size).toBe(0)
      yield* eventually(() => masksAsIn(before))
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("bad input is InvalidArgument, and leaves no fd, no hold and no mask behind", () =>
    Effect.gen(function*() {
      const before = fdCount()
      const masksBefore = masks()
      const bad: ReadonlyArray<unknown> = [
        [],
        ["SIGFOO"],
        [0],
        [65],
        [32],
        [1.5],
        ["SIGKILL"],
        ["SIGSTOP"],
        ["SIGSEGV"],
        ["SIGBUS"],
        ["SIGRTMAX"],
        [SIGRTMAX],
        ["SIGRTMIN+40"],
        ["SIGRTMIN-1"],
        ["SIGUSR2", "SIGILL"],
        [null],
        "SIGUSR2",
        null
      ]
      for (const signals of bad) {
        const exit = yield* Effect.exit(Effect.scoped(Signalfd.make(signals as Array<Signalfd.Signal>)))
        expect(failureReason(exit), JSON.stringify(signals)).toBe("InvalidArgument")
      }
      expect(fdCount()).toBe(before)
      expect(internal.held().size).toBe(0)
      expect(masksAsIn(masksBefore)).toBe(true)
      // The names that do work.
      expect(internal.signalNumber("SIGRTMIN")).toBe(SIGRTMIN)
      expect(internal.signalNumber("SIGRTMIN+2")).toBe(SIGRTMIN + 2)
      expect(internal.signalNumber("SIGRTMAX-1")).toBe(SIGRTMAX - 1)
      expect(internal.signalNumber(SIGUSR2)).toBe(SIGUSR2)
      expect(internal.nameOf(SIGRTMIN + 3)).toBe("SIGRTMIN+3")
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("a thread that blocks the carrier but not the signal is Unsupported, and everything is undone", () =>
    Effect.gen(function*() {
      yield* warmThreadpool
      const self = Fs.readlinkSync("/proc/thread-self").split("/").pop()!
      const [tid] = Array.from(masks()).find(([id, mask]) => id !== self && (mask & bit(SIGUSR2)) === 0n)!
      // Another real-time signal carries this change, since the thread is about to block the usual carrier.
      const other = SIGRTMAX - 1
      expect(binding.threadSigmask(Number(tid), "block", [SIGRTMAX], other, 5000)).not.toContain(SIGRTMAX)
      const before = masks()
      try {
        const exit = yield* Effect.exit(Effect.scoped(Signalfd.make(["SIGUSR2"])))
        expect(failureReason(exit)).toBe("Unsupported")
        expect(internal.held().size).toBe(0)
        yield* eventually(() => masksAsIn(before))
      } finally {
        binding.threadSigmask(Number(tid), "unblock", [SIGRTMAX], other, 5000)
      }
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("is refused in a worker thread: the masks are process-wide", () =>
    Effect.gen(function*() {
      const code = `
        const { parentPort, workerData } = require("node:worker_threads")
        ;(async () => {
          const { tsImport } = await import("tsx/esm/api")
          const { Effect, Exit } = await import("effect")
          const Signalfd = await tsImport(workerData.signalfd, workerData.parent)
          const ReactorRuntime = await tsImport(workerData.runtime, workerData.parent)
          const exit = await Effect.runPromiseExit(
            Effect.scoped(Signalfd.make(["SIGUSR2"])).pipe(Effect.provide(ReactorRuntime.layer))
          )
          const failed = Exit.isFailure(exit) && exit.cause._tag === "Fail"
          parentPort.postMessage(failed ? exit.cause.error.reason : String(exit))
        })().catch((error) => parentPort.postMessage(String(error)))
      `
      const worker = new Worker(code, {
        eval: true,
        workerData: {
          signalfd: Path.join(here, "..", "src", "Signalfd.ts"),
          runtime: Path.join(here, "..", "src", "ReactorRuntime.ts"),
          parent: import.meta.url
        }
      })
      yield* Effect.addFinalizer(() => Effect.promise(() => worker.terminate()))
      const answer = yield* Effect.async<unknown>((resume) => {
        worker.once("message", (message) => resume(Effect.succeed(message)))
      })
      expect(answer).toBe("Unsupported")
      expect(internal.held().size).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(ReactorRuntime.layer)))

  it.live("the scope closes its fd; an interrupted receive and stream leave no fd, hold or registration", () =>
    Effect.gen(function*() {
      const reactor = yield* Reactor.Reactor
      const before = fdCount()
      const masksBefore = masks()
      yield* Effect.scoped(Effect.gen(function*() {
        const signalfd = yield* Signalfd.make(["SIGUSR2"])
        expect(fdCount()).toBe(before + 1)
        yield* interruptParked(signalfd, Stream.runDrain(signalfd.received))
        yield* interruptParked(signalfd, signalfd.receive)
        yield* signalfd.close
        expect(failureReason(yield* Effect.exit(signalfd.receive))).toBe("Closed")
        expect(failureReason(yield* Effect.exit(Stream.runDrain(signalfd.received)))).toBe("Closed")
      }))
      expect(fdCount()).toBe(before)
      expect(reactor.registrations).toBe(0)
      expect(internal.held().size).toBe(0)
      yield* eventually(() => masksAsIn(masksBefore))
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it("the native boundary names each bad argument; threadSigmask reports -errno", () => {
    const call = (name: "signalfd" | "sigmask" | "threadSigmask", ...args: Array<unknown>) => () =>
      Reflect.apply(binding[name] as (...args: Array<unknown>) => unknown, binding, args)
    const self = Number(Fs.readlinkSync("/proc/thread-self").split("/").pop())
    expectError(call("signalfd", SIGUSR2), TypeError, /"signals"/)
    expectError(call("signalfd", ["SIGUSR2"]), TypeError, /"signals"/)
    expectError(call("signalfd", [0]), RangeError, /"signals"/)
    expectError(call("signalfd", [65]), RangeError, /"signals"/)
    expectError(call("signalfd", [32]), RangeError, /"signals"/)
    expectError(call("signalfd", [33]), RangeError, /"signals"/)
    expectError(call("signalfd", [2.5]), RangeError, /"signals"/)
    expectError(call("signalfd", Array(65).fill(1)), RangeError, /"signals"/)
    expectError(call("sigmask", "mask", []), RangeError, /"how"/)
    expectError(call("sigmask", 0, []), TypeError, /"how"/)
    expectError(call("sigmask", "block", [NaN]), RangeError, /"signals"/)
    expectError(call("threadSigmask", 0, "block", [], SIGRTMAX, 10), RangeError, /"tid"/)
    expectError(call("threadSigmask", self, "both", [], SIGRTMAX, 10), RangeError, /"how"/)
    expectError(call("threadSigmask", self, "block", {}, SIGRTMAX, 10), TypeError, /"signals"/)
    expectError(call("threadSigmask", self, "block", [], SIGUSR2, 10), RangeError, /"carrier"/)
    expectError(call("threadSigmask", self, "block", [], SIGRTMAX, -1), RangeError, /"timeoutMs"/)
    expectError(call("threadSigmask", self, "block", [], SIGRTMAX, 60001), RangeError, /"timeoutMs"/)
    // sigmask answers the previous mask; an empty change reads it.
    const previous = binding.sigmask("block", [SIGRTMIN + 4])
    expect(previous).not.toContain(SIGRTMIN + 4)
    expect(binding.sigmask("unblock", [SIGRTMIN + 4])).toContain(SIGRTMIN + 4)
    expect(binding.sigmask("block", [])).toEqual(previous)
    // The calling thread can carry to itself: its handler runs on return from the syscall.
    expect(binding.threadSigmask(self, "block", [SIGRTMIN + 4], SIGRTMAX, 5000)).toEqual(previous)
    expect(binding.sigmask("unblock", [SIGRTMIN + 4])).toContain(SIGRTMIN + 4)
    // Another thread: when the call returns, the change is in force (its /proc status shows it at once).
    const [other] = Array.from(masks()).find(([tid, mask]) => tid !== String(self) && (mask & bit(SIGRTMAX)) === 0n)!
    const rt5 = bit(SIGRTMIN + 5)
    // The carrier's handler changes the mask the kernel restores when it returns. Should it run nested in another
    // handler on that thread (a process-directed signal an earlier test sent, a SIGCHLD), the outer handler's return
    // restores the mask it saved: the change is undone. Rare, outside our control, and seen once in many runs; so the
    // pair gets three tries, and must work in one (an implementation that never applies a change fails all three).
    const pair = (): boolean => {
      const before = binding.threadSigmask(Number(other), "block", [SIGRTMIN + 5], SIGRTMAX, 5000)
      const blocked = (masks().get(other)! & rt5) === rt5
      const during = binding.threadSigmask(Number(other), "unblock", [SIGRTMIN + 5], SIGRTMAX, 5000)
      const unblocked = (masks().get(other)! & rt5) === 0n
      // Each call answers the mask it replaced: open before the block, blocked before the unblock.
      return Array.isArray(before) && !before.includes(SIGRTMIN + 5) && blocked && Array.isArray(during) &&
        during.includes(SIGRTMIN + 5) && unblocked
    }
    expect(pair() || pair() || pair()).toBe(true)
    // A thread of another process (pid 1's): ESRCH.
    expect(binding.threadSigmask(1, "block", [], SIGRTMAX, 10)).toBe(-Os.constants.errno.ESRCH)
    // A thread of ours that blocks every signal, the carrier included (Node's inspector signal thread): it never
    // runs the handler, so the call gives up; the handler stays installed for the carrier still pending there.
    const [deaf] = Array.from(masks()).find(([, mask]) => (mask & bit(SIGRTMAX - 2)) !== 0n)!
    expect(binding.threadSigmask(Number(deaf), "block", [], SIGRTMAX - 2, 20)).toBe(-Os.constants.errno.ETIMEDOUT)
  })

  // Regression (issue 11): a carrier taken after its request had timed out still applied the request (or the next
  // request's fields), so a change reported as ETIMEDOUT could happen later after all.
  it("a request that timed out is never applied by its late carrier", async () => {
    const carrier = SIGRTMAX - 3
    const signal = SIGRTMIN + 6
    // A Worker's thread blocks the carrier itself, so the request cannot be served until it unblocks it.
    const worker = new Worker(
      `
      const { parentPort, workerData } = require("node:worker_threads")
      const binding = require(workerData.addonPath)
      const tid = Number(require("node:fs").readlinkSync("/proc/thread-self").split("/").pop())
      binding.sigmask("block", [workerData.carrier])
      parentPort.postMessage(tid)
      parentPort.once("message", () => {
        // The pending carrier runs its handler on return from this call.
        binding.sigmask("unblock", [workerData.carrier])
        parentPort.postMessage(binding.sigmask("block", []))
      })
    `,
      { eval: true, workerData: { addonPath, carrier } }
    )
    try {
      const next = () => new Promise<unknown>((resolve) => worker.once("message", resolve))
      const tid = (await next()) as number
      expect(binding.threadSigmask(tid, "block", [signal], carrier, 50)).toBe(-Os.constants.errno.ETIMEDOUT)
      const answer = next()
      worker.postMessage("unblock")
      const mask = (await answer) as Array<number>
      expect(mask).not.toContain(signal)
      expect(mask).not.toContain(carrier)
    } finally {
      await worker.terminate()
    }
  })

  it("docs/examples/signalfd.ts runs, prints the signals it got and ends by itself", async () => {
    // Signals whose default action ends the process (SIGUSR2, SIGHUP): ending cleanly shows none escaped the fd.
    const lines = await runExample("signalfd.ts")
    const own = /^SIGUSR2 from pid (\d+) \(this process\)$/.exec(lines[0]!)
    const fromChild = /^SIGHUP from pid (\d+) \(a child process\)$/.exec(lines[1]!)
    expect(own).not.toBeNull()
    expect(fromChild).not.toBeNull()
    expect(fromChild![1]).not.toBe(own![1])
    expect(lines.slice(2)).toEqual([
      "SIGRTMIN+1 x3 (real-time signals queue)",
      "after close: SIGUSR2 reached process.on",
      "done"
    ])
  }, 70_000)
})
