/**
 * Readiness flags of a wait batch. The values are the native addon's `EVENT_*` constants, written here as literals
 * so that the pure modules load without the addon; a test holds the two in step.
 *
 * @internal
 */
import type { Flags } from "../PollEvent.js"
import { argumentError } from "./errno.js"
import { show } from "./show.js"

/** @internal */
export const READABLE = 1 as Flags
/** @internal */
export const WRITABLE = 2 as Flags
/** @internal */
export const HANGUP = 4 as Flags
/** @internal */
export const ERROR = 8 as Flags
/** @internal */
export const PRIORITY = 16 as Flags

/** @internal */
export const isReadable = (flags: Flags): boolean => (flags & READABLE) !== 0

/** @internal */
export const isWritable = (flags: Flags): boolean => (flags & WRITABLE) !== 0

/** @internal */
export const isHangup = (flags: Flags): boolean => (flags & HANGUP) !== 0

/** @internal */
export const isError = (flags: Flags): boolean => (flags & ERROR) !== 0

/** @internal */
export const isPriority = (flags: Flags): boolean => (flags & PRIORITY) !== 0

const names: ReadonlyArray<readonly [number, string]> = [
  [READABLE, "readable"],
  [WRITABLE, "writable"],
  [HANGUP, "hangup"],
  [ERROR, "error"],
  [PRIORITY, "priority"]
]

/** @internal */
export const format = (flags: Flags): string => {
  const parts: Array<string> = []
  let rest = flags >>> 0
  for (const [bit, name] of names) {
    if ((rest & bit) !== 0) {
      parts.push(name)
      rest &= ~bit
    }
  }
  // Bits this version does not know still show up, so a new native flag is visible rather than silently dropped.
  if (rest !== 0) parts.push(`0x${(rest >>> 0).toString(16)}`)
  return parts.length === 0 ? "none" : parts.join("|")
}

/** @internal */
export const forEach = (events: Uint32Array, count: number, f: (key: number, flags: Flags) => void): void => {
  // A count larger than the batch (or negative, or NaN) never reads past it.
  const n = Math.min(count, events.length >>> 1)
  for (let i = 0; i < n; i++) {
    // The native wait wrote these words: this is where they become `Flags` (a type-only brand, no conversion).
    f(events[2 * i]!, events[2 * i + 1]! as Flags)
  }
}

/** @internal */
export const makeBatch = (capacity: number): Uint32Array => {
  // 2^24 events (128 MiB) is far past any useful batch: the native wait fills at most 4096 at a time.
  if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > MAX_BATCH) {
    throw argumentError("range", `The "capacity" argument must be an integer from 1 to 2^24, got ${show(capacity)}`)
  }
  return new Uint32Array(capacity * 2)
}

/** @internal */
export const MAX_BATCH = 2 ** 24
