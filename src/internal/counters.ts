/**
 * The runtime's counters: plain numbers that the reactor, the executor and the timer queue bump in their hot paths,
 * and that `reactorMetrics.ts` reads when asked (a snapshot) or pushes to Effect's metrics (a periodic update).
 *
 * Why plain fields and not an Effect `Metric.update` per event: an update builds or looks up a metric key, hashes
 * its tags and goes through the registry, hundreds of nanoseconds, where an echo request costs the runtime a few
 * microseconds in all; incrementing a field of an object the code already holds costs about a nanosecond. So the
 * counters are always on (there is no switch to check, which would cost as much as the increment), and Effect sees
 * them only when someone reads them. Time is read from the clock only around a wait that may block (the reactor) and
 * around each call Node's loop makes into the runtime (the executor's attachment): two reads each, none per event.
 *
 * Histograms here have power-of-two buckets, so recording is a `clz32` and an increment: bucket 0 holds values
 * `<= 0`, bucket `i >= 1` holds values in `(2^(i-2), 2^(i-1)]`, and the last bucket everything above the largest
 * boundary. Those are exactly the buckets of an Effect histogram with boundaries `0, 1, 2, 4, ...` (a value goes to the
 * first boundary it does not exceed, and Effect appends `+Infinity`), so a push places every observation in the
 * bucket it was recorded in. Each bucket also keeps the sum of its values, so the replay in `reactorMetrics.ts` keeps
 * the sum exact.
 *
 * @internal
 */

/** A histogram over `0, 1, 2, 4, ..., 2^(finite - 2)` and `+Infinity`. @internal */
export class Histogram {
  /** Observations per bucket (not cumulative); the last one is the overflow bucket. */
  readonly counts: Float64Array
  /** The sum of the values recorded in each bucket. */
  readonly sums: Float64Array
  /** The largest finite boundary. */
  readonly top: number

  /** `finite` boundaries: `0` and the powers of two up to `2^(finite - 2)`. */
  constructor(readonly finite: number) {
    this.counts = new Float64Array(finite + 1)
    this.sums = new Float64Array(finite + 1)
    this.top = 2 ** (finite - 2)
  }

  /** The boundaries, `+Infinity` last. */
  boundaries(): Array<number> {
    const out = [0]
    for (let i = 1; i < this.finite; i++) out.push(2 ** (i - 1))
    out.push(Number.POSITIVE_INFINITY)
    return out
  }

  record(value: number): void {
    // ceil(v) - 1 has its highest bit at floor(log2(ceil(v) - 1)): values in (2^(k-1), 2^k] land in bucket k + 1.
    const index = value <= 0 ? 0 : value > this.top ? this.finite : 33 - Math.clz32(Math.ceil(value) - 1)
    this.counts[index]!++
    this.sums[index]! += value
  }
}

/**
 * The kinds of fd a runtime registers, in the order of their counters. `other` is a registration made through the
 * `Reactor` directly (`Reactor.register`, a reactor's own `register`). @internal
 */
export const KINDS = [
  "tcp",
  "tcpListener",
  "unix",
  "unixListener",
  "udp",
  "timerfd",
  "signalfd",
  "inotify",
  "pidfd",
  "pty",
  "asyncFd",
  "file",
  "other"
] as const

/** @internal */
export type Kind = (typeof KINDS)[number]

/** A kind's counter index. @internal */
export const KIND_INDEX: { readonly [K in Kind]: number } = Object.fromEntries(
  KINDS.map((kind, index) => [kind, index])
) as { readonly [K in Kind]: number }

/** The counter index of `other`. @internal */
export const OTHER = KIND_INDEX.other

/** The wait batch is 1024 events by default: `0, 1, 2, ..., 1024`, then larger batches. @internal */
export const EVENTS_PER_TURN_BOUNDARIES = 12

/** Timer lateness in microseconds: `0, 1, 2, ..., 2^20` (about a second), then later. @internal */
export const LATENESS_BOUNDARIES = 22

/** What the reactor counts. @internal */
export class ReactorCounters {
  /** Waits on the poller (`turn`). */
  turns = 0
  /** Events the waits returned, stale ones included. */
  events = 0
  /** Wakers woken by dispatched events. */
  wakes = 0
  /** Milliseconds spent inside a wait that was allowed to block (a timeout other than 0). */
  blockedMs = 0
  readonly eventsPerTurn = new Histogram(EVENTS_PER_TURN_BOUNDARIES)
  /** Registrations made, per kind (`KINDS` order). */
  readonly opened = new Float64Array(KINDS.length)
  /** Registrations ended (deregistered, or closed with the reactor), per kind. */
  readonly closed = new Float64Array(KINDS.length)
}

/** What the executor counts. @internal */
export class ExecutorCounters {
  /** Polls of spawned futures (tasks). */
  tasksPolled = 0
  /** Plain callbacks run in turn with tasks: the steps of Effect fibers on the executor-backed scheduler. */
  callbacksRun = 0
  /** Batches that ended because the budget was spent while work was still queued. */
  budgetExhausted = 0
  /** Milliseconds inside the callbacks Node's loop calls while the executor is attached (integrated mode). */
  callbackMs = 0
  /** Milliseconds Node's loop was idle while the executor was attached, over the attachments that ended. */
  loopIdleMs = 0
}

/** What the timer queue counts. @internal */
export class TimerCounters {
  fired = 0
  /** How late each timer fired, in microseconds past its deadline. */
  readonly lateness = new Histogram(LATENESS_BOUNDARIES)
}
