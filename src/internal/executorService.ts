/**
 * The Executor as an Effect service, and the runtime's layers and dedicated-mode entry point.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Api from "../Executor.js"
import type * as Poller from "../Poller.js"
import type * as Reactor from "../Reactor.js"
import type { PollerError } from "../PollerError.js"
import type * as SimpleFuture from "../SimpleFuture.js"
import * as bridge from "./bridge.js"
import { Executor } from "./executor.js"
import * as poller from "./poller.js"
import * as reactor from "./reactor.js"
import { clockFor, schedulerFor } from "./scheduler.js"

/** @internal */
export const TypeId: Api.TypeId = Symbol.for("effect-reactor/Executor") as Api.TypeId

/** @internal */
export const tag: Context.Tag<Api.Executor, Api.Executor> = Context.GenericTag<Api.Executor>("effect-reactor/Executor")

/** @internal */
export const unsafeMake = (options: Api.Options & { readonly reactor?: Reactor.Reactor } = {}): Api.ExecutorHandle =>
  new Executor({
    ...(options.budget === undefined ? {} : { budget: options.budget }),
    ...(options.reactor === undefined ? {} : { io: options.reactor })
  })

const fromHandle = (handle: Executor): Api.Executor => ({
  [TypeId]: TypeId,
  handle,
  spawn: (future) => Effect.sync(() => handle.spawn(future)),
  run: (future) => bridge.run(handle, future)
})

/** @internal */
export const make = (options: Api.Options = {}): Effect.Effect<Api.Executor, never, Reactor.Reactor | Scope.Scope> =>
  Effect.flatMap(reactor.tag, (io) =>
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() => {
          const handle = unsafeMake({ ...options, reactor: io }) as Executor
          if ((options.mode ?? "integrated") === "integrated") handle.attach()
          return handle
        }),
        (handle) => Effect.sync(() => handle.close())
      ),
      fromHandle
    ))

/** @internal */
export const layerWith = (options: Api.Options): Layer.Layer<Api.Executor, never, Reactor.Reactor> =>
  Layer.scoped(tag, make(options))

/** @internal */
export const layer: Layer.Layer<Api.Executor, never, Reactor.Reactor> = layerWith({})

/** @internal */
export const run = <A, E>(future: SimpleFuture.SimpleFuture<A, E>): Effect.Effect<A, E, Api.Executor> =>
  Effect.flatMap(tag, (executor) => executor.run(future))

/** @internal */
export const runtimeLayerWith = (
  options: Api.Options & Poller.Options
): Layer.Layer<Api.Executor | Reactor.Reactor | Poller.Poller, PollerError> => {
  const pollerLayer = poller.layerWith(options.backend === undefined ? {} : { backend: options.backend })
  const reactorLayer = Layer.provideMerge(reactor.layer, pollerLayer)
  return Layer.provideMerge(layerWith(options), reactorLayer)
}

/** @internal */
export const runtimeLayer: Layer.Layer<Api.Executor | Reactor.Reactor | Poller.Poller, PollerError> =
  runtimeLayerWith({})

/** Effect's Scheduler and Clock backed by the executor. @internal */
export const layerScheduler: Layer.Layer<never, never, Api.Executor> = Layer.unwrapEffect(
  Effect.map(tag, (executor) => {
    const handle = executor.handle as Executor
    return Layer.merge(Layer.setScheduler(schedulerFor(handle)), Layer.setClock(clockFor(handle)))
  })
)

/**
 * Dedicated mode: opens a poller, a reactor and an executor, runs `effect` with Effect's
 * Scheduler and Clock on the executor, and blocks this thread in the poller whenever nothing is
 * runnable, until the effect ends. Then closes all three.
 *
 * @internal
 */
export const runMain = <A, E>(
  effect: Effect.Effect<A, E, Api.Executor | Reactor.Reactor | Poller.Poller>,
  options: Api.Options & Poller.Options = {}
): Exit.Exit<A, E> => {
  const handle = poller.unsafeOpen(options.backend === undefined ? {} : { backend: options.backend })
  const io = reactor.unsafeMake(handle)
  const executor = unsafeMake({ ...options, reactor: io }) as Executor
  try {
    const services = Context.make(poller.tag, poller.fromHandle(handle)).pipe(
      Context.add(reactor.tag, io),
      Context.add(tag, fromHandle(executor))
    )
    const program = effect.pipe(
      Effect.provide(services),
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
