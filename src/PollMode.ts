/**
 * How a registration reports readiness, after `epoll(7)`'s triggering modes.
 *
 * - `"oneshot"` (the default): report once, then stay quiet until re-armed with `modify`. The reactor's mode: a
 *   readiness is delivered to exactly one waker and never repeats behind its back.
 * - `"level"`: report on every wait while the fd is ready.
 * - `"edge"`: report when the fd becomes ready; the reader must drain it until `EAGAIN` before the next report.
 * - `"edgeOneshot"`: edge-triggered and disarmed after one report.
 *
 * @since 0.1.0
 */
import * as internal from "./internal/pollMode.js"

/**
 * A triggering mode.
 *
 * @example
 * ```ts
 * import type { PollMode } from "effect-reactor"
 *
 * const mode: PollMode.PollMode = "level"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type PollMode = "oneshot" | "level" | "edge" | "edgeOneshot"

/**
 * The native code of a mode: `oneshot` 0, `level` 1, `edge` 2, `edgeOneshot` 3 (`Poller.modeCode` converts).
 *
 * @example
 * ```ts
 * import type { PollMode } from "effect-reactor"
 *
 * const level: PollMode.Code = 1
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Code = 0 | 1 | 2 | 3

/**
 * The mode used when none is given: `"oneshot"`.
 *
 * @example
 * ```ts
 * import { PollMode } from "effect-reactor"
 *
 * console.log(PollMode.defaultMode) // "oneshot"
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMode: PollMode = "oneshot"

/**
 * Every mode, in native-code order.
 *
 * @example
 * ```ts
 * import { PollMode } from "effect-reactor"
 *
 * for (const mode of PollMode.modes) console.log(mode)
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const modes: ReadonlyArray<PollMode> = internal.modes

/**
 * Whether a value is a `PollMode`.
 *
 * @example
 * ```ts
 * import { PollMode } from "effect-reactor"
 *
 * const fromConfig: unknown = "edge"
 * const mode: PollMode.PollMode = PollMode.isPollMode(fromConfig) ? fromConfig : PollMode.defaultMode
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isPollMode: (u: unknown) => u is PollMode = internal.isPollMode

/**
 * Whether a mode is edge-triggered (`"edge"` or `"edgeOneshot"`); the poll(2) backend cannot do these.
 *
 * @example
 * ```ts
 * import { PollMode } from "effect-reactor"
 *
 * console.log(PollMode.isEdge("edgeOneshot")) // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isEdge: (mode: PollMode) => boolean = internal.isEdge

/**
 * Whether a mode disarms the registration after one report (`"oneshot"` or `"edgeOneshot"`).
 *
 * @example
 * ```ts
 * import { PollMode } from "effect-reactor"
 *
 * console.log(PollMode.isOneshot("level")) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isOneshot: (mode: PollMode) => boolean = internal.isOneshot
