/**
 * A FIFO queue over an array with a moving head: push and shift are O(1) amortized, and the
 * consumed prefix is dropped once it is most of the array (or all of it), so a long-lived queue
 * neither shifts elements nor grows without bound.
 *
 * @internal
 */
export class Fifo<A> {
  private items: Array<A | undefined> = []
  private head = 0

  get length(): number {
    return this.items.length - this.head
  }

  push(item: A): void {
    this.items.push(item)
  }

  /** The oldest item, or `undefined` when empty. */
  shift(): A | undefined {
    if (this.head === this.items.length) return undefined
    const item = this.items[this.head]
    this.items[this.head++] = undefined
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }

  clear(): void {
    this.items = []
    this.head = 0
  }
}
