/**
 * A slab with generations: the reactor's `event_map`. Each entry gets a key that the poller hands back with every
 * event, and the key says both where the entry lives and which tenant of that slot it was given to:
 *
 *   key = (generation << 24) | index        index in [0, 2^24 - 1), generation in [0, 256)
 *
 * A slot's generation bumps when its entry is removed, so a key kept by anything (an event already in the kernel's
 * ready list, a wait batch being dispatched) stops resolving the moment its registration is freed, and never
 * resolves to the registration that reuses the slot (tokio's `ScheduledIo` keys carry a generation for the same
 * reason). Eight bits wrap after 256 reuses of one slot, so a stale key could only alias a new tenant if the slot
 * were freed and re-taken 256 times between an event's harvest and its dispatch; the reactor dispatches a batch
 * right after its wait, and nothing registers while it does.
 *
 * The index stops one short of 2^24 - 1 so that no key is 0xFFFFFFFF, the key the poller reserves for its own
 * notify source (`backend.h`, `kNotifyKey`).
 *
 * Freed slots are reused last-in first-out, as the `slab` crate does: the working set stays small and dense.
 *
 * @internal
 */
import { argumentError } from "./errno.js"
import { show } from "./show.js"

/** Bits of a key that hold the slot index. @internal */
export const INDEX_BITS = 24

/** @internal */
export const INDEX_MASK = (1 << INDEX_BITS) - 1

/** @internal */
export const GENERATION_MASK = 0xff

/**
 * The most entries a slab can hold: indices `0 .. MAX_ENTRIES - 1`, so the largest key is `0xFFFFFFFE`.
 *
 * @internal
 */
export const MAX_ENTRIES = INDEX_MASK

/** The slot index of a key. @internal */
export const indexOf = (key: number): number => key & INDEX_MASK

/** The generation of a key. @internal */
export const generationOf = (key: number): number => key >>> INDEX_BITS

/** The key of `index` at `generation`, as an unsigned 32-bit integer. @internal */
export const keyOf = (index: number, generation: number): number =>
  (((generation & GENERATION_MASK) << INDEX_BITS) | index) >>> 0

/** @internal */
export class Slab<A> {
  private readonly entries: Array<A | undefined> = []
  private readonly generations: Array<number> = []
  private readonly free: Array<number> = []
  private count = 0

  /** `capacity` bounds the number of live entries (at most `MAX_ENTRIES`); tests use a small one. */
  constructor(readonly capacity: number = MAX_ENTRIES) {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > MAX_ENTRIES) {
      throw argumentError("range", `capacity must be an integer from 1 to ${MAX_ENTRIES}, got ${show(capacity)}`)
    }
  }

  /** Live entries. */
  get size(): number {
    return this.count
  }

  /**
   * Stores the value `make(key)` builds and returns its key, or `-1` when the slab is full. `make` runs before the
   * slot is taken, so a `make` that throws leaves the slab as it was.
   */
  insert(make: (key: number) => A): number {
    let index: number
    if (this.free.length > 0) {
      index = this.free[this.free.length - 1]!
    } else if (this.entries.length < this.capacity) {
      index = this.entries.length
    } else {
      return -1
    }
    const generation = this.generations[index] ?? 0
    const key = keyOf(index, generation)
    const value = make(key)
    if (index === this.entries.length) {
      this.entries.push(value)
      this.generations.push(generation)
    } else {
      this.free.pop()
      this.entries[index] = value
    }
    this.count++
    return key
  }

  /** The entry of `key`, or `undefined` when the key is stale (its slot was freed, or reused since). */
  get(key: number): A | undefined {
    const index = key & INDEX_MASK
    if (index >= this.entries.length || this.generations[index] !== key >>> INDEX_BITS) return undefined
    return this.entries[index]
  }

  /** Removes the entry of `key` and bumps its slot's generation; `undefined` (and no change) for a stale key. */
  remove(key: number): A | undefined {
    const value = this.get(key)
    if (value === undefined) return undefined
    const index = key & INDEX_MASK
    this.entries[index] = undefined
    this.generations[index] = (this.generations[index]! + 1) & GENERATION_MASK
    this.free.push(index)
    this.count--
    return value
  }

  /** The live entries, in slot order; a copy, so the caller may remove while walking it. */
  values(): Array<A> {
    const out: Array<A> = []
    for (const value of this.entries) if (value !== undefined) out.push(value)
    return out
  }
}
