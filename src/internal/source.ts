/**
 * An fd registered with the reactor, and the one read/write protocol every IO type uses: try the syscall; on EAGAIN
 * wait for readiness; retry.
 *
 * The reactor is edge-triggered (epoll) or oneshot (poll(2)), so readiness is cleared only after a syscall said
 * EAGAIN, with the tick that readiness was polled at. Here the syscall comes first and the readiness poll second;
 * that is still safe because the reactor dispatches events only inside `turn`, which never runs between a syscall
 * and the poll that follows it on this thread: the cached readiness is no newer than the EAGAIN.
 *
 * The future face answers with numbers instead (`pollIo`: a count, -EAGAIN with the waker parked, or another -errno),
 * and `SourceFuture` turns those polls into futures that fail as the Effect face does.
 *
 * A source's life: OPEN --close--> CLOSED (deregistered, which wakes every waiter; then the fd closed if owned).
 * `close` never fails and is idempotent. How a source is made and released with its scope: resource.ts.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { IoError } from "../IoError.js"
import type { Poll } from "../Poll.js"
import type * as Api from "../Reactor.js"
import type { Direction } from "../Reactor.js"
import type { Waker } from "../Waker.js"
import * as context from "./context.js"
import { EAGAIN, EBADF } from "./errno.js"
import { CheckedFuture } from "./future.js"
import { InlineEffect } from "./inlineEffect.js"
import * as ioError from "./ioError.js"
import { binding } from "./native.js"
import * as poll from "./poll.js"
import * as reactor from "./reactor.js"
import { CLOSED, ERROR, PENDING, READ_CLOSED, READABLE, WRITABLE, WRITE_CLOSED } from "./reactor.js"
import * as waker from "./waker.js"

// The cached readiness bits that let a direction make progress (or fail, or end) without waiting.
const READ_READY = READABLE | READ_CLOSED | ERROR | CLOSED
const WRITE_READY = WRITABLE | WRITE_CLOSED | ERROR | CLOSED

/** What a poll after EAGAIN found: the waker is parked, the registration is closed, or a final hang-up. @internal */
export const PARKED = 0
const DEREGISTERED = 1
const HUNG_UP = 2

type AfterWouldBlock = typeof PARKED | typeof DEREGISTERED | typeof HUNG_UP

type Resume<A> = (effect: Effect.Effect<A, IoError>) => void

const count = (n: number): number => n

/** The running fiber, if any (a wait registers from inside its fiber's run). */
const currentFiber = (): Fiber.RuntimeFiber<unknown, unknown> | undefined =>
  Option.getOrUndefined(Fiber.getCurrentFiber())

/**
 * One direction's slot: the parked Effect's retry, and the fiber it belongs to. The slot reuses the source's waker,
 * so a parked read allocates no waker; a second concurrent waiter on the same direction gets a waker of its own.
 */
class Slot {
  resume: Resume<unknown> | undefined = undefined
  op: Operation<unknown> | undefined = undefined
  fiber: Fiber.RuntimeFiber<unknown, unknown> | undefined = undefined
  /** Fibers that already carry this slot's end-of-fiber observer (one each, however often they park). */
  readonly observed = new WeakSet<Fiber.RuntimeFiber<unknown, unknown>>()
  /** The fiber that parked here last, which is in `observed`: a read loop's fiber skips the WeakSet lookup. */
  lastObserved: Fiber.RuntimeFiber<unknown, unknown> | undefined = undefined
  readonly waker: Waker = waker.make(() => {
    const resume = this.resume
    const op = this.op
    this.clear()
    if (resume !== undefined) resume(op!)
  })

  clear(): void {
    this.resume = undefined
    this.op = undefined
    this.fiber = undefined
  }
}

/**
 * One IO Effect as built by `Source.io`: its syscall, and the Effect itself — one `step` each time it runs, inline
 * where an `Effect.gen` body yields it (./inlineEffect.ts). Built once however often it runs (a read loop reuses one
 * `read(buffer)` Effect). `wait` is the common wait, without a canceler; `contended` the wait of a second fiber on the
 * same direction, with one; both are built on first use, so an operation made per call (a UDP send, the rest of a
 * partial write) that never waits builds neither. @internal
 */
export class Operation<A = number> extends InlineEffect<A, IoError> {
  private waitEffect: Effect.Effect<A, IoError> | undefined = undefined
  private contendedEffect: Effect.Effect<A, IoError> | undefined = undefined

  constructor(
    readonly source: Source,
    readonly direction: "readable" | "writable",
    readonly attempt: () => number,
    readonly syscall: string,
    readonly hangUp: number,
    readonly requested: number,
    readonly value: (n: number) => A
  ) {
    super()
  }

  commit(): Effect.Effect<A, IoError> {
    return this.source.step(this)
  }

  get wait(): Effect.Effect<A, IoError> {
    return this.waitEffect ??= Effect.async<A, IoError>((resume) => void this.source.park(this, resume))
  }

  get contended(): Effect.Effect<A, IoError> {
    return this.contendedEffect ??= Effect.async<A, IoError>((resume) => this.source.parkContended(this, resume))
  }
}

/** @internal */
export class Source {
  private isClosed = false
  // Made on the first Effect wait of each direction: a source served only through the future face never needs them.
  private readSlot: Slot | undefined = undefined
  private writeSlot: Slot | undefined = undefined

  readonly registration: reactor.Registration

  constructor(
    readonly fd: number,
    registration: Api.Registration,
    readonly owned: boolean,
    private readonly onClose?: () => void
  ) {
    // Every registration comes from the reactor of reactor.ts; its allocation-free polls serve the hot paths.
    this.registration = registration as reactor.Registration
  }

  get closed(): boolean {
    return this.isClosed
  }

  /** Deregisters (waking every waiter), then closes the fd when owned. Never throws; idempotent. */
  close(): void {
    if (this.isClosed) return
    this.isClosed = true
    // Never throws: deregistering ignores an fd that is already gone, and reports anything else.
    this.registration.deregister()
    try {
      this.onClose?.()
    } finally {
      if (this.owned) binding.close(this.fd)
    }
  }

  /**
   * Whether the reactor's cached readiness says `direction` may make progress. When it does not, a syscall could only
   * say EAGAIN, so callers wait for an event first (tokio's order: readiness, then the syscall).
   */
  mayProgress(direction: "readable" | "writable"): boolean {
    return (this.registration.ready & (direction === "readable" ? READ_READY : WRITE_READY)) !== 0
  }

  /**
   * After a transfer shorter than asked, the kernel's buffer is drained (read) or full (write): clear the cached
   * readiness so the next attempt waits for an event instead of a syscall that can only say EAGAIN (as tokio's
   * PollEvented does). The tick is the one the syscall saw: no reactor turn runs in between, on this thread.
   */
  transferred(direction: "readable" | "writable", n: number, requested: number): void {
    if (n <= 0 || n >= requested) return
    this.drained(direction)
  }

  /**
   * The syscall just said EAGAIN after making progress (a batch that stopped short on it): clear the cached readiness
   * at the current tick, as `transferred` does. Only an EAGAIN says that: a batch cut short by another error (EMFILE
   * at accept) leaves work queued, and an edge-triggered registration would never report it again.
   */
  drained(direction: "readable" | "writable"): void {
    const registration = this.registration
    registration.clearBits(registration.tick, direction === "readable" ? READABLE : WRITABLE)
  }

  /**
   * After a syscall said EAGAIN just now: clear the stale readiness and park `waker`. A readiness that survives the
   * clear is final (a hang-up, or the deregistration).
   */
  afterWouldBlock(direction: Direction, w: Waker): AfterWouldBlock {
    const registration = this.registration
    const index = reactor.indexOf(direction)
    let ready = registration.pollBits(index, w)
    if (ready === PENDING) return PARKED
    if ((ready & CLOSED) !== 0) return DEREGISTERED
    registration.clearBits(registration.tick, ready)
    ready = registration.pollBits(index, w)
    if (ready === PENDING) return PARKED
    return (ready & CLOSED) !== 0 ? DEREGISTERED : HUNG_UP
  }

  /**
   * The future face: `n` is what the syscall returned. EAGAIN parks `w` (and stays -EAGAIN), a closed source is
   * -EBADF, a final hang-up is `hangUp`.
   */
  pollIo(direction: Direction, w: Waker, n: number, hangUp: number): number {
    if (n !== -EAGAIN) return n
    const state = this.afterWouldBlock(direction, w)
    return state === PARKED ? -EAGAIN : state === DEREGISTERED ? -EBADF : hangUp
  }

  /**
   * The failure of a future-face result `n` (a `-errno`): -EBADF once this source or its registration is closed is
   * `Closed`, as the Effect face says.
   */
  failure(n: number, syscall: string): IoError {
    const closed = n === -EBADF && (this.isClosed || this.registration.closed)
    return closed ? ioError.closed(syscall) : ioError.fromErrno(n, syscall)
  }

  /**
   * The Effect face: runs `attempt` (a count, or -errno) and succeeds without suspending when it does; on EAGAIN
   * waits for one readiness event of `direction` and tries again. An interrupted wait gives its waker back when its
   * fiber ends.
   *
   * `requested` is the byte count asked of a byte stream: then a cached "not ready" skips the syscall, and a shorter
   * transfer clears the readiness (see `transferred`). 0 for datagrams and arbitrary fds, where a short transfer
   * says nothing about what is left: those always try the syscall first.
   */
  io(
    direction: "readable" | "writable",
    attempt: () => number,
    syscall: string,
    hangUp: number,
    requested: number
  ): Effect.Effect<number, IoError> {
    return new Operation(this, direction, attempt, syscall, hangUp, requested, count)
  }

  /**
   * `io` that succeeds with `value(n)` instead of the count: `value` runs in the same call as the syscall, with
   * nothing in between (a fiber may yield between two steps of an Effect, but not inside one).
   */
  ioWith<A>(
    direction: "readable" | "writable",
    attempt: () => number,
    syscall: string,
    hangUp: number,
    requested: number,
    value: (n: number) => A
  ): Effect.Effect<A, IoError> {
    return new Operation(this, direction, attempt, syscall, hangUp, requested, value)
  }

  /** @internal */
  step<A>(op: Operation<A>): Effect.Effect<A, IoError> {
    if (this.isClosed) return Effect.fail(ioError.closed(op.syscall))
    const direction = op.direction
    // Byte streams (requested > 0) look at the cached readiness first; datagrams and arbitrary fds always try first.
    if (op.requested > 0 && !this.mayProgress(direction)) return this.waitFor(op)
    let n: number
    try {
      n = op.attempt()
    } catch (error) {
      // The boundary rejected an argument (a buffer detached while the operation waited): a typed failure.
      return ioError.failThrown(error instanceof IoError ? error : ioError.fromThrown(error, op.syscall))
    }
    if (n >= 0) {
      this.transferred(direction, n, op.requested)
      return Effect.succeed(op.value(n))
    }
    if (n !== -EAGAIN) return Effect.fail(ioError.fromErrno(n, op.syscall))
    return this.waitFor(op)
  }

  /** `op.wait`, unless nothing drives the reactor: then the wait could never end, and it dies saying so. */
  private waitFor<A>(op: Operation<A>): Effect.Effect<A, IoError> {
    return this.registration.reactor.isDriven ? op.wait : Effect.die(new Error(context.undrivenMessage(op.syscall)))
  }

  /**
   * The common wait, run by `op.wait` (an `Effect.async` built on an operation's first wait): parks the direction's
   * slot waker for the running fiber, without a canceler (an Effect.async with one costs an onInterrupt region, about
   * ten runtime ops, per wait: 7.6 µs against 3.1 µs a wake-up in bench:wake). An interrupted Effect never resumes, so
   * its fiber ends; the observer that fiber carries takes the waker back then. A second fiber waiting on the same
   * direction is sent to `op.contended`. @internal
   */
  park<A>(op: Operation<A>, resume: Resume<A>): void {
    const direction = op.direction
    const slot = direction === "readable" ? (this.readSlot ??= new Slot()) : (this.writeSlot ??= new Slot())
    const fiber = currentFiber()
    if (slot.resume !== undefined || fiber === undefined) return resume(op.contended)
    slot.resume = resume as Resume<unknown>
    slot.op = op as Operation<unknown>
    slot.fiber = fiber
    if (slot.lastObserved !== fiber) {
      if (!slot.observed.has(fiber)) {
        slot.observed.add(fiber)
        fiber.addObserver(() => this.fiberEnded(slot, fiber))
      }
      slot.lastObserved = fiber
    }
    const state = this.afterWouldBlock(direction, slot.waker)
    if (state === PARKED) return
    this.vacate(direction, slot)
    resume(this.final(state, op))
  }

  /** The wait of a second fiber on one direction: a waker of its own, taken back by a canceler. @internal */
  parkContended<A>(op: Operation<A>, resume: Resume<A>): void | Effect.Effect<void> {
    const direction = op.direction
    const w = waker.make(() => resume(op))
    const state = this.afterWouldBlock(direction, w)
    if (state === PARKED) return Effect.sync(() => void this.registration.removeWaker(direction, w))
    this.registration.removeWaker(direction, w)
    resume(this.final(state, op))
  }

  private final<A>(state: AfterWouldBlock, op: Operation<A>): Effect.Effect<A, IoError> {
    return state === DEREGISTERED
      ? Effect.fail(ioError.closed(op.syscall))
      : op.hangUp >= 0
      ? Effect.succeed(op.value(op.hangUp))
      : Effect.fail(ioError.fromErrno(op.hangUp, op.syscall))
  }

  private vacate(direction: Direction, slot: Slot): void {
    this.registration.removeWaker(direction, slot.waker)
    slot.clear()
  }

  /** A fiber that parked on `slot` ended: if it is still parked there, it was interrupted; take its waker back. */
  private fiberEnded(slot: Slot, fiber: Fiber.RuntimeFiber<unknown, unknown>): void {
    if (slot.fiber !== fiber) return
    this.vacate(slot === this.readSlot ? "readable" : "writable", slot)
  }

  /** Waits until `direction` is ready (or closed), without a syscall; fails with `Closed` once deregistered. */
  ready(direction: Direction, syscall: string) {
    return Effect.async<Api.Readiness, IoError>((resume) => {
      if (this.isClosed) {
        resume(Effect.fail(ioError.closed(syscall)))
        return
      }
      if (!this.registration.reactor.isDriven) {
        resume(Effect.die(new Error(context.undrivenMessage(syscall))))
        return
      }
      const w = waker.make(() => {
        const poll = this.registration.pollReady(direction, w)
        if (poll._tag === "Pending") return
        resume((poll.value.ready & CLOSED) !== 0 ? Effect.fail(ioError.closed(syscall)) : Effect.succeed(poll.value))
      })
      const poll = this.registration.pollReady(direction, w)
      if (poll._tag === "Pending") return Effect.sync(() => void this.registration.removeWaker(direction, w))
      resume((poll.value.ready & CLOSED) !== 0 ? Effect.fail(ioError.closed(syscall)) : Effect.succeed(poll.value))
      return
    })
  }
}

/**
 * A future over one direction of a source: the future face's checked protocol (`CheckedFuture`) around polls that
 * answer as `pollIo` does. `attempt` makes what progress it can: a result `>= 0` ends the future with `value(result)`,
 * -EAGAIN leaves its waker parked (taken back when the future is dropped), another `-errno` fails it (`failure`). An
 * argument the boundary rejects (a buffer detached meanwhile) fails it too, as in the Effect face; any other throw is
 * a defect.
 *
 * @internal
 */
export abstract class SourceFuture<A> extends CheckedFuture<A, IoError> {
  private parked: Waker | undefined = undefined

  constructor(readonly source: Source, readonly direction: Direction, readonly syscall: string) {
    super()
  }

  protected abstract attempt(waker: Waker): number
  protected abstract value(n: number): A

  protected pollInner(waker: Waker): Poll<Exit.Exit<A, IoError>> {
    let n: number
    try {
      n = this.attempt(waker)
    } catch (error) {
      this.parked = undefined
      return poll.ready(Exit.fail(ioError.fromThrown(error, this.syscall)))
    }
    if (n === -EAGAIN) {
      this.parked = waker
      return poll.pending
    }
    this.parked = undefined
    return poll.ready(n >= 0 ? Exit.succeed(this.value(n)) : Exit.fail(this.source.failure(n, this.syscall)))
  }

  protected override onDrop(): void {
    if (this.parked !== undefined) this.source.registration.removeWaker(this.direction, this.parked)
    this.parked = undefined
  }
}
