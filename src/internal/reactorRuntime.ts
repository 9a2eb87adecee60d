/**
 * The runtime wired: `Poller` -> `Reactor` -> `Executor`, as one service that only something which drives the reactor
 * can provide.
 *
 * Why a service of its own. A reactor does nothing by itself: its waiters wake only inside a `turn`, which the
 * executor runs from Node's loop (integrated) or from `blockOn` (dedicated). A `Reactor` alone (`Reactor.make`) is
 * for code that turns it by hand, so the IO constructors do not accept one: they ask for `ReactorRuntime`, which
 * exists only where an executor drives its reactor. A program wired without it does not type-check, and one that
 * gets past the types (plain JavaScript, a cast) dies with a message that names the layer to provide. As a last
 * line, an Effect wait on a reactor that nothing drives dies at once (`Source`), instead of ending the program at
 * its first wait with exit code 0.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Executor from "../Executor.js"
import type * as Poller from "../Poller.js"
import type { PollerError } from "../PollerError.js"
import type * as Reactor from "../Reactor.js"
import type * as Api from "../ReactorRuntime.js"
import * as bridge from "./bridge.js"
import * as context from "./context.js"
import type { Executor as ExecutorImpl } from "./executor.js"
import * as executorService from "./executorService.js"
import * as poller from "./poller.js"
import * as reactor from "./reactor.js"
import { clockFor, schedulerFor } from "./scheduler.js"

/** @internal */
export const TypeId: Api.TypeId = Symbol.for("effect-reactor/ReactorRuntime") as Api.TypeId

/** @internal */
export const tag: Context.Tag<Api.ReactorRuntime, Api.ReactorRuntime> = Context.GenericTag<Api.ReactorRuntime>(
  "effect-reactor/ReactorRuntime"
)

/** The runtime service, or a defect that names the layer to provide. @internal */
export const runtimeFor = (what: string): Effect.Effect<Api.ReactorRuntime, never, Api.ReactorRuntime> =>
  context.serviceFor(tag, what, "the effect-reactor runtime")

/** The runtime's reactor, for the IO constructors; a defect naming the layer when there is no runtime. @internal */
export const reactorFor = (what: string): Effect.Effect<Reactor.Reactor, never, Api.ReactorRuntime> =>
  Effect.map(runtimeFor(what), (runtime) => runtime.reactor)

const services = (
  runtime: Api.ReactorRuntime
): Context.Context<Api.ReactorRuntime | Executor.Executor | Reactor.Reactor | Poller.Poller> =>
  Context.make(tag, runtime).pipe(
    Context.add(executorService.tag, runtime.executor),
    Context.add(reactor.tag, runtime.reactor),
    Context.add(poller.tag, runtime.poller)
  )

/** @internal */
export const make = (
  options: Api.Options = {}
): Effect.Effect<Api.ReactorRuntime, PollerError, Scope.Scope> =>
  Effect.gen(function*() {
    const pollerService = yield* poller.make(options.backend === undefined ? {} : { backend: options.backend })
    const io = yield* Effect.provideService(reactor.make, poller.tag, pollerService)
    const executor = yield* Effect.provideService(
      executorService.make(options.budget === undefined ? {} : { budget: options.budget }),
      reactor.tag,
      io
    )
    return { [TypeId]: TypeId, poller: pollerService, reactor: io, executor, mode: "integrated" as const }
  })

/** @internal */
export const layerWith = (
  options: Api.Options
): Layer.Layer<Api.ReactorRuntime | Executor.Executor | Reactor.Reactor | Poller.Poller, PollerError> =>
  Layer.scopedContext(Effect.map(make(options), services))

/** @internal */
export const layer: Layer.Layer<Api.ReactorRuntime | Executor.Executor | Reactor.Reactor | Poller.Poller, PollerError> =
  layerWith({})

/** Effect's Scheduler and Clock backed by the runtime's executor. @internal */
export const layerScheduler: Layer.Layer<never, never, Api.ReactorRuntime> = Layer.unwrapEffect(
  Effect.map(runtimeFor("ReactorRuntime.layerScheduler"), (runtime) => {
    const handle = runtime.executor.handle as ExecutorImpl
    return Layer.merge(Layer.setScheduler(schedulerFor(handle)), Layer.setClock(clockFor(handle)))
  })
)

/**
 * Dedicated mode: opens a poller, a reactor and an executor, runs `effect` with Effect's Scheduler and Clock on the
 * executor, and blocks this thread in the poller whenever nothing is runnable, until the effect ends. Then closes all
 * three, in reverse order.
 *
 * @internal
 */
export const runBlockingExit = <A, E>(
  effect: Effect.Effect<A, E, Api.ReactorRuntime | Executor.Executor | Reactor.Reactor | Poller.Poller>,
  options: Api.Options = {}
): Exit.Exit<A, E> => {
  const handle = poller.unsafeOpen(options.backend === undefined ? {} : { backend: options.backend })
  const io = reactor.unsafeMake(handle)
  const executor = executorService.unsafeMake({
    ...(options.budget === undefined ? {} : { budget: options.budget }),
    reactor: io
  }) as ExecutorImpl
  try {
    const runtime: Api.ReactorRuntime = {
      [TypeId]: TypeId,
      poller: poller.fromHandle(handle),
      reactor: io,
      executor: executorService.fromHandle(executor),
      mode: "dedicated"
    }
    const program = effect.pipe(
      Effect.provide(services(runtime)),
      Effect.withScheduler(schedulerFor(executor)),
      Effect.withClock(clockFor(executor))
    )
    return executor.blockOn(bridge.fromEffect(program))
  } finally {
    executor.close()
    io.close()
    handle.close()
  }
}
