/**
 * The runtime wired together: `Poller` -> `Reactor` -> `Executor` as one layer, Effect's
 * `Scheduler` and `Clock` on the executor (opt-in), and the dedicated entry point `runMain`.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import type * as Executor from "./Executor.js"
import * as internal from "./internal/executorService.js"
import type * as Poller from "./Poller.js"
import type { PollerError } from "./PollerError.js"
import type * as Reactor from "./Reactor.js"

/**
 * `Poller.layer`, `Reactor.layer` and `Executor.layer` wired, integrated with Node's loop:
 * closing it cancels every task, deregisters every source and closes the poller.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Executor, Runtime, SimpleFuture } from "effect-reactor"
 *
 * Effect.runPromise(Executor.run(SimpleFuture.succeed("ok")).pipe(Effect.provide(Runtime.layer)))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Executor.Executor | Reactor.Reactor | Poller.Poller, PollerError> =
  internal.runtimeLayer

/**
 * `layer` with options for the poller (`backend`) and the executor (`budget`, `mode`).
 *
 * @example
 * ```ts
 * import { Runtime } from "effect-reactor"
 *
 * const portable = Runtime.layerWith({ backend: "poll", budget: 64 })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith: (
  options: Executor.Options & Poller.Options
) => Layer.Layer<Executor.Executor | Reactor.Reactor | Poller.Poller, PollerError> = internal.runtimeLayerWith

/**
 * Opt-in: Effect's `Scheduler` and `Clock` backed by the executor, so fibers, `Effect.sleep`,
 * `Schedule`s and timeouts run on our loop (its run queue and timer queue).
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Runtime } from "effect-reactor"
 *
 * const live = Runtime.layerScheduler.pipe(Layer.provideMerge(Runtime.layer))
 * const program = Effect.sleep("10 millis").pipe(Effect.provide(live))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerScheduler: Layer.Layer<never, never, Executor.Executor> = internal.layerScheduler

/**
 * Dedicated mode: runs `effect` on a fresh poller, reactor and executor that own this thread —
 * fibers, sleeps and IO all run in the executor's loop, which blocks in the poller when idle —
 * and returns its `Exit` once it ends, having closed all three. Node's own loop does not turn
 * meanwhile, so Promise- and Node-callback-based effects cannot complete inside it.
 *
 * @example
 * ```ts
 * import { Effect, Exit } from "effect"
 * import { Runtime } from "effect-reactor"
 *
 * const exit = Runtime.runMain(Effect.as(Effect.sleep("5 millis"), "done"))
 * console.log(Exit.isSuccess(exit) && exit.value) // "done"
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const runMain: <A, E>(
  effect: Effect.Effect<A, E, Executor.Executor | Reactor.Reactor | Poller.Poller>,
  options?: Executor.Options & Poller.Options
) => Exit.Exit<A, E> = internal.runMain
