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
