/**
 * A runtime's counters (`counters.ts`) read as a snapshot, and pushed to Effect's metrics.
 *
 * Reading. `unsafeSnapshot` copies the counters the reactor, the executor and the timer queue keep, and adds what is
 * read at that moment (the run queue, the registrations open, Node's loop idle time). Nothing is counted for it: a
 * snapshot costs a few hundred nanoseconds, whenever it is taken.
 *
 * Time. `idleMs` is the time the thread waited for IO or a timer, `busyMs` the time it ran the runtime, each measured
 * where the mode makes it honest:
 * - dedicated (`runBlockingExit`): the thread is the runtime's. Idle is the time inside the poller's blocking wait,
 *   busy is everything else since the runtime was made;
 * - integrated (`layer`): Node's loop drives the runtime, and the thread blocks in libuv's epoll_wait, which watches
 *   the poller's fd beside Node's own. Idle is that loop's idle time while the runtime is attached (libuv's
 *   `uv_metrics_idle_time`, as `performance.eventLoopUtilization` reports it); busy is the time inside the callbacks
 *   Node's loop makes into the runtime (reactor turns, executor batches, timers). What the thread does besides (Node's
 *   own IO and timers, Promises, Effect fibers on Effect's default scheduler) is in neither, so there
 *   `busy + idle <= elapsed`, and `1 - idle / elapsed` is Node's own event-loop utilization.
 *
 * Pushing. `unsafeUpdate` adds to each Effect counter what its counter gained since the last push for this runtime,
 * sets the gauges, and feeds each histogram the observations recorded since: Effect histograms take one observation
 * at a time, so the observations of a bucket are replayed at the bucket's mean (same bucket, same sum; only
 * `min`/`max` are rounded to the bucket). At most `MAX_REPLAY` per histogram and push; the rest wait for the next
 * push, so a push after a long quiet time stays short. Every metric is tagged `runtime` with the runtime's id, so the
 * runtimes of one process (one per Worker, or several in a thread) stay apart.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"
import * as Schedule from "effect/Schedule"
import { isMainThread, threadId } from "node:worker_threads"
import type * as Api from "../ReactorMetrics.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import { EVENTS_PER_TURN_BOUNDARIES, Histogram, KIND_INDEX, KINDS, LATENESS_BOUNDARIES } from "./counters.js"
import { argumentError } from "./errno.js"
import type { Executor } from "./executor.js"
import type { Reactor } from "./reactor.js"
import * as reactorRuntime from "./reactorRuntime.js"
import { show } from "./show.js"

/** @internal */
export const fdKinds: ReadonlyArray<Api.FdKind> = KINDS

// The public kinds and the counted ones are one list: each side names every kind of the other.
const everyKindCounted: { readonly [K in Api.FdKind]: number } = KIND_INDEX
void everyKindCounted

/** Observations replayed into one Effect histogram per push, at most (about 20 ms of work). @internal */
export const MAX_REPLAY = 1 << 20

const eventsPerTurnBoundaries = new Histogram(EVENTS_PER_TURN_BOUNDARIES).boundaries()
const latenessBoundaries = new Histogram(LATENESS_BOUNDARIES).boundaries()

const finite = (boundaries: ReadonlyArray<number>) => boundaries.filter(Number.isFinite)

/** @internal */
export const metrics: Api.Metrics = {
  turns: Metric.counter("effect_reactor_turns", { description: "Waits on the poller (reactor turns)" }),
  events: Metric.counter("effect_reactor_events", { description: "Readiness events the poller's waits returned" }),
  eventsPerTurn: Metric.histogram(
    "effect_reactor_events_per_turn",
    MetricBoundaries.fromIterable(finite(eventsPerTurnBoundaries)),
    "Readiness events each wait returned"
  ),
  wakes: Metric.counter("effect_reactor_wakes", { description: "Wakers woken by readiness events" }),
  tasksPolled: Metric.counter("effect_reactor_tasks_polled", {
    description: "Polls of futures spawned on the executor"
  }),
  callbacksRun: Metric.counter("effect_reactor_callbacks_run", {
    description: "Effect fiber steps run on the executor (dedicated mode, or the executor-backed scheduler)"
  }),
  runQueueDepth: Metric.gauge("effect_reactor_run_queue_depth", {
    description: "Tasks and fiber steps waiting to run, when last sampled"
  }),
  liveTasks: Metric.gauge("effect_reactor_live_tasks", { description: "Futures spawned and not finished" }),
  budgetExhausted: Metric.counter("effect_reactor_budget_exhausted", {
    description: "Executor batches that spent their budget with work still queued"
  }),
  timersFired: Metric.counter("effect_reactor_timers_fired", {
    description: "Timers of the runtime's timer queue fired"
  }),
  timerLateness: Metric.histogram(
    "effect_reactor_timer_lateness_us",
    MetricBoundaries.fromIterable(finite(latenessBoundaries)),
    "Microseconds between a timer's deadline and its firing"
  ),
  busy: Metric.counter("effect_reactor_busy_ms", { description: "Milliseconds the thread ran the runtime" }),
  idle: Metric.counter("effect_reactor_idle_ms", { description: "Milliseconds the thread waited for IO or timers" }),
  utilization: Metric.gauge("effect_reactor_utilization", {
    description: "Busy time over elapsed time, between the last two pushes"
  }),
  registrations: Metric.gauge("effect_reactor_registrations", { description: "Registrations open on the reactor" }),
  fdsOpen: Metric.gauge("effect_reactor_fds_open", { description: "Registered fds open, tagged by kind" }),
  fdsOpened: Metric.counter("effect_reactor_fds_opened", { description: "Fds registered, tagged by kind" })
}

// --- Snapshots ---

const histogramOf = (histogram: Histogram, boundaries: ReadonlyArray<number>): Api.Histogram => {
  let count = 0
  let sum = 0
  for (let i = 0; i < histogram.counts.length; i++) {
    count += histogram.counts[i]!
    sum += histogram.sums[i]!
  }
  return { boundaries, counts: Array.from(histogram.counts), count, sum }
}

interface State {
  readonly id: string
  /** What the last push saw; `undefined` before the first. */
  previous: Api.Snapshot | undefined
  /** Per histogram: what was replayed so far, per bucket (count and sum). */
  readonly replayed: {
    readonly eventsPerTurn: Histogram
    readonly timerLateness: Histogram
  }
  /** The tags of the last push, reused while the fiber's metric labels are the same (Effect caches hooks by them). */
  fiberLabels: ReadonlyArray<MetricLabel.MetricLabel> | undefined
  tags: ReadonlyArray<MetricLabel.MetricLabel>
  kindTags: ReadonlyArray<ReadonlyArray<MetricLabel.MetricLabel>>
}

const states = new WeakMap<Reactor, State>()
let nextId = 1

const stateOf = (io: Reactor): State => {
  let state = states.get(io)
  if (state === undefined) {
    state = {
      // Unique in the process: the thread, then the runtime's number in it.
      id: `${isMainThread ? "main" : `worker${threadId}`}#${nextId++}`,
      previous: undefined,
      replayed: {
        eventsPerTurn: new Histogram(EVENTS_PER_TURN_BOUNDARIES),
        timerLateness: new Histogram(LATENESS_BOUNDARIES)
      },
      fiberLabels: undefined,
      tags: [],
      kindTags: []
    }
    states.set(io, state)
  }
  return state
}

const parts = (runtime: ReactorRuntime): { readonly io: Reactor; readonly executor: Executor } => ({
  // The runtime's reactor and executor are always this package's own (reactorRuntime.ts makes both).
  io: runtime.reactor as Reactor,
  executor: runtime.executor.handle as Executor
})

/** @internal */
export const unsafeSnapshot = (runtime: ReactorRuntime): Api.Snapshot => {
  const { executor, io } = parts(runtime)
  const reactorCounters = io.counters
  const executorCounters = executor.counters
  const timerCounters = executor.timer.counters
  const elapsedMs = performance.now() - io.createdAt
  let idleMs: number
  let busyMs: number
  if (runtime.mode === "dedicated") {
    idleMs = reactorCounters.blockedMs
    busyMs = Math.max(0, elapsedMs - idleMs)
  } else {
    idleMs = reactorCounters.blockedMs + executor.loopIdleMs()
    busyMs = executorCounters.callbackMs
  }
  const fds = {} as Record<Api.FdKind, Api.FdCounts>
  for (let i = 0; i < KINDS.length; i++) {
    const opened = reactorCounters.opened[i]!
    fds[KINDS[i]!] = { open: opened - reactorCounters.closed[i]!, opened }
  }
  return {
    runtime: stateOf(io).id,
    mode: runtime.mode,
    elapsedMs,
    turns: reactorCounters.turns,
    events: reactorCounters.events,
    eventsPerTurn: histogramOf(reactorCounters.eventsPerTurn, eventsPerTurnBoundaries),
    wakes: reactorCounters.wakes,
    tasksPolled: executorCounters.tasksPolled,
    callbacksRun: executorCounters.callbacksRun,
    runQueueDepth: executor.runnable,
    liveTasks: executor.tasks,
    budgetExhausted: executorCounters.budgetExhausted,
    timersFired: timerCounters.fired,
    timerLateness: histogramOf(timerCounters.lateness, latenessBoundaries),
    busyMs,
    idleMs,
    utilization: elapsedMs > 0 ? Math.min(1, busyMs / elapsedMs) : 0,
    registrations: io.registrations,
    fds
  }
}

/** @internal */
export const snapshot: Effect.Effect<Api.Snapshot, never, ReactorRuntime> = Effect.map(
  reactorRuntime.runtimeFor("ReactorMetrics.snapshot"),
  unsafeSnapshot
)

const minusHistogram = (self: Api.Histogram, previous: Api.Histogram): Api.Histogram => ({
  boundaries: self.boundaries,
  counts: self.counts.map((count, i) => count - (previous.counts[i] ?? 0)),
  count: self.count - previous.count,
  sum: self.sum - previous.sum
})

/** @internal */
export const since: {
  (previous: Api.Snapshot): (self: Api.Snapshot) => Api.Snapshot
  (self: Api.Snapshot, previous: Api.Snapshot): Api.Snapshot
} = dual(2, (self: Api.Snapshot, previous: Api.Snapshot): Api.Snapshot => {
  if (self.runtime !== previous.runtime) {
    throw argumentError("range", `since: the snapshots are of two runtimes, ${self.runtime} and ${previous.runtime}`)
  }
  const elapsedMs = self.elapsedMs - previous.elapsedMs
  const busyMs = self.busyMs - previous.busyMs
  const fds = {} as Record<Api.FdKind, Api.FdCounts>
  for (const kind of KINDS) {
    fds[kind] = { open: self.fds[kind].open, opened: self.fds[kind].opened - previous.fds[kind].opened }
  }
  return {
    ...self,
    elapsedMs,
    turns: self.turns - previous.turns,
    events: self.events - previous.events,
    eventsPerTurn: minusHistogram(self.eventsPerTurn, previous.eventsPerTurn),
    wakes: self.wakes - previous.wakes,
    tasksPolled: self.tasksPolled - previous.tasksPolled,
    callbacksRun: self.callbacksRun - previous.callbacksRun,
    budgetExhausted: self.budgetExhausted - previous.budgetExhausted,
    timersFired: self.timersFired - previous.timersFired,
    timerLateness: minusHistogram(self.timerLateness, previous.timerLateness),
    busyMs,
    idleMs: self.idleMs - previous.idleMs,
    utilization: elapsedMs > 0 ? Math.min(1, Math.max(0, busyMs / elapsedMs)) : 0,
    fds
  }
})

/** @internal */
export const mean = (self: Api.Histogram): number => self.count === 0 ? Number.NaN : self.sum / self.count

/** @internal */
export const quantile: {
  (q: number): (self: Api.Histogram) => number
  (self: Api.Histogram, q: number): number
} = dual(2, (self: Api.Histogram, q: number): number => {
  if (typeof q !== "number" || !(q >= 0 && q <= 1)) {
    throw argumentError("range", `The "q" argument must be a number from 0 to 1, got ${show(q)}`)
  }
  if (self.count === 0) return Number.NaN
  // The rank of the q-quantile among the observations, 1-based: the bucket that holds it bounds it from above.
  const rank = Math.max(1, Math.ceil(q * self.count))
  let seen = 0
  for (let i = 0; i < self.counts.length; i++) {
    seen += self.counts[i]!
    if (seen >= rank) return self.boundaries[i]!
  }
  return self.boundaries[self.boundaries.length - 1]!
})

// --- Pushing to Effect's metrics ---

const tagsFor = (state: State, fiberLabels: ReadonlyArray<MetricLabel.MetricLabel>): void => {
  if (state.fiberLabels === fiberLabels) return
  state.fiberLabels = fiberLabels
  const runtimeLabel = MetricLabel.make("runtime", state.id)
  state.tags = [...fiberLabels.filter((label) => label.key !== "runtime"), runtimeLabel]
  state.kindTags = KINDS.map((kind) => [...state.tags, MetricLabel.make("kind", kind)])
}

/** Feeds `metric` the observations of `recorded` not replayed yet (at most `MAX_REPLAY`), at each bucket's mean. */
const replay = (
  metric: Metric.Metric.Histogram<number>,
  recorded: Histogram,
  replayed: Histogram,
  tags: ReadonlyArray<MetricLabel.MetricLabel>
): void => {
  let budget = MAX_REPLAY
  const boundaries = recorded.boundaries()
  for (let i = 0; i < recorded.counts.length && budget > 0; i++) {
    const pending = recorded.counts[i]! - replayed.counts[i]!
    if (pending <= 0) continue
    const n = Math.min(pending, budget)
    // The mean of the pending observations, kept inside the bucket against rounding: (lower, upper].
    const upper = boundaries[i]!
    const lower = i === 0 ? Number.NEGATIVE_INFINITY : boundaries[i - 1]!
    const value = Math.min(upper, Math.max(lower, (recorded.sums[i]! - replayed.sums[i]!) / pending))
    for (let j = 0; j < n; j++) metric.unsafeUpdate(value, tags)
    replayed.counts[i]! += n
    replayed.sums[i]! += value * n
    budget -= n
  }
}

/** @internal */
export const unsafeUpdate = (runtime: ReactorRuntime, fiberLabels: ReadonlyArray<MetricLabel.MetricLabel>): void => {
  const { executor, io } = parts(runtime)
  const state = stateOf(io)
  tagsFor(state, fiberLabels)
  const tags = state.tags
  const now = unsafeSnapshot(runtime)
  const previous = state.previous
  const gained = previous === undefined ? now : since(now, previous)
  state.previous = now
  metrics.turns.unsafeUpdate(gained.turns, tags)
  metrics.events.unsafeUpdate(gained.events, tags)
  metrics.wakes.unsafeUpdate(gained.wakes, tags)
  metrics.tasksPolled.unsafeUpdate(gained.tasksPolled, tags)
  metrics.callbacksRun.unsafeUpdate(gained.callbacksRun, tags)
  metrics.budgetExhausted.unsafeUpdate(gained.budgetExhausted, tags)
  metrics.timersFired.unsafeUpdate(gained.timersFired, tags)
  metrics.busy.unsafeUpdate(gained.busyMs, tags)
  metrics.idle.unsafeUpdate(gained.idleMs, tags)
  metrics.runQueueDepth.unsafeUpdate(now.runQueueDepth, tags)
  metrics.liveTasks.unsafeUpdate(now.liveTasks, tags)
  metrics.utilization.unsafeUpdate(gained.utilization, tags)
  metrics.registrations.unsafeUpdate(now.registrations, tags)
  for (let i = 0; i < KINDS.length; i++) {
    const kind = KINDS[i]!
    metrics.fdsOpen.unsafeUpdate(now.fds[kind].open, state.kindTags[i]!)
    metrics.fdsOpened.unsafeUpdate(gained.fds[kind].opened, state.kindTags[i]!)
  }
  replay(metrics.eventsPerTurn, io.counters.eventsPerTurn, state.replayed.eventsPerTurn, tags)
  replay(metrics.timerLateness, executor.timer.counters.lateness, state.replayed.timerLateness, tags)
}

const updateWith = (runtime: ReactorRuntime): Effect.Effect<void> =>
  Effect.flatMap(
    FiberRef.get(FiberRef.currentMetricLabels),
    (labels) => Effect.sync(() => unsafeUpdate(runtime, labels))
  )

/** @internal */
export const update: Effect.Effect<void, never, ReactorRuntime> = Effect.flatMap(
  reactorRuntime.runtimeFor("ReactorMetrics.update"),
  updateWith
)

const decodeInterval = (interval: unknown): Duration.Duration => {
  const decoded = Duration.decodeUnknown(interval)
  const valid = decoded._tag === "Some" && Duration.greaterThan(decoded.value, Duration.zero) &&
    Duration.isFinite(decoded.value)
  if (!valid) {
    throw argumentError("range", `The "interval" option must be a positive, finite Duration, got ${show(interval)}`)
  }
  return decoded.value
}

/** @internal */
export const layer = (options?: Api.LayerOptions): Layer.Layer<never, never, ReactorRuntime> => {
  const interval = decodeInterval(options?.interval ?? "1 second")
  return Layer.scopedDiscard(
    Effect.gen(function*() {
      const runtime = yield* reactorRuntime.runtimeFor("ReactorMetrics.layer")
      // A last push when the scope closes, so a short program's counts reach the exporter too.
      yield* Effect.addFinalizer(() => updateWith(runtime))
      yield* Effect.forkScoped(Effect.repeat(updateWith(runtime), Schedule.spaced(interval)))
    })
  )
}
