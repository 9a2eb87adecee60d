/**
 * The executor: a run queue of tasks, polled in FIFO order, with the reactor and the timer queue
 * driven between batches. The chapter's loop: run ready tasks (at most `budget` per batch) ->
 * `turn` the reactor (wait, dispatch events to wakers) -> fire due timers -> repeat.
 *
 * A task is its own waker, so waking allocates nothing. Its states (tokio's, simplified for one
 * thread):
 *
 *   IDLE --wake--> SCHEDULED --run--> RUNNING --Pending--> IDLE
 *                                     RUNNING --wake--> NOTIFIED --Pending--> SCHEDULED (requeued)
 *                                     RUNNING | NOTIFIED --Ready--> COMPLETE
 *   any state but COMPLETE --cancel--> COMPLETE (future dropped, exit = interrupted)
 *
 * Waking never polls inline: it only queues, and a task woken N times before it runs is queued
 * once. Cancelling a running task (from inside its own poll) drops it when that poll returns.
 *
 * Two ways to drive it, one executor:
 * - integrated (default): `attach()` hooks it to Node's event loop — the poller's watch callback,
 *   one libuv timer for the nearest deadline, and `setImmediate` while tasks are runnable;
 * - dedicated: `blockOn(future)` owns the thread and blocks in the poller's wait when idle.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Scheduler from "effect/Scheduler"
import { type EventLoopUtilization, performance as perfHooks } from "node:perf_hooks"
import type { Poll } from "../Poll.js"
import type * as SimpleFuture from "../SimpleFuture.js"
import type * as WakerModule from "../Waker.js"
import type { Waker } from "../Waker.js"
import * as context from "./context.js"
import { ExecutorCounters } from "./counters.js"
import { argumentError } from "./errno.js"
import { Fifo } from "./fifo.js"
import { FutureBase } from "./future.js"
import * as poll from "./poll.js"
import { TimerQueue } from "./timerQueue.js"
import { TypeId as WakerTypeId } from "./waker.js"

// Effect's own default: a fiber yields after this many operations in a row.
const maxOpsBeforeYield = 2048

const IDLE = 0
const SCHEDULED = 1
const RUNNING = 2
const NOTIFIED = 3
const COMPLETE = 4

type State = typeof IDLE | typeof SCHEDULED | typeof RUNNING | typeof NOTIFIED | typeof COMPLETE

/** The exit of a cancelled task. @internal */
export const cancelledExit: Exit.Exit<never, never> = Exit.failCause(Cause.interrupt(FiberId.none))

/** @internal */
export class Task<A, E> implements Waker {
  readonly [WakerTypeId]: WakerModule.TypeId = WakerTypeId
  state: State = SCHEDULED
  exit: Exit.Exit<A, E> | undefined = undefined
  /** Wakers of the futures awaiting this task (JoinHandles). */
  joiners: Array<Waker> = []
  cancelRequested = false

  constructor(
    readonly id: number,
    public future: SimpleFuture.SimpleFuture<A, E> | undefined,
    readonly executor: Executor
  ) {}

  wake(): void {
    switch (this.state) {
      case IDLE:
        this.state = SCHEDULED
        this.executor.schedule(this)
        return
      case RUNNING:
        this.state = NOTIFIED
        return
      default:
        return
    }
  }

  willWake(other: Waker): boolean {
    return other === this
  }
}

/** A spawned task's handle: a future of its exit, and a way to cancel it. @internal */
export class JoinHandle<A, E> extends FutureBase<A, E> {
  private waker: Waker | undefined = undefined
  constructor(readonly task: Task<A, E>) {
    super()
  }

  get id(): number {
    return this.task.id
  }

  poll(waker: Waker): Poll<Exit.Exit<A, E>> {
    if (this.finished) throw new Error("JoinHandle: polled after it finished or was dropped")
    const task = this.task
    if (task.exit !== undefined) {
      this.finished = true
      this.unjoin()
      return poll.ready(task.exit)
    }
    if (this.waker === undefined || !this.waker.willWake(waker)) {
      this.unjoin()
      this.waker = waker
      task.joiners.push(waker)
    }
    return poll.pending
  }

  /** Cancels the task: its future is dropped and its exit is an interruption. */
  cancel(): void {
    this.task.executor.cancel(this.task)
  }

  /** Dropping a handle detaches from the task (it keeps running), like dropping a tokio JoinHandle. */
  protected override onDrop(): void {
    this.unjoin()
  }

  private unjoin(): void {
    if (this.waker === undefined) return
    const index = this.task.joiners.indexOf(this.waker)
    if (index >= 0) this.task.joiners.splice(index, 1)
    this.waker = undefined
  }
}

/** @internal */
export interface ExecutorOptions {
  /** Tasks polled per batch before the reactor and timers get a turn. Default 128. */
  readonly budget?: number
  readonly io?: context.IoDriver
  /**
   * Monotonic milliseconds. Default `performance.now`. A manual clock is for tests that drive the
   * executor with `tick` / `runUntilIdle`: `blockOn` sleeps real time towards the clock's deadlines.
   */
  readonly now?: () => number
}

/** @internal */
export class Executor {
  readonly timer: TimerQueue
  readonly io: context.IoDriver | undefined
  readonly budget: number
  /** @internal */
  readonly context: context.RuntimeContext
  /** What `tick` and the Node-loop attachment count, read by `reactorMetrics.ts`. @internal */
  readonly counters = new ExecutorCounters()
  private readonly queue = new Fifo<Task<any, any>>()
  // Plain callbacks (Effect fiber steps from the executor-backed Scheduler) share the run queue's
  // budget, so fibers and tasks take turns.
  private readonly callbacks = new Fifo<() => void>()
  private readonly live = new Set<Task<any, any>>()
  private nextId = 1
  private closed = false
  private attachment: Attachment | undefined = undefined

  constructor(options: ExecutorOptions = {}) {
    const budget = options.budget ?? 128
    if (!Number.isInteger(budget) || budget < 1) {
      throw argumentError("range", "The \"budget\" option must be a positive integer")
    }
    this.budget = budget
    this.io = options.io
    this.timer = new TimerQueue(options.now ?? (() => performance.now()))
    // Fibers forked by futures (SimpleFuture.fromEffect) and by Effect code given this scheduler
    // run in the executor's turns, in both run modes.
    const scheduler = Scheduler.make(
      (task) => this.queueCallback(task),
      (fiber) => (fiber.currentOpCount > maxOpsBeforeYield ? 0 : false)
    )
    this.context = { timer: this.timer, io: this.io, scheduler }
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Tasks spawned and not finished. */
  get tasks(): number {
    return this.live.size
  }

  /** Tasks and callbacks waiting to run. */
  get runnable(): number {
    return this.queue.length + this.callbacks.length
  }

  /**
   * Queues `callback` to run on the executor's loop, in turn with tasks. Once the executor is closed, Effect's own
   * scheduler runs it instead: a callback is a fiber's next step (often its interruption), and dropping it would
   * leave that fiber suspended forever, and whoever awaits it (a parent fiber ending, a scope) hung with it.
   */
  queueCallback(callback: () => void): void {
    if (this.closed) return Scheduler.defaultScheduler.scheduleTask(callback, 0)
    this.callbacks.push(callback)
    if (this.attachment !== undefined) this.attachment.requestRun()
  }

  spawn<A, E>(future: SimpleFuture.SimpleFuture<A, E>): JoinHandle<A, E> {
    if (this.closed) {
      future.drop()
      const task = new Task<A, E>(this.nextId++, undefined, this)
      task.state = COMPLETE
      task.exit = cancelledExit
      return new JoinHandle(task)
    }
    const task = new Task(this.nextId++, future, this)
    this.live.add(task)
    this.schedule(task)
    return new JoinHandle(task)
  }

  /** @internal */
  schedule(task: Task<any, any>): void {
    this.queue.push(task)
    if (this.attachment !== undefined) this.attachment.requestRun()
  }

  /** Runs at most `budget` queued tasks and callbacks, alternating; returns how many ran. */
  tick(): number {
    let ran = 0
    let callbacks = 0
    const previous = context.enter(this.context)
    try {
      while (ran < this.budget) {
        const task = this.queue.shift()
        if (task !== undefined) {
          ran++
          this.run(task)
        }
        const callback = ran < this.budget ? this.callbacks.shift() : undefined
        if (callback !== undefined) {
          ran++
          callbacks++
          callback()
        }
        if (task === undefined && callback === undefined) break
      }
    } finally {
      context.leave(previous)
      const counters = this.counters
      counters.callbacksRun += callbacks
      if (ran >= this.budget && this.runnable > 0) counters.budgetExhausted++
    }
    return ran
  }

  private run<A, E>(task: Task<A, E>): void {
    if (task.state !== SCHEDULED) return
    task.state = RUNNING
    this.counters.tasksPolled++
    let result: Poll<Exit.Exit<A, E>>
    try {
      result = task.future!.poll(task)
    } catch (defect) {
      // Like a panicking tokio task: the task dies, and its future is still dropped so that what
      // it holds (timers, registrations, inner futures) is released.
      this.finish(task, Exit.die(defect), true)
      return
    }
    if (task.cancelRequested) {
      this.finish(task, cancelledExit, true)
    } else if (result._tag === "Ready") {
      this.finish(task, result.value, false)
    } else if ((task.state as State) === NOTIFIED) {
      task.state = SCHEDULED
      this.schedule(task)
    } else {
      task.state = IDLE
    }
  }

  private finish<A, E>(task: Task<A, E>, exit: Exit.Exit<A, E>, drop: boolean): void {
    const future = task.future
    task.state = COMPLETE
    task.exit = exit
    task.future = undefined
    this.live.delete(task)
    if (drop && future !== undefined) {
      try {
        future.drop()
      } catch {
        // Cleanup must not fail; a throwing drop cannot stop the executor or the other joiners.
      }
    }
    const joiners = task.joiners
    task.joiners = []
    for (const joiner of joiners) joiner.wake()
  }

  /** @internal */
  cancel(task: Task<any, any>): void {
    switch (task.state) {
      case COMPLETE:
        return
      case RUNNING:
      case NOTIFIED:
        // Inside its own poll: dropped when the poll returns.
        task.cancelRequested = true
        return
      default:
        this.finish(task, cancelledExit, true)
    }
  }

  /**
   * Fires due timers and, when there is a reactor, turns it once with `timeoutMs` (never longer
   * than the nearest deadline). Returns the wake-ups produced.
   */
  park(timeoutMs: number): number {
    let timeout = timeoutMs
    const deadline = this.timer.timeout()
    if (deadline >= 0 && (timeout < 0 || deadline < timeout)) timeout = deadline
    let woken = 0
    if (this.io !== undefined) {
      woken += this.io.turn(timeout)
    } else if (timeout !== 0 && this.runnable === 0) {
      if (timeout < 0) return 0
      sleepThread(timeout)
    }
    return woken + this.timer.fire()
  }

  /**
   * Runs until no task is runnable: batches of `budget` polls, each followed by a non-blocking
   * look at IO and timers so an always-ready task cannot starve them.
   */
  runUntilIdle(): void {
    for (;;) {
      this.tick()
      this.park(0)
      if (this.runnable === 0) return
    }
  }

  /**
   * Dedicated mode: drives `future` to completion on this thread, blocking in the poller (or for
   * the nearest timer) whenever nothing is runnable. Other tasks run too.
   */
  blockOn<A, E>(future: SimpleFuture.SimpleFuture<A, E>): Exit.Exit<A, E> {
    if (this.closed) throw new Error("blockOn: the executor is closed")
    const handle = this.spawn(future)
    const task = handle.task
    this.io?.enterLoop()
    try {
      return this.drive(task)
    } finally {
      this.io?.leaveLoop()
    }
  }

  private drive<A, E>(task: Task<A, E>): Exit.Exit<A, E> {
    while (task.exit === undefined) {
      this.tick()
      if (task.exit !== undefined) break
      if (this.runnable > 0) {
        this.park(0)
      } else if (this.timer.size === 0 && (this.io === undefined || this.io.registrations === 0)) {
        // Nothing can ever wake the main task again: report it instead of blocking forever.
        this.cancel(task)
        return Exit.die(new Error("blockOn: deadlock: the future is pending and nothing can wake it (no timer, no IO)"))
      } else {
        this.park(-1)
      }
    }
    return task.exit
  }

  /** Cancels every task (dropping its future and running its cleanup) and every timer. Idempotent. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.detach()
    for (const task of Array.from(this.live)) this.cancel(task)
    this.queue.clear()
    // Fibers still scheduled here move to Effect's scheduler (see queueCallback).
    for (let callback = this.callbacks.shift(); callback !== undefined; callback = this.callbacks.shift()) {
      Scheduler.defaultScheduler.scheduleTask(callback, 0)
    }
    this.timer.clear()
  }

  /** Integrated mode: drives the executor from Node's event loop until `detach` or `close`. */
  attach(): void {
    if (this.attachment !== undefined || this.closed) return
    this.attachment = new Attachment(this)
  }

  detach(): void {
    const attachment = this.attachment
    this.attachment = undefined
    attachment?.stop()
  }

  /**
   * Milliseconds Node's loop has been idle while this executor was attached to it (libuv's idle time, which
   * `performance.eventLoopUtilization` reports): in integrated mode, the time the thread waited in epoll_wait, where
   * the poller's fd is watched with Node's own. @internal
   */
  loopIdleMs(): number {
    return this.counters.loopIdleMs + (this.attachment?.idleMs() ?? 0)
  }
}

/**
 * Node-loop integration. Runnable tasks are drained from `setImmediate` (one budget per loop
 * iteration, so Node's own IO interleaves); the poller's fd is watched by libuv; one `setTimeout`
 * tracks the nearest deadline. Each keeps the process alive only while it has work: the watch
 * while something is registered (the addon refs it), the timer while a deadline is armed, the
 * immediate while tasks are runnable.
 */
class Attachment {
  private immediate: NodeJS.Immediate | undefined = undefined
  private timeout: NodeJS.Timeout | undefined = undefined
  private timeoutAt = Infinity
  private stopped = false
  /** Node's loop utilization when the attachment began: the baseline of `idleMs`. */
  private readonly elu: EventLoopUtilization = perfHooks.eventLoopUtilization()

  constructor(readonly executor: Executor) {
    executor.timer.onEarlier = () => this.armTimer()
    executor.io?.watch(() => this.enter("events"))
    if (executor.runnable > 0) this.requestRun()
    this.armTimer()
  }

  requestRun(): void {
    if (this.immediate === undefined && !this.stopped) this.immediate = setImmediate(() => this.enter("immediate"))
  }

  /** Milliseconds Node's loop has been idle since the attachment began. */
  idleMs(): number {
    return perfHooks.eventLoopUtilization(this.elu).idle
  }

  // The three ways Node's loop calls in (the poller's watch, the immediate, the timer) are one entry, which times
  // itself: the runtime's busy time in integrated mode (`ExecutorCounters.callbackMs`). Two clock reads per call, none
  // per event.
  private enter(from: "events" | "immediate" | "timer"): void {
    const start = performance.now()
    try {
      if (from === "events") {
        this.executor.park(0)
      } else if (from === "timer") {
        this.timeout = undefined
        this.timeoutAt = Infinity
        this.executor.timer.fire()
      }
      this.run()
    } finally {
      this.executor.counters.callbackMs += performance.now() - start
    }
  }

  private run(): void {
    this.immediate = undefined
    if (this.stopped) return
    const executor = this.executor
    executor.tick()
    executor.timer.fire()
    if (executor.runnable > 0) this.requestRun()
    this.armTimer()
  }

  private armTimer(): void {
    if (this.stopped) return
    const at = this.executor.timer.nearest()
    if (at === this.timeoutAt) return
    if (this.timeout !== undefined) clearTimeout(this.timeout)
    this.timeout = undefined
    this.timeoutAt = at ?? Infinity
    if (at === undefined) return
    // libuv timers have millisecond resolution and may fire a little early against our clock:
    // `fire` checks deadlines itself, and an early wake-up simply re-arms. Node clamps a delay
    // past 2^31 - 1 ms (24.8 days) to 1 ms, with a warning each time: a far deadline is reached
    // in steps of at most that long instead.
    const delay = Math.min(MAX_NODE_TIMER_MS, Math.max(0, Math.ceil(at - this.executor.timer.now())))
    this.timeout = setTimeout(() => this.enter("timer"), delay)
  }

  stop(): void {
    if (!this.stopped) this.executor.counters.loopIdleMs += this.idleMs()
    this.stopped = true
    this.executor.timer.onEarlier = undefined
    this.executor.io?.unwatch()
    if (this.immediate !== undefined) clearImmediate(this.immediate)
    if (this.timeout !== undefined) clearTimeout(this.timeout)
    this.immediate = undefined
    this.timeout = undefined
  }
}

/** The longest delay Node's `setTimeout` honours (TIMEOUT_MAX in Node's timers). @internal */
export const MAX_NODE_TIMER_MS = 2 ** 31 - 1

const sleeper = new Int32Array(new SharedArrayBuffer(4))

// Without a reactor, dedicated mode blocks on a futex for the nearest timer.
const sleepThread = (ms: number): void => {
  Atomics.wait(sleeper, 0, 0, ms)
}
