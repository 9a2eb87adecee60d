/**
 * Hand-written futures for executor and runtime tests: each test controls exactly when a task is
 * ready, and sees how often it was polled and dropped.
 */
import * as Exit from "effect/Exit"
import * as context from "../../src/internal/context.js"
import { FutureBase } from "../../src/internal/future.js"
import * as poll from "../../src/internal/poll.js"
import type { TimerEntry } from "../../src/internal/timerQueue.js"
import type { Poll } from "../../src/Poll.js"
import type { Waker } from "../../src/Waker.js"

/** Pending until `open()`; counts polls and drops. Dropping forgets the waker, as cleanup should. */
export class Gate extends FutureBase<string, never> {
  polls = 0
  drops = 0
  waker: Waker | undefined = undefined
  isOpen = false
  poll(waker: Waker): Poll<Exit.Exit<string, never>> {
    this.polls++
    this.waker = waker
    return this.isOpen ? poll.ready(Exit.succeed("open")) : poll.pending
  }
  open(): void {
    this.isOpen = true
    this.waker?.wake()
  }
  protected override onDrop(): void {
    this.drops++
    this.waker = undefined
  }
}

/** Ready, with the clock's time, once the current executor's timer has fired its entry. */
export class Delay extends FutureBase<number, never> {
  private entry: TimerEntry | undefined = undefined
  constructor(readonly ms: number) {
    super()
  }
  poll(waker: Waker): Poll<Exit.Exit<number, never>> {
    const timer = context.currentContext("Delay").timer
    if (this.entry === undefined) this.entry = timer.insert(timer.now() + this.ms, waker)
    this.entry.waker = waker
    return this.entry.fired ? poll.ready(Exit.succeed(timer.now())) : poll.pending
  }
  protected override onDrop(): void {
    this.entry?.cancel()
  }
}

/** Pending forever, keeping no waker: nothing can wake it. */
export class Never extends FutureBase<never, never> {
  poll(): Poll<Exit.Exit<never, never>> {
    return poll.pending
  }
}
