/**
 * The executor — our own scheduler. It keeps a run queue of tasks (spawned futures) and runs the
 * chapter's loop: poll the ready tasks (a budget per batch), turn the reactor (wait, dispatch
 * events to wakers), fire due timers, repeat. It is driven either from Node's event loop
 * (integrated: `attach`, which `ReactorRuntime.layer` does) or by owning the thread (dedicated: `blockOn`,
 * `ReactorRuntime.runBlockingExit`). Programs that do IO want `ReactorRuntime`, which wires this executor with its
 * poller and reactor.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as internal from "./internal/executorService.js"
import type * as Reactor from "./Reactor.js"
import type { SimpleFuture } from "./SimpleFuture.js"

/**
 * The identifier of the `Executor` service.
 *
 * @example
 * ```ts
 * import { Executor } from "effect-reactor"
 *
 * const isExecutor = (u: object) => Executor.TypeId in u
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
 * import type { Executor } from "effect-reactor"
 *
 * type Id = Executor.TypeId
 * ```
 *
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * Executor options.
 *
 * - `budget`: tasks polled per batch before IO and timers get a turn (default 128), so an
 *   always-ready task cannot starve them.
 *
 * @example
 * ```ts
 * import type { Executor } from "effect-reactor"
 *
 * const options: Executor.Options = { budget: 64 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly budget?: number
}

/**
 * A spawned task: a future of its exit, and `cancel`, which drops the task's future (running its
 * cleanup) and makes the exit an interruption. Dropping the handle detaches it; the task runs on.
 *
 * @example
 * ```ts
 * import { Executor, SimpleFuture } from "effect-reactor"
 *
 * const executor = Executor.unsafeMake()
 * const handle: Executor.JoinHandle<number> = executor.spawn(SimpleFuture.succeed(1))
 * handle.cancel()
 * executor.close()
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface JoinHandle<A, E = never> extends SimpleFuture<A, E> {
  readonly id: number
  cancel(): void
}

/**
 * The synchronous executor.
 *
 * - `spawn(future)`: queue a task; it is first polled at the next turn, never inline.
 * - `tick()`: run one batch (at most `budget` tasks); `runUntilIdle()`: run batches, looking at
 *   IO and timers without blocking between them, until nothing is runnable.
 * - `blockOn(future)`: dedicated mode — run until `future` finishes, blocking in the poller (or
 *   for the nearest timer) when idle; a future that nothing can wake ends with a defect instead
 *   of hanging.
 * - `attach()` / `detach()`: integrated mode on and off.
 * - `close()`: cancel every task (running its cleanup) and every timer. Idempotent.
 *
 * @example
 * ```ts
 * import { Exit } from "effect"
 * import { Executor, SimpleFuture } from "effect-reactor"
 *
 * const executor = Executor.unsafeMake()
 * const exit = executor.blockOn(SimpleFuture.succeed(21).pipe(SimpleFuture.map((n) => n * 2)))
 * console.log(Exit.isSuccess(exit) && exit.value) // 42
 * executor.close()
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ExecutorHandle {
  readonly budget: number
  /** Tasks spawned and not finished. */
  readonly tasks: number
  /** Tasks and scheduled callbacks waiting to run. */
  readonly runnable: number
  readonly isClosed: boolean
  spawn<A, E>(future: SimpleFuture<A, E>): JoinHandle<A, E>
  tick(): number
  runUntilIdle(): void
  blockOn<A, E>(future: SimpleFuture<A, E>): Exit.Exit<A, E>
  attach(): void
  detach(): void
  close(): void
}

/**
 * The executor as an Effect service: `spawn` a future as a task, or `run` it and wait for its
 * result. Interrupting `run` cancels the task: its future is dropped and its wakers removed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Executor, ReactorRuntime, SimpleFuture } from "effect-reactor"
 *
 * const program = Effect.flatMap(Executor.Executor, (executor) => executor.run(SimpleFuture.succeed("hi")))
 * Effect.runPromise(Effect.provide(program, ReactorRuntime.layer)).then(console.log) // "hi"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Executor {
  readonly [TypeId]: TypeId
  readonly handle: ExecutorHandle
  spawn<A, E>(future: SimpleFuture<A, E>): Effect.Effect<JoinHandle<A, E>>
  run<A, E>(future: SimpleFuture<A, E>): Effect.Effect<A, E>
}

/**
 * The `Executor` service tag.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Executor } from "effect-reactor"
 *
 * const tasks = Effect.map(Executor.Executor, (executor) => executor.handle.tasks)
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export const Executor: Context.Tag<Executor, Executor> = internal.tag

/**
 * Builds a synchronous executor outside any scope (the caller closes it). Without a `reactor` it
 * runs futures that need only timers.
 *
 * @example
 * ```ts
 * import { Executor } from "effect-reactor"
 *
 * const executor = Executor.unsafeMake({ budget: 32 })
 * executor.close()
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const unsafeMake: (options?: Options & { readonly reactor?: Reactor.Reactor }) => ExecutorHandle =
  internal.unsafeMake

/**
 * Runs `future` on the `Executor` service and waits for its result (`SimpleFuture.toEffect`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Executor, ReactorRuntime, SimpleFuture } from "effect-reactor"
 *
 * const program = Executor.run(SimpleFuture.succeed(1)).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const run: <A, E>(future: SimpleFuture<A, E>) => Effect.Effect<A, E, Executor> = internal.run
