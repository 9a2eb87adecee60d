/**
 * Poll modes and their native codes (`MODE_*` in the addon; a test holds the two in step).
 *
 * @internal
 */
import type { Code, PollMode } from "../PollMode.js"

/** @internal */
export const codes: { readonly [M in PollMode]: Code } = {
  oneshot: 0,
  level: 1,
  edge: 2,
  edgeOneshot: 3
}

/** @internal */
export const modes: ReadonlyArray<PollMode> = ["oneshot", "level", "edge", "edgeOneshot"]

/** @internal */
export const isPollMode = (u: unknown): u is PollMode => typeof u === "string" && Object.hasOwn(codes, u)

/**
 * The native code of a mode. Untyped callers must check `isPollMode` first: a string that is not a mode has no code.
 *
 * @internal
 */
export const toNative = (mode: PollMode): Code => codes[mode]

/** @internal */
export const isEdge = (mode: PollMode): boolean => mode === "edge" || mode === "edgeOneshot"

/** @internal */
export const isOneshot = (mode: PollMode): boolean => mode === "oneshot" || mode === "edgeOneshot"
