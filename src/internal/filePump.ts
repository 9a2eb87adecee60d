/**
 * How the jobs of a `File` come back: its operations, and the pump that settles them.
 *
 * Every operation is a job on libuv's thread pool (native `file.cc`). A job's completion lands in the handle's queue
 * and writes the handle's eventfd, which is registered with the reactor like any pollable fd: the reactor's turn is
 * what delivers completions, in both run modes (Node's loop watching the poller, or `blockOn` blocking in it).
 *
 * The pump. The file's one waker on that registration drains the queue (a non-blocking read of the eventfd and a
 * copy of the finished pairs) and settles each operation: it copies what a read produced into the caller's buffer,
 * stores the result and wakes the operation's waker or resumes its Effect, which only queues them. It is parked only
 * while operations are pending; after each drain the file decides whether it still is (it may close instead).
 *
 * An operation's life:
 *
 *   submitted (pending) --completion drained--> settled (result stored, waker woken once)
 *   submitted --future dropped | Effect interrupted--> cancelled (still pending: the job cannot be stopped)
 *   cancelled --completion drained--> forgotten (what it produced is freed, never copied)
 *
 * The pool job never touches the caller's memory: a write copies its bytes at submission and a read lands in the
 * job's own block, copied out only when a live operation settles. So after an interruption returns, nothing writes
 * into the caller's buffer (tokio's `fs::File` keeps its own buffer for the same reason), and a write's bytes are
 * the ones given at submission even if the caller reuses the array.
 *
 * @internal
 */
import type { Waker } from "../Waker.js"
import * as ioError from "./ioError.js"
import { binding, type NativeFileHandle } from "./native.js"
import * as reactor from "./reactor.js"
import * as waker from "./waker.js"

/** The result of an operation that the file's end cut short (the reactor closed): it fails with Closed. @internal */
export const ABANDONED = Number.NEGATIVE_INFINITY

/** The result of a read whose buffer the caller detached (transferred) before its bytes could be copied in. @internal */
export const DETACHED = Number.MIN_SAFE_INTEGER

/** A submitted job, from the JS side. @internal */
export class Operation {
  result: number | undefined = undefined
  waker: Waker | undefined = undefined
  resume: ((result: number) => void) | undefined = undefined
  cancelled = false
  constructor(
    readonly id: number,
    /** Where what the job produces is copied (a read's bytes, a stat record), from `offset`. */
    readonly target: Uint8Array | undefined,
    readonly offset: number,
    /** Whether the result is the number of bytes copied (a read) rather than the job's own (an fd, 0). */
    readonly counts: boolean
  ) {}

  /** Interruption or drop: the job runs on, but its result is forgotten and nothing is copied to the caller. */
  cancel(): void {
    if (this.result !== undefined) return
    this.cancelled = true
    this.waker = undefined
    this.resume = undefined
  }

  /** Stores the result and wakes whoever waits: once. */
  settle(result: number): void {
    this.result = result
    const w = this.waker
    const resume = this.resume
    this.waker = undefined
    this.resume = undefined
    w?.wake()
    resume?.(result)
  }
}

const batch = new Float64Array(128)

/** The registration's only waiter: drains completions and settles the pending operations. @internal */
export class Pump {
  private readonly pending = new Map<number, Operation>()
  private parked = false
  private pumping = false
  private again = false
  private stopped = false
  // Woken in the reactor's dispatch, the pump waits for the batch to end (`defer`): the file may deregister (a close)
  // after a drain, and dispatch never re-enters the reactor.
  private readonly waker: Waker = waker.make(() => this.registration.reactor.defer(this.pumpNow))
  private readonly pumpNow = (): void => this.pump()

  constructor(
    readonly handle: NativeFileHandle,
    readonly registration: reactor.Registration,
    /** Runs after each drain: whether operations still wait for completions (the file may close there instead). */
    private readonly drained: () => boolean
  ) {}

  /** Operations submitted and not settled, cancelled ones included. */
  get size(): number {
    return this.pending.size
  }

  /** Waits for `operation`'s completion. */
  add(operation: Operation): void {
    this.pending.set(operation.id, operation)
    this.park()
  }

  /** Every pending operation, forgotten here: for a file that ends without waiting for them. */
  takeAll(): Array<Operation> {
    const pending = Array.from(this.pending.values())
    this.pending.clear()
    return pending
  }

  /** The file is closed: the pump never parks again. */
  stop(): void {
    this.stopped = true
    this.parked = false
  }

  private park(): void {
    if (this.parked || this.stopped) return
    const ready = this.registration.pollReadable(this.waker)
    if (ready._tag === "Pending") this.parked = true
    else this.pump()
  }

  private pump(): void {
    // A waker settled here may run code that submits (and so parks) at once: that pass runs after this one.
    if (this.pumping) {
      this.again = true
      return
    }
    this.pumping = true
    try {
      do {
        this.again = false
        this.pumpOnce()
      } while (this.again)
    } finally {
      this.pumping = false
    }
  }

  private pumpOnce(): void {
    this.parked = false
    if (this.stopped) return
    const registration = this.registration
    // No turn of the reactor runs until this returns (one thread), so this tick is the one the drain answers.
    const tick = registration.tick
    this.drain()
    if (!this.drained()) return
    // The eventfd was read to zero: the next completion writes it, and that is a new event.
    registration.clearReadiness({ tick, ready: reactor.READABLE })
    this.park()
  }

  private drain(): void {
    const capacity = batch.length >>> 1
    for (;;) {
      const count = binding.fileDrain(this.handle, batch)
      // Settling wakes code that may drain again (through `pump`): work on a copy.
      const pairs = batch.slice(0, 2 * count)
      for (let i = 0; i < count; i++) this.complete(pairs[2 * i]!, pairs[2 * i + 1]!)
      if (count < capacity) return
    }
  }

  private complete(id: number, result: number): void {
    const operation = this.pending.get(id)
    if (operation === undefined) {
      binding.fileTake(this.handle, id)
      return
    }
    this.pending.delete(id)
    if (result < 0 || operation.target === undefined) {
      operation.settle(result)
    } else if (operation.cancelled) {
      binding.fileTake(this.handle, id)
    } else {
      let copied: number
      try {
        copied = binding.fileTake(this.handle, id, operation.target, operation.offset)
      } catch (error) {
        // Only the boundary's rejection of a detached buffer is expected; the bytes are dropped with the block.
        if (ioError.classify(error, "read") === undefined) throw error
        binding.fileTake(this.handle, id)
        return operation.settle(DETACHED)
      }
      operation.settle(operation.counts ? copied : result)
    }
  }
}
