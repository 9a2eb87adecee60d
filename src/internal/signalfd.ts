/**
 * `Signalfd`: signalfd(2) in a Node process, and the signal masks that make it work.
 *
 * signalfd(2) reads only signals that are blocked, and a process-directed signal (kill(2), `process.kill`) goes to any
 * thread that does not block it (signal(7)). A Node process runs threads the JavaScript thread did not start with
 * the signal blocked: V8's platform workers (which block only SIGUSR1), libuv's threadpool (which blocks nothing)
 * and the inspector's signal thread (which blocks everything). Blocking the signal in the JavaScript thread alone is
 * therefore not enough: the kernel hands the signal to a worker, where its disposition runs (the default action
 * ends the process for SIGUSR2 or SIGTERM; an ignored or handled signal never reaches the fd).
 *
 * So a signal is blocked in every thread of the process while some `Signalfd` holds it:
 * - the JavaScript thread with pthread_sigmask;
 * - every other thread listed in /proc/self/task, with the addon's `threadSigmask`: a real-time carrier signal,
 *   `SIGRTMAX`, asks that thread to change its own mask and reports the mask it had. Passes over the list repeat
 *   until one finds every thread blocking the signals (see `blockEverywhere`); threads started meanwhile by a thread
 *   already changed inherit the mask.
 *
 * Holds are counted per signal. When the last holder of a signal is released: the signals still pending are read
 * and dropped (through a signalfd of just those signals), so closing never runs their default action; then every
 * thread this module changed is unblocked again, and the JavaScript thread too unless it had the signal blocked
 * before. Threads that had the signal blocked already (the inspector's thread, SIGUSR1 in V8's workers) are left
 * blocking it, and threads that started while the signal was held keep the mask they inherited.
 *
 * The bookkeeping lives in this module's state, so `Signalfd` is refused outside the main thread: a worker's isolate
 * would keep a second count of the same process-wide masks.
 *
 * A hold's life: ABSENT --acquire--> HELD(1) --acquire--> HELD(n + 1); HELD(n > 1) --release--> HELD(n - 1);
 * HELD(1) --release--> drained, unblocked, ABSENT.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Os from "node:os"
import { isMainThread } from "node:worker_threads"
import { IoError } from "../IoError.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import type * as Api from "../Signalfd.js"
import { EAGAIN, EPIPE } from "./errno.js"
import * as interest from "./interest.js"
import * as ioError from "./ioError.js"
import { binding } from "./native.js"
import * as resource from "./resource.js"
import { show } from "./show.js"
import type { Source } from "./source.js"

const { SIGRTMAX, SIGRTMIN } = binding.constants
const signals = Os.constants.signals
const ESRCH = Os.constants.errno.ESRCH
const EBUSY = Os.constants.errno.EBUSY

/** The real-time signal that carries mask changes to other threads: reserved, never offered to users. @internal */
export const CARRIER: number = SIGRTMAX

/** How long one thread may take to run the carrier's handler. */
const THREAD_TIMEOUT_MS = 1000
/** Passes over /proc/self/task before giving up on threads that keep starting or changing their masks. */
const MAX_PASSES = 16
/** Passes a thread that blocks the carrier (and not the signals) gets to leave a signal handler. */
const DEAF_PASSES = 3

/** The size of `struct signalfd_siginfo` (signalfd(2)). @internal */
export const SIGINFO_SIZE = 128
const BATCH = 16

// ---------------------------------------------------------------------------------------------
// Names

const numberByName: ReadonlyMap<string, number> = new Map(Object.entries(signals))

const nameByNumber: ReadonlyMap<number, string> = (() => {
  const map = new Map<number, string>()
  // Aliases share a number (SIGIOT is SIGABRT, SIGPOLL is SIGIO): the first, usual name wins.
  for (const [name, signo] of Object.entries(signals)) if (!map.has(signo)) map.set(signo, name)
  return map
})()

/** "SIGUSR2", or "SIGRTMIN+3" for a real-time signal; a number with no name is "SIG<n>". @internal */
export const nameOf = (signo: number): string =>
  nameByNumber.get(signo) ??
    (signo === SIGRTMIN
      ? "SIGRTMIN"
      : signo > SIGRTMIN && signo <= SIGRTMAX
      ? `SIGRTMIN+${signo - SIGRTMIN}`
      : `SIG${signo}`)

const realtime = /^SIGRT(MIN|MAX)(?:([+-])(\d{1,2}))?$/

const SIGKILL = signals.SIGKILL
const SIGSTOP = signals.SIGSTOP
const refused: ReadonlyMap<number, string> = new Map([
  [SIGKILL, "cannot be caught or blocked (signal(7))"],
  [SIGSTOP, "cannot be caught or blocked (signal(7))"],
  // A blocked fault signal is forced on the thread with its handler reset to the default (the kernel's
  // force_sig): V8's handlers (WebAssembly bounds checks, stack overflow) would be bypassed and the process killed.
  ...[signals.SIGSEGV, signals.SIGBUS, signals.SIGFPE, signals.SIGILL, signals.SIGTRAP, signals.SIGSYS].map((signo) =>
    [signo, "is a synchronous fault signal: blocking it would bypass V8's handlers and end the process"] as const
  ),
  [CARRIER, "is reserved: it carries signal-mask changes to Node's other threads"]
])

/** A signal name or number as its number, or the `InvalidArgument` saying why it cannot be held. @internal */
export const signalNumber = (signal: unknown): number | IoError => {
  const invalid = (why: string) => ioError.invalidArgument("signalfd", `${show(signal)} ${why}`)
  let signo: number | undefined
  if (typeof signal === "number") {
    signo = Number.isInteger(signal) && (nameByNumber.has(signal) || (signal >= SIGRTMIN && signal <= SIGRTMAX))
      ? signal
      : undefined
  } else if (typeof signal === "string") {
    const match = realtime.exec(signal)
    if (match !== null) {
      const offset = match[3] === undefined ? 0 : Number(match[3]) * (match[2] === "-" ? -1 : 1)
      const candidate = (match[1] === "MIN" ? SIGRTMIN : SIGRTMAX) + offset
      signo = candidate >= SIGRTMIN && candidate <= SIGRTMAX ? candidate : undefined
    } else {
      signo = numberByName.get(signal)
    }
  }
  if (signo === undefined) return invalid("is not a signal of this platform")
  const why = refused.get(signo)
  return why === undefined ? signo : invalid(why)
}

// ---------------------------------------------------------------------------------------------
// Masks

interface Hold {
  count: number
  /** Whether the JavaScript thread had the signal blocked before the first hold. */
  readonly blockedBefore: boolean
  /** The threads this module blocked the signal in (by tid). */
  readonly threads: Set<number>
}

const holds = new Map<number, Hold>()

/** The signals currently held, and by how many `Signalfd`s each. @internal */
export const held = (): ReadonlyMap<number, number> =>
  new Map(Array.from(holds, ([signo, hold]) => [signo, hold.count]))

/** A thread's blocked set from /proc (SigBlk, a hex mask: bit n - 1 is signal n), or undefined once it is gone. */
const blockedMask = (tid: string): bigint | undefined => {
  try {
    const match = /^SigBlk:\s*([0-9a-f]+)$/m.exec(Fs.readFileSync(`/proc/self/task/${tid}/status`, "utf8"))
    return match === null ? undefined : BigInt(`0x${match[1]}`)
  } catch {
    return undefined
  }
}

const has = (mask: bigint, signo: number): boolean => ((mask >> BigInt(signo - 1)) & 1n) === 1n

const threadFailure = (result: number, tid: string): IoError =>
  result === -EBUSY
    ? new IoError({
      reason: "Unsupported",
      syscall: "threadSigmask",
      errno: EBUSY,
      code: "EBUSY",
      message: `${nameOf(CARRIER)} has a handler installed by someone else, so thread ${tid}'s mask cannot be changed`
    })
    : ioError.fromErrno(result, "threadSigmask")

/** Unblocks what `hold`s recorded; never throws (a thread that is gone needs nothing). */
const unblock = (released: ReadonlyMap<number, Hold>): void => {
  const byThread = new Map<number, Array<number>>()
  for (const [signo, hold] of released) {
    for (const tid of hold.threads) byThread.set(tid, [...(byThread.get(tid) ?? []), signo])
  }
  for (const [tid, list] of byThread) binding.threadSigmask(tid, "unblock", list, CARRIER, THREAD_TIMEOUT_MS)
  const own = Array.from(released).filter(([, hold]) => !hold.blockedBefore).map(([signo]) => signo)
  if (own.length > 0) binding.sigmask("unblock", own)
}

/** A short synchronous pause, so that a thread seen inside a signal handler can return from it. */
const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * Blocks `fresh` (signals no one holds) in every thread; throws an `IoError` after undoing what it did.
 *
 * Each pass reads every thread's mask. A thread that has not answered a carrier yet is asked, even when its mask
 * seems to hold the signals: inside a signal handler a thread shows that handler's mask, not its own, and the mask
 * the carrier's handler reports is the real one. A thread that answered is checked again in later passes (a
 * foreign handler interrupted by the carrier restores its saved mask on return, undoing the change) and asked again
 * for what it lacks. A thread that blocks the carrier cannot be asked: it is fine when it blocks the signals too
 * (Node's inspector thread blocks everything); otherwise it is given a few pauses to leave a handler, then refused.
 * The work is done when a pass asks nothing.
 */
const blockEverywhere = (fresh: ReadonlyArray<number>): ReadonlyMap<number, Hold> => {
  if (fresh.length === 0) return new Map()
  const before = binding.sigmask("block", fresh)
  const added = new Map(
    fresh.map((signo) => [signo, { count: 1, blockedBefore: before.includes(signo), threads: new Set<number>() }])
  )
  try {
    const self = Fs.readlinkSync("/proc/thread-self").split("/").pop()!
    const answered = new Set<string>()
    let deafPasses = 0
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let asked = 0
      let deaf: string | undefined
      for (const tid of Fs.readdirSync("/proc/self/task")) {
        if (tid === self) continue
        const mask = blockedMask(tid)
        if (mask === undefined) continue
        const missing = fresh.filter((signo) => !has(mask, signo))
        if (answered.has(tid) && missing.length === 0) continue
        if (has(mask, CARRIER)) {
          if (missing.length > 0) deaf = tid
          continue
        }
        const wanted = answered.has(tid) ? missing : fresh
        const previous = binding.threadSigmask(Number(tid), "block", wanted, CARRIER, THREAD_TIMEOUT_MS)
        if (typeof previous === "number") {
          if (previous === -ESRCH) continue
          throw threadFailure(previous, tid)
        }
        asked++
        answered.add(tid)
        for (const signo of wanted) if (!previous.includes(signo)) added.get(signo)!.threads.add(Number(tid))
      }
      if (deaf !== undefined) {
        if (++deafPasses > DEAF_PASSES) {
          throw new IoError({
            reason: "Unsupported",
            syscall: "threadSigmask",
            message: `thread ${deaf} blocks ${nameOf(CARRIER)} but not all of ${fresh.map(nameOf).join(", ")}: ` +
              `its mask cannot be changed, and it would take those signals`
          })
        }
        pause(1)
      } else if (asked === 0) {
        return added
      }
    }
    throw ioError.timedOut("threadSigmask", `thread masks did not settle in ${MAX_PASSES} passes over /proc/self/task`)
  } catch (error) {
    unblock(added)
    throw error
  }
}

/** Reads and drops what is pending of `list`, so unblocking does not run its default action. Never throws. */
const drain = (list: ReadonlyArray<number>): void => {
  let fd: number
  try {
    fd = binding.signalfd(list)
  } catch {
    // Out of fds: the pending signals, if any, are then delivered as if no Signalfd had held them.
    return
  }
  const buffer = new Uint8Array(SIGINFO_SIZE * BATCH)
  try {
    for (let i = 0; i < 1024 && binding.read(fd, buffer) > 0; i++) {
      // Each read takes up to BATCH pending signals; standard signals are pending at most once each.
    }
  } finally {
    binding.close(fd)
  }
}

/**
 * Holds `list` (distinct, checked signal numbers) in every thread; the returned function releases them once (and
 * never throws). Throws an `IoError`.
 *
 * @internal
 */
export const hold = (list: ReadonlyArray<number>): () => void => {
  if (!isMainThread) {
    throw new IoError({
      reason: "Unsupported",
      syscall: "signalfd",
      message: "Signalfd is only available on the main thread: signal masks are process-wide"
    })
  }
  const fresh = list.filter((signo) => !holds.has(signo))
  const added = blockEverywhere(fresh)
  for (const signo of list) {
    const existing = holds.get(signo)
    if (existing !== undefined) existing.count++
  }
  for (const [signo, entry] of added) holds.set(signo, entry)
  let released = false
  return () => {
    if (released) return
    released = true
    const last = new Map<number, Hold>()
    for (const signo of list) {
      const entry = holds.get(signo)!
      if (--entry.count > 0) continue
      holds.delete(signo)
      last.set(signo, entry)
    }
    if (last.size === 0) return
    drain(Array.from(last.keys()))
    unblock(last)
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

const littleEndian = Os.endianness() === "LE"

/** One `struct signalfd_siginfo` at `offset` (signalfd(2) gives the layout). @internal */
export const decode = (bytes: Uint8Array, offset: number): Api.SignalInfo => {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, SIGINFO_SIZE)
  const signo = view.getUint32(0, littleEndian)
  return {
    signo,
    signal: nameOf(signo),
    errno: view.getInt32(4, littleEndian),
    code: view.getInt32(8, littleEndian),
    pid: view.getUint32(12, littleEndian),
    uid: view.getUint32(16, littleEndian),
    fd: view.getInt32(20, littleEndian),
    timerId: view.getUint32(24, littleEndian),
    band: view.getUint32(28, littleEndian),
    overrun: view.getUint32(32, littleEndian),
    status: view.getInt32(40, littleEndian),
    value: view.getInt32(44, littleEndian),
    pointer: view.getBigUint64(48, littleEndian),
    utime: view.getBigUint64(56, littleEndian),
    stime: view.getBigUint64(64, littleEndian)
  }
}

/** @internal */
export class Signalfd implements Api.Signalfd {
  private readonly one = new Uint8Array(SIGINFO_SIZE)
  private readonly batch = new Uint8Array(SIGINFO_SIZE * BATCH)

  constructor(readonly source: Source, readonly signals: ReadonlyArray<number>) {}

  get fd(): number {
    return this.source.fd
  }

  get closed(): boolean {
    return this.source.closed
  }

  /** One read into `buffer`, decoded inside the attempt (the buffer is shared with other fibers). */
  private readInto(buffer: Uint8Array): Effect.Effect<Array<Api.SignalInfo>, IoError> {
    return Effect.suspend(() => {
      const fd = this.source.fd
      let infos: Array<Api.SignalInfo> = []
      return Effect.map(
        this.source.io(
          "readable",
          () => {
            const n = binding.read(fd, buffer)
            if (n > 0) {
              infos = []
              for (let offset = 0; offset + SIGINFO_SIZE <= n; offset += SIGINFO_SIZE) {
                infos.push(decode(buffer, offset))
              }
            }
            return n === 0 ? -EAGAIN : n
          },
          "read",
          -EPIPE,
          0
        ),
        () => infos
      )
    })
  }

  get receive(): Effect.Effect<Api.SignalInfo, IoError> {
    return Effect.map(this.readInto(this.one), (infos) => infos[0]!)
  }

  get received(): Stream.Stream<Api.SignalInfo, IoError> {
    return Stream.repeatEffectChunk(Effect.map(this.readInto(this.batch), Chunk.unsafeFromArray))
  }

  get close(): Effect.Effect<void> {
    return Effect.sync(() => this.source.close())
  }
}

/** @internal */
export const make = (
  wanted: ReadonlyArray<Api.Signal>
): Effect.Effect<Signalfd, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.suspend(() => {
    if (!Array.isArray(wanted) || wanted.length === 0) {
      return Effect.fail(
        ioError.invalidArgument("signalfd", "signals must be a non-empty array of signal names or numbers")
      )
    }
    const list: Array<number> = []
    for (const signal of wanted) {
      const signo = signalNumber(signal)
      if (signo instanceof IoError) return Effect.fail(signo)
      if (!list.includes(signo)) list.push(signo)
    }
    list.sort((a, b) => a - b)
    return resource.acquireSource(
      "Signalfd.make",
      { interest: interest.READABLE, syscall: "signalfd", kind: "signalfd" },
      () => {
        const release = hold(list)
        try {
          return { fd: binding.signalfd(list), onClose: release }
        } catch (error) {
          release()
          throw error
        }
      },
      (source) => new Signalfd(source, list)
    )
  })
