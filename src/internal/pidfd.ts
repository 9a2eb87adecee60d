/**
 * `Pidfd`: a process's pidfd registered with the reactor, its exit status, and signals sent through it.
 *
 * Reaping. In Node every child is started by libuv (node:child_process), and libuv reaps it: on SIGCHLD it
 * waitpid()s each of its children, and a waitpid that says ECHILD makes it drop that child without ever reporting the
 * exit, so the ChildProcess would never emit 'exit'. A pidfd must therefore never reap. The exit is read in two steps:
 *
 * 1. wait until the pidfd is readable: the process has exited (zombie or already reaped: pidfd_open(2) reports both
 *    as readable, and readiness stays, so the cached readiness of the registration is enough);
 * 2. waitid(P_PIDFD, WEXITED | WNOHANG | WNOWAIT), which reads the status and leaves the zombie to its reaper.
 *
 * Step 2 answers ECHILD when libuv reaped first (or the process is not our child). Then the status comes from the
 * ChildProcess when there is one: libuv sets `exitCode` / `signalCode` from the exit callback of the very waitpid that
 * reaped, before JavaScript sees anything else — except that, when several children exit at once, callbacks of the
 * earlier ones (and the microtasks they schedule) run before the later ones' fields are set; the 'exit' event is
 * waited for in that case. Without a ChildProcess the status is `Unavailable`. Either order gives the same answer.
 *
 * A pidfd of a ChildProcess is only opened while the child is known unreaped (no exit reported yet, and waitid does
 * not say ECHILD): an unreaped pid cannot be reused, so the pidfd refers to that child and not to a successor.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { ChildProcess } from "node:child_process"
import * as Os from "node:os"
import { IoError } from "../IoError.js"
import type * as Api from "../Pidfd.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import { EAGAIN } from "./errno.js"
import * as interest from "./interest.js"
import * as ioError from "./ioError.js"
import { binding } from "./native.js"
import * as resource from "./resource.js"
import { show } from "./show.js"
import type { Source } from "./source.js"

const ECHILD = Os.constants.errno.ECHILD
const { CLD_DUMPED, CLD_EXITED, CLD_KILLED } = binding.constants
const signals: Readonly<Record<string, number>> = Os.constants.signals

// Aliases share a number (SIGIOT/SIGABRT, SIGPOLL/SIGIO): the first name wins, as in Node's own signal names.
const signalNames: ReadonlyMap<number, NodeJS.Signals> = (() => {
  const map = new Map<number, NodeJS.Signals>()
  for (const [name, signo] of Object.entries(signals)) {
    if (!map.has(signo)) map.set(signo, name as NodeJS.Signals)
  }
  return map
})()

/** @internal */
export const exited = (code: number): Api.ExitStatus => Data.struct({ _tag: "Exited" as const, code })

/** @internal */
export const signaled = (signo: number): Api.ExitStatus =>
  Data.struct({ _tag: "Signaled" as const, signal: signalNames.get(signo), signo })

/** @internal */
export const unavailable: Api.ExitStatus = Data.struct({ _tag: "Unavailable" as const })

/** @internal */
export const isExited = (self: Api.ExitStatus): self is Api.Exited => self._tag === "Exited"

/** @internal */
export const isSignaled = (self: Api.ExitStatus): self is Api.Signaled => self._tag === "Signaled"

/** @internal */
export const isUnavailable = (self: Api.ExitStatus): self is Api.Unavailable => self._tag === "Unavailable"

/** @internal */
export const match = <A, B = A, C = A>(
  self: Api.ExitStatus,
  cases: {
    readonly onExited: (code: number) => A
    readonly onSignaled: (signal: NodeJS.Signals | undefined, signo: number) => B
    readonly onUnavailable: () => C
  }
): A | B | C => {
  switch (self._tag) {
    case "Exited":
      return cases.onExited(self.code)
    case "Signaled":
      return cases.onSignaled(self.signal, self.signo)
    case "Unavailable":
      return cases.onUnavailable()
  }
}

const fromSiginfo = (siginfo: { readonly code: number; readonly status: number }): Api.ExitStatus | undefined =>
  siginfo.code === CLD_EXITED
    ? exited(siginfo.status)
    : siginfo.code === CLD_KILLED || siginfo.code === CLD_DUMPED
    ? signaled(siginfo.status)
    : undefined

// What node:child_process knows once libuv has reaped the child; undefined before.
const reportedExit = (child: ChildProcess): Api.ExitStatus | undefined =>
  child.signalCode !== null
    ? signaled(signals[child.signalCode] ?? 0)
    : child.exitCode !== null
    ? exited(child.exitCode)
    : undefined

const childExit = (child: ChildProcess): Effect.Effect<Api.ExitStatus> =>
  Effect.async<Api.ExitStatus>((resume) => {
    const known = reportedExit(child)
    if (known !== undefined) {
      resume(Effect.succeed(known))
      return
    }
    const onExit = () => resume(Effect.succeed(reportedExit(child) ?? unavailable))
    child.once("exit", onExit)
    return Effect.sync(() => void child.off("exit", onExit))
  })

const notFound = (message: string): IoError => new IoError({ reason: "NotFound", syscall: "pidfd_open", message })

/** @internal */
export class PidfdImpl implements Api.Pidfd {
  constructor(
    readonly source: Source,
    readonly pid: number,
    private readonly child: ChildProcess | undefined,
    private status: Api.ExitStatus | undefined
  ) {}

  get fd(): number {
    return this.source.fd
  }

  get closed(): boolean {
    return this.source.closed
  }

  get exit(): Effect.Effect<Api.ExitStatus, IoError> {
    return Effect.suspend(() => {
      if (this.status !== undefined) return Effect.succeed(this.status)
      return Effect.flatMap(this.source.ready("readable", "waitid"), () => this.readExit())
    })
  }

  private readExit(): Effect.Effect<Api.ExitStatus, IoError> {
    if (this.status !== undefined) return Effect.succeed(this.status)
    if (this.source.closed) return Effect.fail(ioError.closed("waitid"))
    const result = binding.pidfdWaitExit(this.source.fd)
    if (typeof result === "object") {
      const status = fromSiginfo(result)
      if (status !== undefined) return Effect.succeed(this.settle(status))
      const message = `waitid reported si_code ${result.code} for an exited process`
      return Effect.fail(new IoError({ reason: "Os", syscall: "waitid", message }))
    }
    if (result === -ECHILD) {
      return this.child === undefined
        ? Effect.succeed(this.settle(unavailable))
        : Effect.map(childExit(this.child), (status) => this.settle(status))
    }
    // -EAGAIN cannot follow readiness (a readable pidfd is an exited process); like any other errno it is typed.
    return Effect.fail(ioError.fromErrno(result, "waitid"))
  }

  private settle(status: Api.ExitStatus): Api.ExitStatus {
    this.status = status
    return status
  }

  kill(signal: NodeJS.Signals | number = "SIGTERM"): Effect.Effect<void, IoError> {
    return Effect.suspend(() => {
      const signo = typeof signal === "string" ? signals[signal] : signal
      if (signo === undefined) {
        return Effect.fail(ioError.invalidArgument("pidfd_send_signal", `unknown signal ${show(signal)}`))
      }
      if (this.source.closed) return Effect.fail(ioError.closed("pidfd_send_signal"))
      let result: number
      try {
        result = binding.pidfdSendSignal(this.source.fd, signo)
      } catch (error) {
        // A signal number out of range, or not a number: the boundary's RangeError / TypeError.
        return Effect.fail(ioError.fromThrown(error, "pidfd_send_signal"))
      }
      return result < 0 ? Effect.fail(ioError.fromErrno(result, "pidfd_send_signal")) : Effect.void
    })
  }

  get close(): Effect.Effect<void> {
    return Effect.sync(() => this.source.close())
  }
}

/** What the pidfd of a ChildProcess knows at open: the child, and its exit when waitid already reported it. */
interface Found {
  readonly child?: ChildProcess
  readonly status?: Api.ExitStatus
}

const acquire = (
  pid: unknown,
  setup: (pid: number, fd: number) => Found
): Effect.Effect<PidfdImpl, IoError, ReactorRuntime | Scope.Scope> =>
  resource.acquireSource("Pidfd.open", { interest: interest.READABLE, syscall: "pidfd_open", kind: "pidfd" }, () => {
    if (typeof pid !== "number" || !Number.isInteger(pid) || pid < 1 || pid > 0x7fffffff) {
      throw ioError.invalidArgument("pidfd_open", `pid must be a positive integer, got ${show(pid)}`)
    }
    const fd = binding.pidfdOpen(pid)
    try {
      return { fd, pid, found: setup(pid, fd) }
    } catch (error) {
      binding.close(fd)
      throw error
    }
  }, (source, { found, pid }) => new PidfdImpl(source, pid, found.child, found.status))

/** @internal */
export const open = (pid: number): Effect.Effect<PidfdImpl, IoError, ReactorRuntime | Scope.Scope> =>
  acquire(pid, () => ({}))

/** @internal */
export const fromChildProcess = (
  child: ChildProcess
): Effect.Effect<PidfdImpl, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.suspend(() => {
    if (!(child instanceof ChildProcess)) {
      return Effect.fail(ioError.invalidArgument("pidfd_open", "child must be a ChildProcess"))
    }
    // Reaped already: its pid may name another process by now.
    if (reportedExit(child) !== undefined) return Effect.fail(notFound("the child process has already exited"))
    if (child.pid === undefined) return Effect.fail(notFound("the child process was never started"))
    return acquire(child.pid, (_, fd) => {
      const result = binding.pidfdWaitExit(fd)
      // ECHILD: libuv reaped it and its exit callback has not run yet (another child's ran first).
      if (result === -ECHILD) throw notFound("the child process has already exited")
      if (typeof result === "number" && result !== -EAGAIN) throw ioError.fromErrno(result, "waitid")
      const status = typeof result === "object" ? fromSiginfo(result) : undefined
      return status === undefined ? { child } : { child, status }
    })
  })
