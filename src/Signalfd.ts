/**
 * Signals as an fd (signalfd(2)): a `Stream` of the signals this process receives, each with its number, sender pid
 * and uid, and the rest of the kernel's `signalfd_siginfo`.
 *
 * How it works in a Node process. signalfd only reads signals that are blocked, and the kernel gives a
 * process-directed signal (kill(2), `process.kill`, `kill` in a shell) to any thread that does not block it. Node
 * runs threads of its own — V8's platform workers, libuv's threadpool — that block almost nothing, so blocking the
 * signal in the JavaScript thread alone does not work: a worker thread takes the signal and runs its default action
 * (SIGUSR2 and SIGTERM end the process). So `make` blocks the signals in every thread of the process: the JavaScript
 * thread with pthread_sigmask(3), and each other thread by asking it, with the real-time signal `SIGRTMAX`, to change
 * its own mask. When the scope closes and no other `Signalfd` holds a signal any more, its pending instances are read
 * and dropped (closing never runs their default action), and every thread that was changed is unblocked again.
 *
 * What follows from that, precisely:
 * - While a signal is held, it reaches only the `Signalfd`s that hold it: `process.on("SIGINT", ...)` listeners and
 *   native handlers for it do not run, and two `Signalfd`s holding the same signal each get some of its instances.
 * - Standard signals (1 to 31) do not queue: several sent before a read may arrive as one. Real-time signals
 *   (`"SIGRTMIN"`, `"SIGRTMIN+1"`, ...) queue, each with the value `sigqueue(3)` sent.
 * - `SIGRTMAX` is reserved (it carries the mask changes). SIGKILL and SIGSTOP cannot be caught; the fault signals
 *   (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS) are refused, since blocking them would bypass V8's own
 *   handlers. Holding SIGCHLD stops libuv from noticing child exits (`child_process` events), holding SIGUSR1 stops
 *   `node --inspect` activation by signal, holding SIGPROF starves `--cpu-prof`.
 * - Threads that start while a signal is held inherit the block and keep it afterwards (harmless: the JavaScript
 *   thread takes the signal again). A signal sent to one specific thread (tgkill(2)) is read only by that thread.
 * - `make` is available on the main thread only (the masks are process-wide; the bookkeeping is in the main
 *   isolate); in a worker it fails with `Unsupported`. It fails with `Unsupported` too if another library has a
 *   handler on `SIGRTMAX`.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as internal from "./internal/signalfd.js"
import type { IoError } from "./IoError.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"

/**
 * A signal: a name (`"SIGUSR2"`, `"SIGRTMIN+2"`, `"SIGRTMAX-1"`) or a number.
 *
 * @example
 * ```ts
 * import type { Signalfd } from "effect-reactor"
 *
 * const wanted: ReadonlyArray<Signalfd.Signal> = ["SIGTERM", "SIGHUP", "SIGRTMIN+1"]
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Signal = NodeJS.Signals | "SIGRTMIN" | `SIGRTMIN+${number}` | `SIGRTMAX-${number}` | number

/**
 * One received signal, decoded from the kernel's `struct signalfd_siginfo` (signalfd(2)).
 *
 * - `signo` and `signal` (its name, `"SIGRTMIN+n"` for real-time signals).
 * - `code`: how it was sent (siginfo's `si_code`): 0 `SI_USER` (kill(2)), -1 `SI_QUEUE` (sigqueue(3)), -6 `SI_TKILL`
 *   (tgkill(2)), 128 `SI_KERNEL`; for SIGCHLD the `CLD_*` codes.
 * - `pid` and `uid`: the sender's process id and real user id (for kill, sigqueue and tgkill), the child's for
 *   SIGCHLD.
 * - `status`: SIGCHLD's exit status or signal; `value` / `pointer`: what sigqueue(3) sent; `utime` / `stime`:
 *   SIGCHLD's child CPU times (clock ticks); `fd` / `band`: SIGIO's; `timerId` / `overrun`: a POSIX timer's;
 *   `errno`: rarely set.
 *
 * @example
 * ```ts
 * import type { Signalfd } from "effect-reactor"
 *
 * const describe = (info: Signalfd.SignalInfo): string => `${info.signal} from pid ${info.pid}`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface SignalInfo {
  readonly signo: number
  readonly signal: string
  readonly errno: number
  readonly code: number
  readonly pid: number
  readonly uid: number
  readonly fd: number
  readonly timerId: number
  readonly band: number
  readonly overrun: number
  readonly status: number
  readonly value: number
  readonly pointer: bigint
  readonly utime: bigint
  readonly stime: bigint
}

/**
 * An open signalfd.
 *
 * - `signals`: the numbers it reads, sorted.
 * - `receive`: the next signal (waits while none is pending).
 * - `received`: the `Stream` of every signal, in the order the kernel queued them; fails once closed.
 * - `close`: release now (the scope's release is then a no-op).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Signalfd } from "effect-reactor"
 *
 * const senderOfNext = (signalfd: Signalfd.Signalfd) => Effect.map(signalfd.receive, (info) => info.pid)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Signalfd {
  readonly fd: number
  readonly signals: ReadonlyArray<number>
  readonly closed: boolean
  readonly receive: Effect.Effect<SignalInfo, IoError>
  readonly received: Stream.Stream<SignalInfo, IoError>
  readonly close: Effect.Effect<void>
}

/**
 * Opens a signalfd for `signals` in the current scope, blocking them in every thread of the process until the
 * scope closes (see the module notes). Fails with `InvalidArgument` (an empty list, an unknown or refused signal),
 * `Unsupported` (not the main thread; `SIGRTMAX` taken by another handler; a thread that blocks `SIGRTMAX` but not
 * the signals), `TimedOut` (a thread did not change its mask within a second: it is stopped), or the errno of
 * signalfd(2).
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { ReactorRuntime, Signalfd } from "effect-reactor"
 *
 * // Waits for SIGTERM or SIGINT and says who sent it.
 * const shutdownRequest = Effect.scoped(
 *   Effect.gen(function*() {
 *     const signalfd = yield* Signalfd.make(["SIGTERM", "SIGINT"])
 *     const info = yield* signalfd.receive
 *     return `${info.signal} from pid ${info.pid}`
 *   })
 * ).pipe(Effect.provide(ReactorRuntime.layer))
 *
 * // Or every SIGHUP as a stream.
 * const reloads = Stream.unwrapScoped(Effect.map(Signalfd.make(["SIGHUP"]), (signalfd) => signalfd.received))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (signals: ReadonlyArray<Signal>) => Effect.Effect<Signalfd, IoError, ReactorRuntime | Scope.Scope> =
  internal.make
