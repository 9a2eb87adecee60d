/**
 * The timer queue: a binary min-heap of deadlines (milliseconds on a monotonic clock). The
 * executor folds the nearest deadline into the reactor's wait timeout and fires what is due
 * after each turn.
 *
 * An entry's life: armed --fire--> fired (its waker was woken)
 *                  armed --cancel--> cancelled (removed lazily when it reaches the top)
 * Cancelled entries are skipped, not searched for, so cancel is O(1); the heap is compacted when
 * more than half of it is cancelled, so 100k cancelled sleeps do not linger.
 *
 * @internal
 */
import type { Waker } from "../Waker.js"
import { TimerCounters } from "./counters.js"

const ARMED = 0
const FIRED = 1
const CANCELLED = 2

/** @internal */
export class TimerEntry {
  state: 0 | 1 | 2 = ARMED
  constructor(readonly deadline: number, readonly seq: number, public waker: Waker, readonly queue: TimerQueue) {}
  get fired(): boolean {
    return this.state === FIRED
  }
  /** Forgets the entry: its waker is never woken. A no-op once fired or cancelled. */
  cancel(): void {
    if (this.state !== ARMED) return
    this.state = CANCELLED
    this.queue.cancelled++
    this.queue.maybeCompact()
  }
}

const before = (a: TimerEntry, b: TimerEntry) => a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq)

/** @internal */
export class TimerQueue {
  private heap: Array<TimerEntry> = []
  private seq = 0
  /** @internal */
  cancelled = 0
  /** Timers fired and how late, read by `reactorMetrics.ts`. */
  readonly counters = new TimerCounters()
  /** Called when an insert becomes the nearest deadline (the integrated loop re-arms its libuv timer). */
  onEarlier: (() => void) | undefined = undefined

  constructor(readonly now: () => number) {}

  /** Armed entries. */
  get size(): number {
    return this.heap.length - this.cancelled
  }

  insert(deadline: number, waker: Waker): TimerEntry {
    const entry = new TimerEntry(deadline, this.seq++, waker, this)
    this.heap.push(entry)
    this.up(this.heap.length - 1)
    if (this.heap[0] === entry) this.onEarlier?.()
    return entry
  }

  /** The nearest armed deadline, or `undefined`. */
  nearest(): number | undefined {
    this.dropCancelledTop()
    return this.heap.length > 0 ? this.heap[0]!.deadline : undefined
  }

  /**
   * Milliseconds until the nearest deadline (0 when due), or -1 when nothing is armed: the
   * timeout to hand the poller.
   */
  timeout(now: number = this.now()): number {
    const deadline = this.nearest()
    if (deadline === undefined) return -1
    return deadline > now ? deadline - now : 0
  }

  /** Wakes every entry due at `now`, in deadline order; returns how many fired. */
  fire(now: number = this.now()): number {
    let fired = 0
    for (;;) {
      this.dropCancelledTop()
      const top = this.heap[0]
      if (top === undefined || top.deadline > now) return fired
      this.pop()
      top.state = FIRED
      fired++
      this.counters.fired++
      // Microseconds past the deadline: how long the loop took to notice it (never negative, `top` is due).
      this.counters.lateness.record((now - top.deadline) * 1000)
      top.waker.wake()
    }
  }

  /** Cancels every entry (the executor is closing). */
  clear(): void {
    for (const entry of this.heap) if (entry.state === ARMED) entry.state = CANCELLED
    this.heap = []
    this.cancelled = 0
  }

  /** @internal */
  maybeCompact(): void {
    if (this.cancelled < 1024 || this.cancelled * 2 < this.heap.length) return
    this.heap = this.heap.filter((entry) => entry.state === ARMED)
    this.cancelled = 0
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i)
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && this.heap[0]!.state === CANCELLED) {
      this.pop()
      this.cancelled--
    }
  }

  private pop(): void {
    const last = this.heap.pop()!
    if (this.heap.length > 0) {
      this.heap[0] = last
      this.down(0)
    }
  }

  private up(i: number): void {
    const heap = this.heap
    const entry = heap[i]!
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(entry, heap[parent]!)) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = entry
  }

  private down(i: number): void {
    const heap = this.heap
    const n = heap.length
    const entry = heap[i]!
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      const child = right < n && before(heap[right]!, heap[left]!) ? right : left
      if (!before(heap[child]!, entry)) break
      heap[i] = heap[child]!
      i = child
    }
    heap[i] = entry
  }
}
