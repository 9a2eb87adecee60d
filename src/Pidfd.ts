/**
 * Waiting for a process to exit without `SIGCHLD`: a pidfd (pidfd_open(2)) registered with the reactor, its exit
 * status, and signals sent through it (pidfd_send_signal(2), immune to pid reuse).
 *
 * A pidfd never reaps. In Node, libuv reaps every child of `node:child_process` (on `SIGCHLD`), and a child reaped by
 * anyone else would never emit 'exit'; so `exit` reads the status with `waitid(..., WNOWAIT)` and leaves the zombie
 * to libuv. When libuv has reaped first, the status comes from the `ChildProcess` given to `fromChildProcess`; a
 * process opened by pid alone then reports `Unavailable`, as does any process that is not a child of this one.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ChildProcess } from "node:child_process"
import * as internal from "./internal/pidfd.js"
import type { IoError } from "./IoError.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"

/**
 * The process exited by itself, with `code` (0 to 255).
 *
 * @example
 * ```ts
 * import type { Pidfd } from "effect-reactor"
 *
 * const succeeded = (status: Pidfd.Exited) => status.code === 0
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Exited {
  readonly _tag: "Exited"
  readonly code: number
}

/**
 * A signal ended the process: `signo`, and its name when it has one (real-time signals have none).
 *
 * @example
 * ```ts
 * import type { Pidfd } from "effect-reactor"
 *
 * const wasKilled = (status: Pidfd.Signaled) => status.signal === "SIGKILL"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Signaled {
  readonly _tag: "Signaled"
  readonly signal: NodeJS.Signals | undefined
  readonly signo: number
}

/**
 * The process has exited, but its status cannot be read here: it is not a child of this process, or its parent's
 * waiter (libuv, for `node:child_process`) reaped it first and no `ChildProcess` was given to ask.
 *
 * @example
 * ```ts
 * import type { Pidfd } from "effect-reactor"
 *
 * const unknown: Pidfd.Unavailable["_tag"] = "Unavailable"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Unavailable {
  readonly _tag: "Unavailable"
}

/**
 * How a process ended. Statuses compare structurally with `Equal.equals`.
 *
 * @example
 * ```ts
 * import { Pidfd } from "effect-reactor"
 *
 * const describe = (status: Pidfd.ExitStatus): string =>
 *   Pidfd.match(status, {
 *     onExited: (code) => `exited with ${code}`,
 *     onSignaled: (signal, signo) => `killed by ${signal ?? signo}`,
 *     onUnavailable: () => "exited"
 *   })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ExitStatus = Exited | Signaled | Unavailable

/**
 * Whether the process exited by itself.
 *
 * @example
 * ```ts
 * import { Pidfd } from "effect-reactor"
 *
 * const code = (status: Pidfd.ExitStatus) => (Pidfd.isExited(status) ? status.code : undefined)
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isExited: (self: ExitStatus) => self is Exited = internal.isExited

/**
 * Whether a signal ended the process.
 *
 * @example
 * ```ts
 * import { Pidfd } from "effect-reactor"
 *
 * const signal = (status: Pidfd.ExitStatus) => (Pidfd.isSignaled(status) ? status.signal : undefined)
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isSignaled: (self: ExitStatus) => self is Signaled = internal.isSignaled

/**
 * Whether the status could not be read.
 *
 * @example
 * ```ts
 * import { Pidfd } from "effect-reactor"
 *
 * const known = (status: Pidfd.ExitStatus) => !Pidfd.isUnavailable(status)
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isUnavailable: (self: ExitStatus) => self is Unavailable = internal.isUnavailable

/**
 * Folds an `ExitStatus`.
 *
 * @example
 * ```ts
 * import { Pidfd } from "effect-reactor"
 *
 * const failed = (status: Pidfd.ExitStatus): boolean =>
 *   Pidfd.match(status, { onExited: (code) => code !== 0, onSignaled: () => true, onUnavailable: () => false })
 * ```
 *
 * @since 0.1.0
 * @category pattern matching
 */
export const match: <A, B = A, C = A>(
  self: ExitStatus,
  cases: {
    readonly onExited: (code: number) => A
    readonly onSignaled: (signal: NodeJS.Signals | undefined, signo: number) => B
    readonly onUnavailable: () => C
  }
) => A | B | C = internal.match

/**
 * A process's pidfd.
 *
 * - `exit`: waits until the process exits, then its status (read once, then remembered). Interrupting the wait
 *   leaves nothing behind.
 * - `kill(signal)`: pidfd_send_signal(2) (default `SIGTERM`; 0 only checks). After the process has been reaped it
 *   fails with `NotFound`; an unknown signal is `InvalidArgument`.
 * - `close`: release now; a later `exit` or `kill` fails with `Closed` (a status already read is still returned).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Pidfd } from "effect-reactor"
 *
 * // Asks the process to stop, and waits for it.
 * const stop = (pidfd: Pidfd.Pidfd) => Effect.zipRight(pidfd.kill("SIGTERM"), pidfd.exit)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Pidfd {
  readonly pid: number
  readonly fd: number
  readonly closed: boolean
  readonly exit: Effect.Effect<ExitStatus, IoError>
  kill(signal?: NodeJS.Signals | number): Effect.Effect<void, IoError>
  readonly close: Effect.Effect<void>
}

/**
 * Opens a pidfd for any process, for the current scope. Fails with `NotFound` when no process has that pid (it never
 * existed, or it has exited and been reaped), `InvalidArgument` for a pid that is not a positive integer. For a child
 * of `node:child_process`, prefer `fromChildProcess`: by pid alone, its status is `Unavailable` once libuv has reaped
 * it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Pidfd, ReactorRuntime } from "effect-reactor"
 *
 * const waitFor = (pid: number) =>
 *   Effect.scoped(Effect.flatMap(Pidfd.open(pid), (pidfd) => pidfd.exit)).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const open: (pid: number) => Effect.Effect<Pidfd, IoError, ReactorRuntime | Scope.Scope> = internal.open

/**
 * Opens a pidfd for a child of `node:child_process`, for the current scope; its `exit` is right whether libuv reaps
 * the child before or after the status is read. Fails with `NotFound` when the child was never started or has
 * already exited (its `exitCode` / `signalCode` tell how), `InvalidArgument` for anything but a `ChildProcess`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { spawn } from "node:child_process"
 * import { Pidfd, ReactorRuntime } from "effect-reactor"
 *
 * const status = Effect.scoped(Effect.gen(function*() {
 *   const pidfd = yield* Pidfd.fromChildProcess(spawn("true"))
 *   return yield* pidfd.exit
 * })).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromChildProcess: (child: ChildProcess) => Effect.Effect<Pidfd, IoError, ReactorRuntime | Scope.Scope> =
  internal.fromChildProcess
