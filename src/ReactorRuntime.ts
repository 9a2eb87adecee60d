/**
 * The runtime every IO type runs on: a poller, the reactor over it and the executor that drives that reactor, as one
 * service. Provide `ReactorRuntime.layer` (integrated with Node's event loop) or run the whole program with
 * `ReactorRuntime.runBlockingExit` (dedicated: this thread becomes the loop).
 *
 * The IO constructors (`TcpStream.connect`, `AsyncFd.register`, the socket adapters…) require this service rather
 * than a bare `Reactor`: a reactor wakes its waiters only when something turns it, and only the runtime does. Named
 * apart from `effect`'s own `Runtime` so both can be imported in one file.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Executor from "./Executor.js"
import * as internal from "./internal/reactorRuntime.js"
import type * as Poller from "./Poller.js"
import type { PollerError } from "./PollerError.js"
import type * as Reactor from "./Reactor.js"

/**
 * The identifier of the `ReactorRuntime` service.
 *
 * @example
 * ```ts
 * import { ReactorRuntime } from "effect-reactor"
 *
 * const isRuntime = (u: object) => ReactorRuntime.TypeId in u
 * ```
 *
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = internal.TypeId as TypeId

/**
 * The type of `TypeId`.
 *
 * @example
 * ```ts
 * import type { ReactorRuntime } from "effect-reactor"
 *
 * type Id = ReactorRuntime.TypeId
 * ```
 *
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * How the runtime is driven: `"integrated"` (`layer`) from Node's event loop, so Node's own IO, timers and Promises
 * keep running beside it; `"dedicated"` (`runBlockingExit`) by owning the thread, blocking in the poller when idle.
 *
 * @example
 * ```ts
 * import type { ReactorRuntime } from "effect-reactor"
 *
 * const mode: ReactorRuntime.Mode = "integrated"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "integrated" | "dedicated"

/**
 * Runtime options: the poller's `backend` (`"epoll"` by default on Linux, `"poll"` for poll(2)) and the executor's
 * `budget` (tasks polled per batch before IO and timers get a turn, default 128).
 *
 * @example
 * ```ts
 * import type { ReactorRuntime } from "effect-reactor"
 *
 * const options: ReactorRuntime.Options = { backend: "poll", budget: 64 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends Poller.Options {
  readonly budget?: number
}

/**
 * The runtime: its poller, the reactor over it, the executor that drives the reactor, and how it is driven.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorRuntime } from "effect-reactor"
 *
 * const backend = Effect.map(ReactorRuntime.ReactorRuntime, (runtime) => runtime.reactor.backend)
 * Effect.runPromise(Effect.provide(backend, ReactorRuntime.layer)).then(console.log) // "epoll"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ReactorRuntime {
  readonly [TypeId]: TypeId
  readonly poller: Poller.Poller
  readonly reactor: Reactor.Reactor
  readonly executor: Executor.Executor
  readonly mode: Mode
}

/**
 * The `ReactorRuntime` service tag.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorRuntime } from "effect-reactor"
 *
 * const registrations = Effect.map(ReactorRuntime.ReactorRuntime, (runtime) => runtime.reactor.registrations)
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export const ReactorRuntime: Context.Tag<ReactorRuntime, ReactorRuntime> = internal.tag

/**
 * A scoped runtime: opens the poller, the reactor and the executor, and attaches the executor to Node's event loop.
 * Closing the scope cancels every task, deregisters every source and closes the poller.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorRuntime } from "effect-reactor"
 *
 * const scoped = Effect.scoped(Effect.map(ReactorRuntime.make({ budget: 64 }), (runtime) => runtime.mode))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options?: Options) => Effect.Effect<ReactorRuntime, PollerError, Scope.Scope> = internal.make

/**
 * The runtime, integrated with Node's event loop: what every IO type needs. It also provides the `Executor`,
 * `Reactor` and `Poller` services it is made of. Node's own IO, timers and Promises keep running beside it, and the
 * process stays alive exactly while something waits on IO or a timer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorRuntime, TcpListener } from "effect-reactor"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const listener = yield* TcpListener.bind({ host: "127.0.0.1", port: 0 })
 *     return listener.localAddress.port
 *   })
 * )
 * Effect.runPromise(Effect.provide(program, ReactorRuntime.layer)).then(console.log)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ReactorRuntime | Executor.Executor | Reactor.Reactor | Poller.Poller, PollerError> =
  internal.layer

/**
 * `layer` with options for the poller (`backend`) and the executor (`budget`).
 *
 * @example
 * ```ts
 * import { ReactorRuntime } from "effect-reactor"
 *
 * const portable = ReactorRuntime.layerWith({ backend: "poll", budget: 64 })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith: (
  options: Options
) => Layer.Layer<ReactorRuntime | Executor.Executor | Reactor.Reactor | Poller.Poller, PollerError> = internal.layerWith

/**
 * Opt-in: Effect's `Scheduler` and `Clock` backed by the runtime's executor, so fibers, `Effect.sleep`, `Schedule`s
 * and timeouts run on our loop (its run queue and timer queue).
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { ReactorRuntime } from "effect-reactor"
 *
 * const live = ReactorRuntime.layerScheduler.pipe(Layer.provideMerge(ReactorRuntime.layer))
 * const program = Effect.sleep("10 millis").pipe(Effect.provide(live))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerScheduler: Layer.Layer<never, never, ReactorRuntime> = internal.layerScheduler

/**
 * Dedicated mode: runs `effect` on a fresh runtime that owns this thread — fibers, sleeps and IO all run in the
 * executor's loop, which blocks in the poller when idle — and returns its `Exit` once it ends, having closed the
 * runtime. The call blocks the thread until then (unlike `NodeRuntime.runMain`, which returns at once): Node's own
 * loop does not turn meanwhile, so Promise- and Node-callback-based effects cannot complete inside it. Use it in a
 * Worker, or in a program that is all effect-reactor IO. A Worker blocked here still ends when `worker.terminate()`
 * is called (a new event of its Node loop, a message posted to it for one, also makes one wait return early); the fds
 * its scopes did not get to close are closed when its environment ends.
 *
 * @example
 * ```ts
 * import { Effect, Exit } from "effect"
 * import { ReactorRuntime } from "effect-reactor"
 *
 * const exit = ReactorRuntime.runBlockingExit(Effect.as(Effect.sleep("5 millis"), "done"))
 * console.log(Exit.isSuccess(exit) && exit.value) // "done"
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const runBlockingExit: <A, E>(
  effect: Effect.Effect<A, E, ReactorRuntime | Executor.Executor | Reactor.Reactor | Poller.Poller>,
  options?: Options
) => Exit.Exit<A, E> = internal.runBlockingExit
