/**
 * effect-reactor: an Effect-typed async IO runtime for Node.js.
 *
 * @since 0.1.0
 */

/**
 * What a registration waits for: readable, writable, priority data, or a mix.
 *
 * @example
 * ```ts
 * import { Interest } from "effect-reactor"
 *
 * const both = Interest.combine(Interest.readable, Interest.writable)
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Interest from "./Interest.js"

/**
 * Reading a wait batch: flag accessors, formatting and iteration.
 *
 * @example
 * ```ts
 * import { PollEvent } from "effect-reactor"
 *
 * const events = PollEvent.makeBatch(256)
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as PollEvent from "./PollEvent.js"

/**
 * The readiness poller: a synchronous native handle and an Effect service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Poller } from "effect-reactor"
 *
 * const backend = Effect.provide(Effect.map(Poller.Poller, (poller) => poller.backend), Poller.layer)
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Poller from "./Poller.js"

/**
 * The typed error of every `Poller` operation.
 *
 * @example
 * ```ts
 * import { PollerError } from "effect-reactor"
 *
 * const isClosed = PollerError.isReason("Closed")
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as PollerError from "./PollerError.js"

/**
 * How a registration reports readiness: oneshot, level, edge, edge-oneshot.
 *
 * @example
 * ```ts
 * import { PollMode } from "effect-reactor"
 *
 * const mode: PollMode.PollMode = PollMode.defaultMode
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as PollMode from "./PollMode.js"

/**
 * The reactor: registrations with per-direction readiness, and the turn that dispatches poller events to wakers.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Poller, Reactor } from "effect-reactor"
 *
 * const ReactorLive = Reactor.layer.pipe(Layer.provide(Poller.layer))
 * const registered = Effect.provide(Effect.map(Reactor.Reactor, (reactor) => reactor.registrations), ReactorLive)
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Reactor from "./Reactor.js"

/**
 * The answer of one poll: `Ready` with a value, or the shared `Pending`.
 *
 * @example
 * ```ts
 * import { Poll } from "effect-reactor"
 *
 * const answer: Poll.Poll<number> = Poll.ready(1)
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Poll from "./Poll.js"

/**
 * What a pending future keeps so that it can be polled again.
 *
 * @example
 * ```ts
 * import { Waker } from "effect-reactor"
 *
 * const waker = Waker.make(() => console.log("poll me again"))
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as Waker from "./Waker.js"

/**
 * Futures with a typed failure: constructors and `dual` combinators (map, flatMap, all, race, timeout, sleep).
 *
 * @example
 * ```ts
 * import { SimpleFuture } from "effect-reactor"
 *
 * const future = SimpleFuture.all([SimpleFuture.succeed(1), SimpleFuture.sleep(10)])
 * ```
 *
 * @since 0.1.0
 * @category modules
 */
export * as SimpleFuture from "./SimpleFuture.js"

/**
 * The executor (our scheduler): a run queue of tasks, a budget per batch, `spawn`, `blockOn`,
 * cancellation; driven from Node's event loop or owning the thread.
 *
 * @example
 * ```ts
 * import { Exit } from "effect"
 * import { Executor, SimpleFuture } from "effect-reactor"
 *
 * const executor = Executor.unsafeMake()
 * console.log(Exit.isSuccess(executor.blockOn(SimpleFuture.succeed(1)))) // true
 * executor.close()
 * ```
 *
 * @since 0.1.0
 */
export * as Executor from "./Executor.js"

/**
 * The runtime wired: `Poller` -> `Reactor` -> `Executor` as one layer, Effect's Scheduler and
 * Clock on the executor, and the dedicated entry point `runMain`.
 *
 * @example
 * ```ts
 * import { Effect, Exit } from "effect"
 * import { Runtime } from "effect-reactor"
 *
 * console.log(Exit.isSuccess(Runtime.runMain(Effect.sleep("1 millis")))) // true
 * ```
 *
 * @since 0.1.0
 */
export * as Runtime from "./Runtime.js"
