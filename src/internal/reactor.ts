/**
 * The reactor: the chapter's `event_map` and `add_io_event_interest`, after tokio's `ScheduledIo` / `Registration`
 * over mio.
 *
 * A registration is a slab entry whose key travels with the fd through the poller. Each dispatched event ORs its
 * readiness into the registration's cache, bumps the registration's tick and wakes the waiters of every direction
 * the readiness concerns. A task asks `pollReady(direction, waker)`: Ready with `{ tick, ready }` while the
 * direction is cached ready, otherwise its waker is kept. When the task's syscall then says EAGAIN, it hands the
 * readiness back to `clearReadiness`, which clears it only if no event arrived since (same tick): an event that
 * races the EAGAIN keeps the cache set, so the wakeup it carries is never lost.
 *
 * A registration's states:
 *
 *   OPEN --event--> OPEN (ready |= event, tick++, waiters of the concerned directions woken)
 *   OPEN --clearReadiness(tick = current)--> OPEN (bits cleared; re-armed on the poll backend)
 *   OPEN --deregister | reactor.close | re-arm refused--> CLOSED (deleted from the poller, slot freed, ready |=
 *     closed, every waiter woken); CLOSED is final, and every poll is Ready with `closed`
 *
 * Triggering. With `supportsEdge` (epoll) the fd is registered edge-triggered with its full interest, once, as
 * tokio does: the kernel reports each new readiness once, and the cache remembers it until a syscall says EAGAIN.
 * poll(2) has no edge trigger, and level-triggering would report a ready fd on every wait (a busy loop while a task
 * is busy elsewhere), so there the fd is registered oneshot and re-armed with `modify`:
 * - at dispatch, with the interest minus the directions now cached ready (nobody needs to hear about those again
 *   until they are cleared), or not at all when that leaves nothing, since poll(2) reports hang-ups and errors even
 *   for an empty interest;
 * - in `clearReadiness`, to add the cleared directions back.
 * A direction is therefore either cached ready or armed in the kernel, never neither: no event is lost and none
 * repeats.
 *
 * Readiness bits follow tokio's `Ready`: a hang-up is `readClosed` (part of readable and priority readiness); it is
 * also `writeClosed` when the fd was armed without the readable direction, because the backends ask for
 * `EPOLLRDHUP` / `POLLRDHUP` (a peer's half-close) only with readable interest, so a hang-up without it can only
 * be `EPOLLHUP` / `POLLHUP`, both directions gone. Guessing `writeClosed` from a half-close would make a writer
 * spin: closed bits are final and never cleared. An error concerns every direction. Whatever wakes a task, its
 * next syscall says what happened.
 *
 * Waking only queues a task (see `Waker`), so dispatch never re-enters the reactor; a waker that must do more (a
 * `File`'s pump, which may deregister) hands it to `defer`, which runs it once the batch is dispatched. A waker that
 * throws does not stop the batch: the first failure is recorded on this reactor and rethrown by `turn` when the
 * batch is done; a release (`deregister`, `close`) never throws, and reports it as a Node warning instead.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { format, NodeInspectSymbol } from "effect/Inspectable"
import type * as Scope from "effect/Scope"
import * as Os from "node:os"
import type { Interest } from "../Interest.js"
import type { Poll } from "../Poll.js"
import type * as Poller from "../Poller.js"
import type { PollerError } from "../PollerError.js"
import type { Flags } from "../PollEvent.js"
import type * as Api from "../Reactor.js"
import type { Waker } from "../Waker.js"
import type { IoDriver } from "./context.js"
import { OTHER, ReactorCounters } from "./counters.js"
import { argumentError, ERR_POLLER_CLOSED } from "./errno.js"
import * as interest from "./interest.js"
import * as poll from "./poll.js"
import * as poller from "./poller.js"
import * as errors from "./pollerError.js"
import * as pollEvent from "./pollEvent.js"
import { show } from "./show.js"
import { Slab } from "./slab.js"

/** @internal */
export const TypeId: Api.TypeId = Symbol.for("effect-reactor/Reactor") as Api.TypeId

// Readiness bits (`Api.Ready`), after tokio's `Ready`. Not the poller's `PollEvent.Flags` (which `fromEvent`
// translates) nor `Interest`: the names repeat with other values, and the brands keep the three apart.
/** @internal */
export const NONE = 0 as Api.Ready
/** @internal */
export const READABLE = 1 as Api.Ready
/** @internal */
export const WRITABLE = 2 as Api.Ready
/** @internal */
export const READ_CLOSED = 4 as Api.Ready
/** @internal */
export const WRITE_CLOSED = 8 as Api.Ready
/** @internal */
export const ERROR = 16 as Api.Ready
/** @internal */
export const PRIORITY = 32 as Api.Ready
/** @internal */
export const CLOSED = 64 as Api.Ready

/** @internal */
export const isReadable = (self: Api.Readiness): boolean => (self.ready & READABLE) !== 0

/** @internal */
export const isWritable = (self: Api.Readiness): boolean => (self.ready & WRITABLE) !== 0

/** @internal */
export const isReadClosed = (self: Api.Readiness): boolean => (self.ready & READ_CLOSED) !== 0

/** @internal */
export const isWriteClosed = (self: Api.Readiness): boolean => (self.ready & WRITE_CLOSED) !== 0

/** @internal */
export const isError = (self: Api.Readiness): boolean => (self.ready & ERROR) !== 0

/** @internal */
export const isPriority = (self: Api.Readiness): boolean => (self.ready & PRIORITY) !== 0

/** @internal */
export const isClosed = (self: Api.Readiness): boolean => (self.ready & CLOSED) !== 0

const readyNames: ReadonlyArray<readonly [number, string]> = [
  [READABLE, "readable"],
  [WRITABLE, "writable"],
  [READ_CLOSED, "readClosed"],
  [WRITE_CLOSED, "writeClosed"],
  [ERROR, "error"],
  [PRIORITY, "priority"],
  [CLOSED, "closed"]
]

/** Readiness bits as `|`-separated names ("readable|readClosed"), `"none"` for 0. @internal */
export const formatReady = (ready: Api.Ready): string => {
  const names = readyNames.filter(([bit]) => (ready & bit) !== 0).map(([, name]) => name)
  return names.length === 0 ? "none" : names.join("|")
}

// Closed states are final (tokio's `clear_readiness` keeps them too): clearing them would let a reader that saw
// end-of-file wait for an event the kernel will never send again.
const CLEARABLE = READABLE | WRITABLE | ERROR | PRIORITY

/** @internal */
export const DEFAULT_BATCH = 1024

const R = 0
const W = 1
const P = 2
/** @internal */
export type DirectionIndex = typeof R | typeof W | typeof P
const DIRECTIONS: readonly [Api.Direction, Api.Direction, Api.Direction] = ["readable", "writable", "priority"]

/** What `pollBits` returns while the direction is not ready (readiness bits are never negative). @internal */
export const PENDING = -1

// Per direction index: the readiness bits that concern it, and its interest bit.
const MASKS: readonly [number, number, number] = [
  READABLE | READ_CLOSED | ERROR | CLOSED,
  WRITABLE | WRITE_CLOSED | ERROR | CLOSED,
  PRIORITY | READ_CLOSED | ERROR | CLOSED
]
const INTEREST_BITS: readonly [number, number, number] = [interest.READABLE, interest.WRITABLE, interest.PRIORITY]

/** @internal */
export const indexOf = (direction: Api.Direction): DirectionIndex => {
  switch (direction) {
    case "readable":
      return R
    case "writable":
      return W
    case "priority":
      return P
    default:
      throw argumentError("type", `direction must be "readable", "writable" or "priority", got ${show(direction)}`)
  }
}

/** The readiness bits of a poller event, given the interest the fd was armed with. @internal */
export const fromEvent = (flags: Flags, armed: Interest): Api.Ready => {
  let ready = 0
  if ((flags & pollEvent.READABLE) !== 0) ready |= READABLE
  if ((flags & pollEvent.WRITABLE) !== 0) ready |= WRITABLE
  if ((flags & pollEvent.PRIORITY) !== 0) ready |= PRIORITY
  if ((flags & pollEvent.ERROR) !== 0) ready |= ERROR
  if ((flags & pollEvent.HANGUP) !== 0) {
    ready |= READ_CLOSED
    if ((armed & interest.READABLE) === 0) ready |= WRITE_CLOSED
  }
  return ready as Api.Ready
}

/** The interest bits of the directions that `ready` makes ready (closed and error bits included). */
const readyDirections = (ready: Api.Ready): number =>
  ((ready & MASKS[R]) !== 0 ? interest.READABLE : 0) |
  ((ready & MASKS[W]) !== 0 ? interest.WRITABLE : 0) |
  ((ready & MASKS[P]) !== 0 ? interest.PRIORITY : 0)

// Ticks stay small integers; a stale readiness would have to be 2^31 events old to compare equal.
const nextTick = (tick: number): number => (tick + 1) & 0x7fffffff

const nativeError = (message: string, code: string, syscall: string, errno?: number): Error =>
  Object.assign(new Error(message), errno === undefined ? { code, syscall } : { errno, code, syscall })

const closedError = (syscall: string): Error =>
  nativeError(`${ERR_POLLER_CLOSED}: the reactor is closed, ${syscall}`, ERR_POLLER_CLOSED, syscall)

const codeOf = (error: unknown): unknown =>
  typeof error === "object" && error !== null ? (error as { readonly code?: unknown }).code : undefined

// What `delete` may say about an fd that is already gone: ENOENT (poll(2) dropped it on POLLNVAL, or epoll forgot
// the closed file), EBADF (epoll: the fd number is closed), or a closed poller (which forgot everything).
const isGone = (error: unknown): boolean => {
  const code = codeOf(error)
  return code === "ENOENT" || code === "EBADF" || code === ERR_POLLER_CLOSED
}

/**
 * How a failure met while releasing is reported: a release (deregister, close) never fails, as async-io's `Drop`, so
 * the failure (a throwing waker, a poller refusing a delete: a bug) goes to Node's warnings, once, and the release
 * goes on. @internal
 */
export const reportReleaseFailure = (error: unknown, during: string): void => {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
  process.emitWarning(`effect-reactor: ${during} went on past a failure: ${detail}`, {
    type: "EffectReactorWarning",
    code: "ERR_REACTOR_RELEASE"
  })
}

/**
 * Calls every waiter of a direction and forgets them; returns how many were called. The list is detached first, so a
 * waker that registers again lands in a fresh list.
 */
const wakeAll = (registration: Registration, direction: DirectionIndex): number => {
  const wakers = registration.waiters[direction]
  const count = wakers.length
  if (count === 0) return 0
  const io = registration.reactor
  if (count === 1) {
    // The common case, one waiter: empty the list in place, keeping its backing store (`pop` does; assigning
    // `length = 0` or a fresh `[]` would allocate one per event again on the next push).
    io.wake(wakers.pop()!)
    return 1
  }
  registration.waiters[direction] = []
  for (const waker of wakers) io.wake(waker)
  return count
}

/** @internal */
export class Registration implements Api.Registration {
  /** Waiters per direction index: readable, writable, priority. */
  waiters: [Array<Waker>, Array<Waker>, Array<Waker>] = [[], [], []]
  /** The interest the poll backend has armed the fd with (oneshot); the full interest under edge triggering. */
  armed: Interest
  private cached = 0
  private ticks = 0
  private isClosed = false

  constructor(
    readonly reactor: Reactor,
    readonly fd: number,
    readonly key: number,
    readonly interest: Interest,
    /** The fd's kind, for the per-kind counters (`counters.ts`). */
    readonly kind: number = OTHER
  ) {
    this.armed = interest
  }

  get ready(): Api.Ready {
    return this.cached as Api.Ready
  }

  get tick(): number {
    return this.ticks
  }

  get closed(): boolean {
    return this.isClosed
  }

  pollReady(direction: Api.Direction, waker: Waker): Poll<Api.Readiness> {
    const ready = this.pollBits(indexOf(direction), waker)
    return ready === PENDING ? poll.pending : poll.ready({ tick: this.ticks, ready })
  }

  /**
   * `pollReady` without allocating: the direction's cached readiness bits (tick: `this.tick`), or `PENDING` with the
   * waker kept. For the IO types' hot paths. @internal
   */
  pollBits(index: DirectionIndex, waker: Waker): Api.Ready | typeof PENDING {
    const ready = this.cached & MASKS[index]
    if (ready !== 0) return ready as Api.Ready
    if ((this.interest & INTEREST_BITS[index]) === 0) {
      // Nothing asked the kernel for this direction: the wait could only end on an error or a hang-up.
      throw new Error(`pollReady: fd ${this.fd} is registered without ${DIRECTIONS[index]} interest`)
    }
    const wakers = this.waiters[index]
    for (let i = 0; i < wakers.length; i++) {
      // The same task polling again replaces its waker (the latest one is the one to wake) instead of adding one.
      if (wakers[i] === waker || wakers[i]!.willWake(waker)) {
        wakers[i] = waker
        return PENDING
      }
    }
    wakers.push(waker)
    return PENDING
  }

  pollReadable(waker: Waker): Poll<Api.Readiness> {
    return this.pollReady("readable", waker)
  }

  pollWritable(waker: Waker): Poll<Api.Readiness> {
    return this.pollReady("writable", waker)
  }

  removeWaker(direction: Api.Direction, waker: Waker): boolean {
    const wakers = this.waiters[indexOf(direction)]
    let index = wakers.indexOf(waker)
    if (index < 0) index = wakers.findIndex((stored) => stored.willWake(waker))
    if (index < 0) return false
    wakers.splice(index, 1)
    return true
  }

  clearReadiness(readiness: Api.Readiness): void {
    this.clearBits(readiness.tick, readiness.ready)
  }

  /** `clearReadiness` of `{ tick, ready }`, without the object. @internal */
  clearBits(tick: number, ready: Api.Ready): void {
    // An event since `readiness` was handed out (another tick) may carry readiness the caller's EAGAIN predates.
    if (this.isClosed || tick !== this.ticks) return
    const bits = ready & CLEARABLE & this.cached
    if (bits === 0) return
    this.cached &= ~bits
    if (this.reactor.oneshot) {
      this.reactor.rearm(this)
      this.reactor.rethrowFailure()
    }
  }

  /** Never throws: what failed on the way is reported (`reportReleaseFailure`) and the rest is done. */
  deregister(): void {
    this.shutdown(NONE)
    this.reactor.reportFailure("deregistering")
  }

  toJSON() {
    return {
      _id: "Registration",
      fd: this.fd,
      key: this.key,
      interest: this.interest,
      tick: this.ticks,
      ready: formatReady(this.ready),
      closed: this.isClosed
    }
  }

  toString() {
    return format(this.toJSON())
  }

  [NodeInspectSymbol]() {
    return this.toJSON()
  }

  /** @internal Records an event; returns the wakers woken. */
  dispatch(flags: Flags): number {
    const ready = fromEvent(flags, this.armed)
    this.cached |= ready
    this.ticks = nextTick(this.ticks)
    // The kernel disarmed a oneshot registration when it reported it.
    let woken = 0
    if (this.reactor.oneshot) {
      this.armed = interest.NONE
      woken = this.reactor.rearm(this)
      if (this.isClosed) return woken
    }
    if ((ready & MASKS[R]) !== 0) woken += wakeAll(this, R)
    if ((ready & MASKS[W]) !== 0) woken += wakeAll(this, W)
    if ((ready & MASKS[P]) !== 0) woken += wakeAll(this, P)
    return woken
  }

  /** The interest to arm: the registration's, minus what is cached ready. @internal */
  wanted(): Interest {
    return (this.interest & ~readyDirections(this.cached as Api.Ready)) as Interest
  }

  /**
   * Deletes the fd from the poller, frees the slot and wakes every waiter with `closed` (plus `extra` bits).
   * Idempotent; returns the wakers woken. A failure is left for the caller to rethrow or report. @internal
   */
  shutdown(extra: Api.Ready): number {
    if (this.isClosed) return 0
    this.isClosed = true
    try {
      this.reactor.handle.delete(this.fd)
    } catch (error) {
      if (!isGone(error)) this.reactor.fail(error)
    }
    this.reactor.slab.remove(this.key)
    this.reactor.counters.closed[this.kind]!++
    this.cached |= CLOSED | extra
    this.ticks = nextTick(this.ticks)
    return wakeAll(this, R) + wakeAll(this, W) + wakeAll(this, P)
  }
}

/** @internal */
export class Reactor implements IoDriver, Api.Reactor {
  readonly [TypeId]: Api.TypeId = TypeId
  readonly events: Uint32Array
  readonly slab: Slab<Registration>
  /** Registered oneshot and re-armed (poll(2)), or edge-triggered once (epoll). */
  readonly oneshot: boolean
  /** What `turn` and the registrations count, read by `reactorMetrics.ts`. */
  readonly counters = new ReactorCounters()
  /** When the reactor was made (`performance.now()`): the start of its runtime's elapsed time. */
  readonly createdAt = performance.now()
  private readonly mode: number
  private isClosed = false
  private watching = false
  private loops = 0
  // The first failure of the operation in progress (a throwing waker, a poller refusing a delete): a bug, but one that
  // must not stop the rest of the operation (the other wakers, the rest of the batch: under edge triggering an event
  // dropped halfway would never come back). `turn` rethrows it when the batch is done; a release reports it. Each
  // reactor keeps its own: one reactor's failure is never another's to throw or to lose.
  private failure: { readonly error: unknown } | undefined = undefined
  // Work that must not run inside dispatch (it may deregister, or register), queued by `defer` until the batch is done.
  private dispatching = false
  private readonly deferred: Array<() => void> = []

  constructor(readonly handle: Poller.PollerHandle, options?: Api.Options & { readonly capacity?: number }) {
    this.events = pollEvent.makeBatch(options?.events ?? DEFAULT_BATCH)
    this.slab = new Slab(options?.capacity)
    this.oneshot = !handle.supportsEdge
    this.mode = poller.modeCode(this.oneshot ? "oneshot" : "edge")
  }

  get backend(): Poller.Backend {
    return this.handle.backend
  }

  get registrations(): number {
    return this.slab.size
  }

  get closed(): boolean {
    return this.isClosed
  }

  get isDriven(): boolean {
    return this.watching || this.loops > 0
  }

  enterLoop(): void {
    this.loops++
  }

  leaveLoop(): void {
    this.loops--
  }

  /** `kind`: the fd's kind for the per-kind counters, `other` when not given (`counters.ts`). */
  register(fd: number, wanted: Interest, kind: number = OTHER): Registration {
    if (this.isClosed) throw closedError("register")
    if (!interest.isInterest(wanted)) {
      throw argumentError("range", `The "interest" argument must be a valid Interest, got ${show(wanted)}`)
    }
    let registration: Registration | undefined
    const key = this.slab.insert((key) => (registration = new Registration(this, fd, key, wanted, kind)))
    if (key < 0) {
      // The same errno epoll_ctl gives when max_user_watches is reached: no room for another registration.
      throw nativeError(
        `ENOSPC: the reactor holds ${this.slab.capacity} registrations`,
        "ENOSPC",
        "register",
        Os.constants.errno.ENOSPC
      )
    }
    try {
      this.handle.add(fd, key, wanted, this.mode)
    } catch (error) {
      this.slab.remove(key)
      throw error
    }
    this.counters.opened[kind]!++
    return registration!
  }

  turn(timeoutMs: number): number {
    if (this.isClosed) throw closedError("turn")
    const events = this.events
    const counters = this.counters
    let waited: number
    if (timeoutMs === 0) {
      waited = this.handle.wait(events, 0)
    } else {
      // Only a wait that may block is timed: under load the executor turns with 0, and pays for no clock reads.
      const start = performance.now()
      waited = this.handle.wait(events, timeoutMs)
      counters.blockedMs += performance.now() - start
    }
    const count = Math.min(waited, events.length >>> 1)
    counters.turns++
    counters.events += count
    counters.eventsPerTurn.record(count)
    let woken = 0
    this.dispatching = true
    try {
      for (let i = 0; i < count; i++) {
        const registration = this.slab.get(events[2 * i]!)
        // A stale key: its registration was freed after the kernel queued the event. The slot may already belong
        // to another fd, whose waiters must not hear about this one.
        if (registration === undefined) continue
        // The native wait wrote the flags: here they become `Flags` (a type-only brand, no conversion).
        woken += registration.dispatch(events[2 * i + 1]! as Flags)
      }
    } finally {
      this.dispatching = false
    }
    counters.wakes += woken
    this.runDeferred()
    this.rethrowFailure()
    return woken
  }

  /**
   * Runs `work` now, or, when called from a waker during dispatch, right after the batch: dispatch never re-enters
   * the reactor, so work that may register or deregister (a `File`'s pump) waits until the batch is done. @internal
   */
  defer(work: () => void): void {
    if (this.dispatching) this.deferred.push(work)
    else work()
  }

  private runDeferred(): void {
    for (let work = this.deferred.shift(); work !== undefined; work = this.deferred.shift()) {
      try {
        work()
      } catch (error) {
        this.fail(error)
      }
    }
  }

  /** Calls a waker, recording what it throws instead of stopping the operation. @internal */
  wake(waker: Waker): void {
    try {
      waker.wake()
    } catch (error) {
      this.fail(error)
    }
  }

  /** @internal */
  fail(error: unknown): void {
    this.failure ??= { error }
  }

  /** Throws the recorded failure, if any, and forgets it. @internal */
  rethrowFailure(): void {
    const pending = this.failure
    if (pending === undefined) return
    this.failure = undefined
    throw pending.error
  }

  /** Reports the recorded failure, if any, without throwing (a release never fails), and forgets it. @internal */
  reportFailure(during: string): void {
    const pending = this.failure
    if (pending === undefined) return
    this.failure = undefined
    reportReleaseFailure(pending.error, during)
  }

  toJSON() {
    return { _id: "Reactor", backend: this.backend, registrations: this.registrations, closed: this.isClosed }
  }

  toString() {
    return format(this.toJSON())
  }

  [NodeInspectSymbol]() {
    return this.toJSON()
  }

  /**
   * Re-arms a oneshot registration with what it still waits for. Returns the wakers woken, which is none unless the
   * poller refuses. @internal
   */
  rearm(registration: Registration): number {
    const wanted = registration.wanted()
    if (wanted === registration.armed || wanted === interest.NONE) return 0
    try {
      this.handle.modify(registration.fd, registration.key, wanted, this.mode)
    } catch (error) {
      // The poller no longer knows the fd (closed without deregistering) or is closed itself: no event can ever
      // come, so the registration is over. Its waiters wake to `closed | error` instead of waiting forever. Any
      // other refusal is a bug, reported once the registration is safely closed.
      if (!isGone(error)) this.fail(error)
      return registration.shutdown(ERROR)
    }
    registration.armed = wanted
    return 0
  }

  watch(onEvents: () => void): void {
    if (this.isClosed) throw closedError("watch")
    this.handle.watch(onEvents)
    this.watching = true
  }

  unwatch(): void {
    this.watching = false
    if (!this.handle.closed) this.handle.unwatch()
  }

  notify(): void {
    // Nothing can be blocked in a closed poller's wait, so there is nothing to wake.
    if (!this.handle.closed) this.handle.notify()
  }

  close(): void {
    if (this.isClosed) return
    this.isClosed = true
    for (const registration of this.slab.values()) registration.shutdown(NONE)
    this.unwatch()
    this.reportFailure("closing the reactor")
  }
}

/** @internal */
export const tag: Context.Tag<Api.Reactor, Api.Reactor> = Context.GenericTag<Api.Reactor>("effect-reactor/Reactor")

/** @internal */
export const unsafeMake = (handle: Poller.PollerHandle, options?: Api.Options): Api.Reactor =>
  new Reactor(handle, options)

/** @internal */
export const make: Effect.Effect<Api.Reactor, never, Poller.Poller | Scope.Scope> = Effect.gen(function*() {
  const service = yield* poller.tag
  let reactor: Reactor | undefined
  // The finalizer exists before the reactor does, so no interruption can leave a reactor without one.
  yield* Effect.addFinalizer(() => Effect.sync(() => reactor?.close()))
  reactor = new Reactor(service.handle)
  return reactor
})

/** @internal */
export const register = (
  fd: number,
  wanted: Interest
): Effect.Effect<Api.Registration, PollerError, Api.Reactor | Scope.Scope> =>
  Effect.flatMap(tag, (reactor) =>
    Effect.acquireRelease(
      errors.attempt("register", () => reactor.register(fd, wanted)),
      // Deregistering ignores an fd that is already gone and never fails otherwise.
      (registration) => Effect.sync(() => registration.deregister())
    ))
