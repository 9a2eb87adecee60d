/**
 * A FIFO queue in a ring buffer: push and shift are O(1) and allocate nothing once the ring is large enough for the
 * queue's high-water mark (it doubles when full). A consumed slot is cleared, so the ring holds no stale item alive.
 *
 * @internal
 */
export class Fifo<A> {
  private items: Array<A | undefined> = new Array(16).fill(undefined)
  private mask = 15
  private head = 0
  private count = 0

  get length(): number {
    return this.count
  }

  push(item: A): void {
    if (this.count === this.items.length) this.grow()
    this.items[(this.head + this.count) & this.mask] = item
    this.count++
  }

  /** The oldest item, or `undefined` when empty. */
  shift(): A | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) & this.mask
    this.count--
    return item
  }

  clear(): void {
    this.items.fill(undefined)
    this.head = 0
    this.count = 0
  }

  private grow(): void {
    const capacity = this.items.length
    const items: Array<A | undefined> = new Array(capacity * 2).fill(undefined)
    for (let i = 0; i < capacity; i++) items[i] = this.items[(this.head + i) & this.mask]
    this.items = items
    this.mask = capacity * 2 - 1
    this.head = 0
  }
}
