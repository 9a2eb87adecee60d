/**
 * The Executor as an Effect service.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Api from "../Executor.js"
import type * as Reactor from "../Reactor.js"
import type * as SimpleFuture from "../SimpleFuture.js"
import * as bridge from "./bridge.js"
import * as context from "./context.js"
import { Executor } from "./executor.js"
import * as reactor from "./reactor.js"

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

/** @internal */
export const fromHandle = (handle: Executor): Api.Executor => ({
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
          handle.attach()
          return handle
        }),
        (handle) => Effect.sync(() => handle.close())
      ),
      fromHandle
    ))

/** The Executor service, or a defect that names the layer to provide. @internal */
export const executorFor = (what: string): Effect.Effect<Api.Executor, never, Api.Executor> =>
  context.serviceFor(tag, what, "an executor")

/** @internal */
export const run = <A, E>(future: SimpleFuture.SimpleFuture<A, E>): Effect.Effect<A, E, Api.Executor> =>
  Effect.flatMap(executorFor("Executor.run"), (executor) => executor.run(future))
