/**
 * Pidfd on real child processes: exit codes and signals, both orders of reading the status and libuv reaping the
 * child, a process that is not our child, interruption, errors, fd counts, and the docs example.
 *
 * The order is forced, not hoped for: inside `ReactorRuntime.runBlockingExit` Node's loop does not turn, so libuv cannot reap and
 * the status is read from the zombie; waiting for the ChildProcess's 'exit' event first means libuv has reaped.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import { binding } from "../src/internal/native.js"
import * as Pidfd from "../src/Pidfd.js"
import * as Reactor from "../src/Reactor.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import { interruptParked } from "./utils/boundary.js"
import { runExample } from "./utils/examples.js"
import { fdCount } from "./utils/fds.js"
import { awaitParked, cachedReadiness } from "./utils/registration.js"
import { eventually } from "./utils/sockets.js"

const failure = <A, E extends { readonly reason: string; readonly code?: string | undefined }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail"
    ? { reason: exit.cause.error.reason, code: exit.cause.error.code }
    : undefined

const SLEEPER = "setInterval(() => {}, 1 << 30)"

interface Started {
  readonly child: ChildProcess
  /** Resolves on 'close': the child has exited and its stdio pipes (fds of this process) are closed. */
  readonly closed: Promise<void>
}

const track = (child: ChildProcess): Started => {
  // A spawn failure is an 'error' event; without a listener it would be thrown.
  child.on("error", () => {})
  return { child, closed: new Promise((resolve) => child.once("close", () => resolve())) }
}

/** A child `node -e script`, SIGKILLed (if still running) and waited for when the scope closes. */
const node = (script: string, stdio: "ignore" | "pipe" = "ignore"): Effect.Effect<Started, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => track(spawn(process.execPath, ["-e", script], { stdio }))),
    ({ child, closed }) =>
      Effect.promise(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
        return closed
      })
  )

const closedOf = (started: Started) => Effect.promise(() => started.closed)

/** The 'exit' event: libuv has reaped the child. */
const exitEvent = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })

/** The state letter of /proc/<pid>/stat: "Z" for a zombie nobody has reaped. */
const processState = (pid: number): string => {
  const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  return stat.charAt(stat.lastIndexOf(")") + 2)
}

/** Opens what the runtime opens lazily for children (libuv's SIGCHLD pipe), so fd counts compare like with like. */
const warm = Effect.scoped(Effect.flatMap(node("0"), closedOf))

/** Runs `body` in a scope of its own, then checks that every fd it opened is closed. */
const leakFree = <A, E, R>(body: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    yield* warm
    const before = fdCount()
    yield* Effect.scoped(body)
    expect(fdCount()).toBe(before)
  })

const exited = (code: number) => ({ _tag: "Exited", code })
const killedBy = (signal: NodeJS.Signals, signo: number) => ({ _tag: "Signaled", signal, signo })
const unavailable = { _tag: "Unavailable" }

describe("Pidfd", () => {
  it.live("read before libuv reaps (the dedicated loop): Exited(3) for both opens; libuv still reports 3", () =>
    leakFree(Effect.gen(function*() {
      const started = yield* node("process.exit(3)")
      const { child } = started
      const result = ReactorRuntime.runBlockingExit(
        Effect.scoped(Effect.gen(function*() {
          const byChild = yield* Pidfd.fromChildProcess(child)
          const byPid = yield* Pidfd.open(child.pid!)
          expect(byPid.pid).toBe(child.pid)
          return [yield* byChild.exit, yield* byPid.exit, yield* byChild.exit]
        })).pipe(Effect.timeout("20 seconds"))
      )
      expect(Exit.isSuccess(result) && result.value).toEqual([exited(3), exited(3), exited(3)])
      // Node's loop has not turned since: the child is a zombie nobody reaped, and Node has not seen it exit.
      expect(child.exitCode).toBe(null)
      expect(processState(child.pid!)).toBe("Z")
      // libuv reaps it now and reports the same code: the pidfd took nothing from it.
      yield* closedOf(started)
      expect(child.exitCode).toBe(3)
    })))

  it.live("libuv reaps first: fromChildProcess answers from the ChildProcess, open by pid is Unavailable", () =>
    leakFree(Effect.gen(function*() {
      // It exits with 5 when its stdin ends: when the test says so.
      const started = yield* node("process.stdin.resume().on('end', () => process.exit(5))", "pipe")
      const { child } = started
      const byChild = yield* Pidfd.fromChildProcess(child)
      const byPid = yield* Pidfd.open(child.pid!)
      expect(yield* byChild.kill(0)).toBeUndefined()
      child.stdin!.end()
      yield* exitEvent(child)
      expect(child.exitCode).toBe(5)
      expect(yield* byChild.exit).toEqual(exited(5))
      expect(yield* byPid.exit).toEqual(unavailable)
      // Reaped: no process is left to signal.
      expect(failure(yield* Effect.exit(byChild.kill("SIGTERM")))).toEqual({ reason: "NotFound", code: "ESRCH" })
      yield* closedOf(started)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("SIGKILL through the pidfd: Signaled from waitid (dedicated loop) and from the ChildProcess (reaped)", () =>
    leakFree(Effect.gen(function*() {
      const zombie = yield* node(SLEEPER)
      const result = ReactorRuntime.runBlockingExit(
        Effect.scoped(Effect.gen(function*() {
          const pidfd = yield* Pidfd.fromChildProcess(zombie.child)
          yield* pidfd.kill("SIGKILL")
          return yield* pidfd.exit
        })).pipe(Effect.timeout("20 seconds"))
      )
      expect(Exit.isSuccess(result) && result.value).toEqual(killedBy("SIGKILL", 9))
      expect(zombie.child.signalCode).toBe(null)
      yield* closedOf(zombie)
      expect(zombie.child.signalCode).toBe("SIGKILL")

      const reaped = yield* node(SLEEPER)
      const pidfd = yield* Pidfd.fromChildProcess(reaped.child)
      yield* pidfd.kill(9)
      yield* exitEvent(reaped.child)
      expect(yield* pidfd.exit).toEqual(killedBy("SIGKILL", 9))
      yield* closedOf(reaped)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("children of node:child_process in Node's loop: each exit equals what the ChildProcess reports", () =>
    leakFree(Effect.gen(function*() {
      // Several at once, so libuv reaps some in one batch while the pidfds race it.
      const codes = [0, 1, 7, 42, 255]
      const children = yield* Effect.forEach(codes, (code) => node(`process.exit(${code})`))
      const pidfds = yield* Effect.forEach(children, ({ child }) => Pidfd.fromChildProcess(child))
      const statuses = yield* Effect.forEach(pidfds, (pidfd) => pidfd.exit, { concurrency: "unbounded" })
      expect(statuses).toEqual(codes.map(exited))
      yield* Effect.forEach(children, closedOf)
      expect(children.map(({ child }) => child.exitCode)).toEqual(codes)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("read between two exit callbacks of one libuv reaping pass: the 'exit' event is waited for", () =>
    leakFree(Effect.gen(function*() {
      const reactor = yield* Reactor.Reactor
      const first = yield* node("process.exit(11)")
      const second = yield* node("process.exit(12)")
      const pidfds = [yield* Pidfd.fromChildProcess(first.child), yield* Pidfd.fromChildProcess(second.child)]
      // Turn the reactor by hand, so Node's loop (and libuv's SIGCHLD handling) does not run, until both pidfds are
      // readable: both children are zombies, and libuv will reap them in one pass, then call back one after the other.
      const readable = () => pidfds.every((pidfd) => (cachedReadiness(pidfd) & Reactor.readable) !== 0)
      for (let i = 0; i < 100 && !readable(); i++) reactor.turn(100)
      expect(readable()).toBe(true)
      expect([first, second].map(({ child }) => processState(child.pid!))).toEqual(["Z", "Z"])
      // In the first exit callback the other child is reaped already (waitid says ECHILD) but its ChildProcess does not
      // know yet: the status must come from its 'exit' event.
      const windows: Array<readonly [ChildProcess, Fiber.RuntimeFiber<Pidfd.ExitStatus, unknown>]> = []
      const pairs = [[first, second, pidfds[1]!], [second, first, pidfds[0]!]] as const
      for (const [self, other, otherPidfd] of pairs) {
        self.child.once("exit", () => {
          if (other.child.exitCode !== null || binding.pidfdWaitExit(otherPidfd.fd) !== -Os.constants.errno.ECHILD) {
            return
          }
          // The fiber runs in the microtasks Node drains after this callback, before the next one.
          windows.push([other.child, Effect.runFork(otherPidfd.exit)])
        })
      }
      yield* Effect.forEach([first, second], closedOf)
      // Exactly one callback came first, and the read it started gave the other child's real status.
      expect(windows.length).toBe(1)
      const [other, fiber] = windows[0]!
      expect(yield* Fiber.join(fiber)).toEqual(exited(other.exitCode!))
      expect(yield* Effect.forEach(pidfds, (pidfd) => pidfd.exit)).toEqual([exited(11), exited(12)])
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("a process that is not our child: signals reach it, its exit is Unavailable", () =>
    leakFree(Effect.gen(function*() {
      // The grandchild is its parent's child: only that parent can read (and reaps) its status.
      const parent = yield* node(
        `const c = require("node:child_process").spawn(process.execPath, ["-e", ${JSON.stringify(SLEEPER)}], ` +
          `{ stdio: "ignore" }); console.log(c.pid); ` +
          `c.on("exit", (code, signal) => { console.log("grandchild " + signal); process.exit(0) })`,
        "pipe"
      )
      let output = ""
      parent.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
      yield* eventually(() => output.includes("\n"))
      const grandchild = Number(output.split("\n")[0])
      const pidfd = yield* Pidfd.open(grandchild)
      expect(pidfd.pid).toBe(grandchild)
      yield* pidfd.kill("SIGKILL")
      expect(yield* pidfd.exit).toEqual(unavailable)
      yield* closedOf(parent)
      expect(output).toContain("grandchild SIGKILL")
      expect(parent.child.exitCode).toBe(0)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("interruption while waiting leaves no waker; the wait can start again; closing ends a wait", () =>
    leakFree(Effect.gen(function*() {
      const { child } = yield* node(SLEEPER)
      const pidfd = yield* Pidfd.fromChildProcess(child)
      yield* interruptParked(pidfd, pidfd.exit)
      expect(child.exitCode === null && child.signalCode === null).toBe(true)
      const again = yield* Effect.fork(pidfd.exit)
      yield* awaitParked(pidfd)
      yield* pidfd.kill()
      expect(yield* Fiber.join(again)).toEqual(killedBy("SIGTERM", 15))

      const other = yield* node(SLEEPER)
      const closing = yield* Pidfd.fromChildProcess(other.child)
      const pending = yield* Effect.fork(closing.exit)
      yield* awaitParked(closing)
      yield* closing.close
      expect(failure(yield* Effect.exit(Fiber.join(pending)))?.reason).toBe("Closed")
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("errors: bad pids, a pid no process has, an exited or never started child, bad signals, Closed", () =>
    leakFree(Effect.gen(function*() {
      const invalid = { reason: "InvalidArgument", code: undefined }
      for (const pid of [0, -1, 1.5, 2 ** 31, NaN, "1" as unknown as number]) {
        expect(failure(yield* Effect.exit(Pidfd.open(pid))), String(pid)).toEqual(invalid)
      }
      const pidMax = Number(Fs.readFileSync("/proc/sys/kernel/pid_max", "utf8"))
      expect(failure(yield* Effect.exit(Pidfd.open(pidMax + 1)))).toEqual({ reason: "NotFound", code: "ESRCH" })
      const dead = yield* node("0")
      yield* closedOf(dead)
      expect(failure(yield* Effect.exit(Pidfd.open(dead.child.pid!)))).toEqual({ reason: "NotFound", code: "ESRCH" })
      expect(failure(yield* Effect.exit(Pidfd.fromChildProcess(dead.child)))?.reason).toBe("NotFound")
      const never = track(spawn("/nonexistent/effect-reactor-binary", [], { stdio: "ignore" }))
      expect(never.child.pid).toBeUndefined()
      expect(failure(yield* Effect.exit(Pidfd.fromChildProcess(never.child)))?.reason).toBe("NotFound")
      yield* Effect.promise(() => never.closed)
      const notAChild = { pid: process.pid } as unknown as ChildProcess
      expect(failure(yield* Effect.exit(Pidfd.fromChildProcess(notAChild)))).toEqual(invalid)

      const { child } = yield* node(SLEEPER)
      const pidfd = yield* Pidfd.fromChildProcess(child)
      for (const signal of ["SIGNOPE" as NodeJS.Signals, 65, -1, 1.5]) {
        expect(failure(yield* Effect.exit(pidfd.kill(signal))), String(signal)).toEqual(invalid)
      }
      yield* pidfd.kill("SIGKILL")
      const status = yield* pidfd.exit
      yield* pidfd.close
      expect(pidfd.closed).toBe(true)
      // A status already read is still known; anything needing the fd is Closed.
      expect(yield* pidfd.exit).toEqual(status)
      expect(failure(yield* Effect.exit(pidfd.kill(0)))).toEqual({ reason: "Closed", code: undefined })
      const unread = yield* Pidfd.open(process.pid)
      yield* unread.close
      expect(failure(yield* Effect.exit(unread.exit))).toEqual({ reason: "Closed", code: undefined })
      yield* pidfd.close
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it("the docs example runs and prints the statuses", async () => {
    const lines = await runExample("pidfd.ts")
    const [, quitter, sleeper] = lines[0]?.match(/^started child (\d+) \(exits with 3\) and child (\d+) \(sleeps\)$/) ??
      []
    expect(lines).toEqual([
      `started child ${quitter} (exits with 3) and child ${sleeper} (sleeps)`,
      `child ${quitter} exited with code 3`,
      `sent SIGKILL to child ${sleeper} through its pidfd`,
      `child ${sleeper} was killed by SIGKILL`
    ])
  }, 90_000)
})
