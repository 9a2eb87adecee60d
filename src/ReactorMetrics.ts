/**
 * What a runtime is doing: the reactor's and the executor's counters, as a synchronous `Snapshot` and as Effect
 * `Metric`s that reach whatever exporter the program runs (`@effect/opentelemetry`, a Prometheus endpoint).
 *
 * The counters are always on: plain numbers the reactor and the executor bump in their hot paths (about a nanosecond
 * each), plus two clock reads per wait that may block and per call from Node's loop — never per event, and never an
 * Effect metric update per event. A snapshot reads them when asked; `layer` pushes them to Effect's
 * metrics once per interval, tagged `runtime` with the runtime's id so that several runtimes (one per Worker) stay
 * apart.
 *
 * Busy and idle time are measured where each mode makes them honest. Dedicated (`runBlockingExit`): idle is the time
 * blocked in the poller's wait, busy the rest. Integrated (`layer`): the thread blocks in Node's loop, which watches
 * the poller's fd with its own, so idle is Node's loop idle time (`performance.eventLoopUtilization`), and busy the
 * time inside the runtime's callbacks from that loop; Node's own work, and Effect fibers on Effect's default scheduler,
 * are in neither.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Metric from "effect/Metric"
import * as internal from "./internal/reactorMetrics.js"
import type * as ReactorRuntime from "./ReactorRuntime.js"

/**
 * The kinds of fd a runtime counts: connected TCP and Unix stream sockets, their listeners, UDP sockets, the Linux fd
 * types, `AsyncFd` registrations, `File`s (counted by their completion eventfd), and `other` (a registration made on
 * the `Reactor` directly).
 *
 * @example
 * ```ts
 * import type { ReactorMetrics } from "effect-reactor"
 *
 * const kind: ReactorMetrics.FdKind = "tcp"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type FdKind =
  | "tcp"
  | "tcpListener"
  | "unix"
  | "unixListener"
  | "udp"
  | "timerfd"
  | "signalfd"
  | "inotify"
  | "pidfd"
  | "pty"
  | "asyncFd"
  | "file"
  | "other"

/**
 * The fd kinds, in the order snapshots list them.
 *
 * @example
 * ```ts
 * import { ReactorMetrics } from "effect-reactor"
 *
 * console.log(ReactorMetrics.fdKinds.includes("udp")) // true
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const fdKinds: ReadonlyArray<FdKind> = internal.fdKinds

/**
 * One fd kind's counts: registrations open now, and made since the runtime began.
 *
 * @example
 * ```ts
 * import type { ReactorMetrics } from "effect-reactor"
 *
 * const closed = (counts: ReactorMetrics.FdCounts) => counts.opened - counts.open
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface FdCounts {
  readonly open: number
  readonly opened: number
}

/**
 * A histogram with power-of-two buckets: `boundaries` are the buckets' upper bounds (`0, 1, 2, 4, ...`, then
 * `Infinity`), `counts` the observations in each bucket (not cumulative), with their `count` and `sum`.
 *
 * @example
 * ```ts
 * import type { ReactorMetrics } from "effect-reactor"
 *
 * const emptyBuckets = (h: ReactorMetrics.Histogram) => h.counts.filter((n) => n === 0).length
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Histogram {
  readonly boundaries: ReadonlyArray<number>
  readonly counts: ReadonlyArray<number>
  readonly count: number
  readonly sum: number
}

/**
 * A runtime's counters at one moment (`snapshot`), or their change over an interval (`since`). Counters and
 * histograms count from the runtime's start (or over the interval); `runQueueDepth`, `liveTasks`, `registrations` and
 * each kind's `open` are read at the moment.
 *
 * - `turns`: waits on the poller; `events`: the readiness events they returned; `eventsPerTurn`: per wait.
 * - `wakes`: wakers woken by those events.
 * - `tasksPolled`: polls of spawned futures; `callbacksRun`: Effect fiber steps run by the executor (in dedicated
 *   mode, or with `ReactorRuntime.layerScheduler`); `budgetExhausted`: executor batches that spent their budget with
 *   work still queued.
 * - `timersFired`, and `timerLateness`: microseconds from each timer's deadline to its firing.
 * - `busyMs`, `idleMs`, `utilization` (busy over elapsed): see the module's description for each mode.
 * - `registrations`: open on the reactor; `fds`: per kind.
 *
 * @example
 * ```ts
 * import type { ReactorMetrics } from "effect-reactor"
 *
 * const eventsPerTurn = (s: ReactorMetrics.Snapshot) => s.turns === 0 ? 0 : s.events / s.turns
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Snapshot {
  /** The runtime's id, the `runtime` tag of its Effect metrics: unique in the process. */
  readonly runtime: string
  readonly mode: ReactorRuntime.Mode
  readonly elapsedMs: number
  readonly turns: number
  readonly events: number
  readonly eventsPerTurn: Histogram
  readonly wakes: number
  readonly tasksPolled: number
  readonly callbacksRun: number
  readonly runQueueDepth: number
  readonly liveTasks: number
  readonly budgetExhausted: number
  readonly timersFired: number
  readonly timerLateness: Histogram
  readonly busyMs: number
  readonly idleMs: number
  readonly utilization: number
  readonly registrations: number
  readonly fds: { readonly [K in FdKind]: FdCounts }
}

/**
 * The Effect metrics `update` and `layer` feed, each tagged `runtime` (and `kind` for the fd counts). Names start with
 * `effect_reactor_`: counters `turns`, `events`, `wakes`, `tasks_polled`, `callbacks_run`, `budget_exhausted`,
 * `timers_fired`, `busy_ms`, `idle_ms`, `fds_opened`; gauges `run_queue_depth`, `live_tasks`, `utilization` (over
 * the last interval), `registrations`, `fds_open`; histograms `events_per_turn` and `timer_lateness_us`.
 *
 * @example
 * ```ts
 * import { Effect, Metric } from "effect"
 * import { ReactorMetrics, ReactorRuntime } from "effect-reactor"
 *
 * const turns = Effect.gen(function*() {
 *   const { runtime } = yield* ReactorMetrics.snapshot
 *   yield* ReactorMetrics.update
 *   return yield* Metric.value(ReactorMetrics.metrics.turns.pipe(Metric.tagged("runtime", runtime)))
 * }).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Metrics {
  readonly turns: Metric.Metric.Counter<number>
  readonly events: Metric.Metric.Counter<number>
  readonly eventsPerTurn: Metric.Metric.Histogram<number>
  readonly wakes: Metric.Metric.Counter<number>
  readonly tasksPolled: Metric.Metric.Counter<number>
  readonly callbacksRun: Metric.Metric.Counter<number>
  readonly runQueueDepth: Metric.Metric.Gauge<number>
  readonly liveTasks: Metric.Metric.Gauge<number>
  readonly budgetExhausted: Metric.Metric.Counter<number>
  readonly timersFired: Metric.Metric.Counter<number>
  readonly timerLateness: Metric.Metric.Histogram<number>
  readonly busy: Metric.Metric.Counter<number>
  readonly idle: Metric.Metric.Counter<number>
  readonly utilization: Metric.Metric.Gauge<number>
  readonly registrations: Metric.Metric.Gauge<number>
  readonly fdsOpen: Metric.Metric.Gauge<number>
  readonly fdsOpened: Metric.Metric.Counter<number>
}

/**
 * The runtime's Effect metrics (see `Metrics`).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ReactorMetrics } from "effect-reactor"
 *
 * const mainTurns = Metric.value(ReactorMetrics.metrics.turns.pipe(Metric.tagged("runtime", "main#1")))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const metrics: Metrics = internal.metrics

/**
 * The current runtime's counters, now.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorMetrics, ReactorRuntime } from "effect-reactor"
 *
 * const turns = Effect.map(ReactorMetrics.snapshot, (s) => s.turns).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const snapshot: Effect.Effect<Snapshot, never, ReactorRuntime.ReactorRuntime> = internal.snapshot

/**
 * `snapshot` of a given runtime, synchronously: for code outside Effect (a status endpoint, a signal handler).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorMetrics, ReactorRuntime } from "effect-reactor"
 *
 * const program = Effect.map(ReactorRuntime.ReactorRuntime, (runtime) => {
 *   setInterval(() => console.log(ReactorMetrics.unsafeSnapshot(runtime).turns), 1000).unref()
 * })
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const unsafeSnapshot: (runtime: ReactorRuntime.ReactorRuntime) => Snapshot = internal.unsafeSnapshot

/**
 * What changed from `previous` to `self`, two snapshots of one runtime: counters and histograms over the interval,
 * `utilization` over the interval, the gauges as of `self`. Throws a `RangeError` for snapshots of two runtimes.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorMetrics } from "effect-reactor"
 *
 * const turnsPerSecond = Effect.gen(function*() {
 *   const before = yield* ReactorMetrics.snapshot
 *   yield* Effect.sleep("1 second")
 *   const interval = ReactorMetrics.since(yield* ReactorMetrics.snapshot, before)
 *   return (interval.turns * 1000) / interval.elapsedMs
 * })
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const since: {
  (previous: Snapshot): (self: Snapshot) => Snapshot
  (self: Snapshot, previous: Snapshot): Snapshot
} = internal.since

/**
 * A histogram's mean, `NaN` when it is empty.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorMetrics } from "effect-reactor"
 *
 * const meanEvents = Effect.map(ReactorMetrics.snapshot, (s) => ReactorMetrics.mean(s.eventsPerTurn))
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const mean: (self: Histogram) => number = internal.mean

/**
 * The upper bound of the bucket holding a histogram's `q`-quantile (`q` from 0 to 1): `quantile(h, 0.99) === 4`
 * says 99% of the observations were at most 4. `NaN` when the histogram is empty; a `RangeError` for another `q`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorMetrics } from "effect-reactor"
 *
 * const p99Lateness = Effect.map(ReactorMetrics.snapshot, (s) => ReactorMetrics.quantile(s.timerLateness, 0.99))
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const quantile: {
  (q: number): (self: Histogram) => number
  (self: Histogram, q: number): number
} = internal.quantile

/**
 * Pushes the current runtime's counters to Effect's metrics once: counters gain what they gained since the last
 * push, gauges are set, histograms get the observations recorded since (replayed one by one, at most about a million
 * per histogram and push; the rest go with the next push). `layer` calls it once per interval.
 *
 * @example
 * ```ts
 * import { Effect, Metric } from "effect"
 * import { ReactorMetrics, ReactorRuntime } from "effect-reactor"
 *
 * const exported = Effect.zipRight(ReactorMetrics.update, Metric.snapshot).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const update: Effect.Effect<void, never, ReactorRuntime.ReactorRuntime> = internal.update

/**
 * Options of `layer`: how often the counters are pushed to Effect's metrics (default one second).
 *
 * @example
 * ```ts
 * import type { ReactorMetrics } from "effect-reactor"
 *
 * const options: ReactorMetrics.LayerOptions = { interval: "10 seconds" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface LayerOptions {
  readonly interval?: Duration.DurationInput | undefined
}

/**
 * Pushes the runtime's counters to Effect's metrics every `interval` (default one second), and once more when its
 * scope closes. Throws a `RangeError` for an interval that is not a positive, finite duration.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { ReactorMetrics, ReactorRuntime } from "effect-reactor"
 *
 * const live = ReactorMetrics.layer({ interval: "5 seconds" }).pipe(Layer.provideMerge(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: (options?: LayerOptions) => Layer.Layer<never, never, ReactorRuntime.ReactorRuntime> =
  internal.layer
