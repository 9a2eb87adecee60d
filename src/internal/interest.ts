/**
 * Interest bits. The values are the native addon's `INTEREST_*` constants, written here as literals so that the
 * pure modules load without the addon; a test holds the two in step.
 *
 * @internal
 */
import { dual } from "effect/Function"
import type { Interest } from "../Interest.js"
import { argumentError } from "./errno.js"
import { show } from "./show.js"

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

// The combinators are plain functions, typed but callable from JavaScript: a value that is no Interest is a TypeError
// naming the argument (a number out of range would silently set bits the poller rejects later).
const checked = (name: string, u: unknown): number => {
  if (isInterest(u)) return u
  throw argumentError("type", `The "${name}" argument must be an Interest (an integer from 0 to 7), got ${show(u)}`)
}

/** @internal */
export const combine: {
  (that: Interest): (self: Interest) => Interest
  (self: Interest, that: Interest): Interest
} = dual(2, (self: Interest, that: Interest): Interest => (checked("self", self) | checked("that", that)) as Interest)

/** @internal */
export const remove: {
  (that: Interest): (self: Interest) => Interest
  (self: Interest, that: Interest): Interest
} = dual(2, (self: Interest, that: Interest): Interest => (checked("self", self) & ~checked("that", that)) as Interest)

/** @internal */
export const isReadable = (self: Interest): boolean => (self & READABLE) !== 0

/** @internal */
export const isWritable = (self: Interest): boolean => (self & WRITABLE) !== 0

/** @internal */
export const isPriority = (self: Interest): boolean => (self & PRIORITY) !== 0

/** @internal */
export const isInterest = (u: unknown): u is Interest =>
  typeof u === "number" && Number.isInteger(u) && u >= 0 && (u & ~ALL) === 0
