/**
 * Interest bits. The values are the native addon's `INTEREST_*` constants, written here as literals so that the
 * pure modules load without the addon; a test holds the two in step.
 *
 * @internal
 */
import { dual } from "effect/Function"
import type { Interest } from "../Interest.js"

/** @internal */
export const NONE = 0 as Interest
/** @internal */
export const READABLE = 1 as Interest
/** @internal */
export const WRITABLE = 2 as Interest
/** @internal */
export const PRIORITY = 4 as Interest
/** @internal */
export const BOTH = (READABLE | WRITABLE) as Interest
/** @internal */
export const ALL = (READABLE | WRITABLE | PRIORITY) as Interest

/** @internal */
export const combine: {
  (that: Interest): (self: Interest) => Interest
  (self: Interest, that: Interest): Interest
} = dual(2, (self: Interest, that: Interest): Interest => (self | that) as Interest)

/** @internal */
export const remove: {
  (that: Interest): (self: Interest) => Interest
  (self: Interest, that: Interest): Interest
} = dual(2, (self: Interest, that: Interest): Interest => (self & ~that) as Interest)

/** @internal */
export const isReadable = (self: Interest): boolean => (self & READABLE) !== 0

/** @internal */
export const isWritable = (self: Interest): boolean => (self & WRITABLE) !== 0

/** @internal */
export const isPriority = (self: Interest): boolean => (self & PRIORITY) !== 0

/** @internal */
export const isInterest = (u: unknown): u is Interest =>
  typeof u === "number" && Number.isInteger(u) && u >= 0 && (u & ~ALL) === 0
