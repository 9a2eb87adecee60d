/**
 * An fd registered with the reactor, and the one read/write protocol every IO type uses: try the syscall; on EAGAIN
 * wait for readiness; retry.
 *
 * The reactor is edge-triggered (epoll) or oneshot (poll(2)), so readiness is cleared only after a syscall said
 * EAGAIN, with the tick that readiness was polled at. Here the syscall comes first and the readiness poll second;
 * that is still safe because the reactor dispatches events only inside `turn`, which never runs between a syscall
 * and the poll that follows it on this thread: the cached readiness is no newer than the EAGAIN.
 *
 * A source's life: OPEN --close--> CLOSED (deregistered, which wakes every waiter; then the fd closed if owned).
 * `close` never fails and is idempotent.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Os from "node:os"
import type { IoError } from "../IoError.js"
import type { Direction, Registration } from "../Reactor.js"
import type { Waker } from "../Waker.js"
import * as ioError from "./ioError.js"
import { binding } from "./native.js"
import { CLOSED, ERROR, READ_CLOSED, READABLE, WRITABLE, WRITE_CLOSED } from "./reactor.js"
import * as waker from "./waker.js"

/** @internal */
export const EAGAIN: number = binding.constants.EAGAIN
/** @internal */
export const EINPROGRESS: number = binding.constants.EINPROGRESS
/** @internal */
export const EBADF: number = Os.constants.errno.EBADF
/** @internal */
export const EPIPE: number = Os.constants.errno.EPIPE
/** @internal */
export const ENOTCONN: number = Os.constants.errno.ENOTCONN
/** @internal */
export const EINVAL: number = Os.constants.errno.EINVAL

// The cached readiness bits that let a direction make progress (or fail, or end) without waiting.
const READ_READY = READABLE | READ_CLOSED | ERROR | CLOSED
const WRITE_READY = WRITABLE | WRITE_CLOSED | ERROR | CLOSED

/** What a poll after EAGAIN found: the waker is parked, the registration is closed, or a final hang-up. */
const PARKED = 0
const DEREGISTERED = 1
const HUNG_UP = 2

type AfterWouldBlock = typeof PARKED | typeof DEREGISTERED | typeof HUNG_UP

type Resume = () => void

/** @internal */
export class Source {
  private isClosed = false
  // One parked Effect per direction reuses the source's waker; a second concurrent waiter gets its own.
  private readSlot: Resume | undefined = undefined
  private writeSlot: Resume | undefined = undefined
  private readonly readWaker: Waker = waker.make(() => {
    const resume = this.readSlot
    this.readSlot = undefined
    resume?.()
  })
  private readonly writeWaker: Waker = waker.make(() => {
    const resume = this.writeSlot
    this.writeSlot = undefined
    resume?.()
  })

  constructor(
    readonly fd: number,
    readonly registration: Registration,
    readonly owned: boolean,
    private readonly onClose?: () => void
  ) {}

  get closed(): boolean {
    return this.isClosed
  }

  /** Deregisters (waking every waiter), then closes the fd when owned. Never throws; idempotent. */
  close(): void {
    if (this.isClosed) return
    this.isClosed = true
    try {
      this.registration.deregister()
    } catch {
      // Deregistering ignores an fd that is already gone; anything else must still not keep the fd open.
    }
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
    const registration = this.registration
    registration.clearReadiness({ tick: registration.tick, ready: direction === "readable" ? READABLE : WRITABLE })
  }

  /**
   * After a syscall said EAGAIN just now: clear the stale readiness and park `waker`. A readiness that survives the
   * clear is final (a hang-up, or the deregistration).
   */
  afterWouldBlock(direction: Direction, w: Waker): AfterWouldBlock {
    const registration = this.registration
    let poll = registration.pollReady(direction, w)
    if (poll._tag === "Pending") return PARKED
    if ((poll.value.ready & CLOSED) !== 0) return DEREGISTERED
    registration.clearReadiness(poll.value)
    poll = registration.pollReady(direction, w)
    if (poll._tag === "Pending") return PARKED
    return (poll.value.ready & CLOSED) !== 0 ? DEREGISTERED : HUNG_UP
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
   * The Effect face: runs `attempt` (a count, or -errno) and succeeds without suspending when it does; on EAGAIN
   * waits for one readiness event of `direction` and tries again. Interruption takes the waker back.
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
    return Effect.suspend(() => this.step(direction, attempt, syscall, hangUp, requested))
  }

  step(
    direction: "readable" | "writable",
    attempt: () => number,
    syscall: string,
    hangUp: number,
    requested: number
  ): Effect.Effect<number, IoError> {
    if (this.isClosed) return Effect.fail(ioError.closed(syscall))
    // Byte streams (requested > 0) look at the cached readiness first; datagrams and arbitrary fds always try first.
    if (requested > 0 && !this.mayProgress(direction)) return this.wait(direction, attempt, syscall, hangUp, requested)
    const n = attempt()
    if (n >= 0) {
      this.transferred(direction, n, requested)
      return Effect.succeed(n)
    }
    if (n !== -EAGAIN) return Effect.fail(ioError.fromErrno(n, syscall))
    return this.wait(direction, attempt, syscall, hangUp, requested)
  }

  private wait(
    direction: "readable" | "writable",
    attempt: () => number,
    syscall: string,
    hangUp: number,
    requested: number
  ): Effect.Effect<number, IoError> {
    return Effect.async<number, IoError>((resume) => {
      const retry: Resume = () =>
        resume(Effect.suspend(() => this.step(direction, attempt, syscall, hangUp, requested)))
      const readable = direction === "readable"
      let w: Waker
      if (readable ? this.readSlot === undefined : this.writeSlot === undefined) {
        if (readable) this.readSlot = retry
        else this.writeSlot = retry
        w = readable ? this.readWaker : this.writeWaker
      } else {
        w = waker.make(retry)
      }
      const state = this.afterWouldBlock(direction, w)
      if (state === PARKED) return Effect.sync(() => this.unpark(direction, w, retry))
      this.unpark(direction, w, retry)
      resume(
        state === DEREGISTERED
          ? Effect.fail(ioError.closed(syscall))
          : hangUp >= 0
          ? Effect.succeed(hangUp)
          : Effect.fail(ioError.fromErrno(hangUp, syscall))
      )
      return
    })
  }

  /** Waits until `direction` is ready (or closed), without a syscall; fails with `Closed` once deregistered. */
  ready(direction: Direction, syscall: string) {
    return Effect.async<{ readonly tick: number; readonly ready: number }, IoError>((resume) => {
      if (this.isClosed) {
        resume(Effect.fail(ioError.closed(syscall)))
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

  /** Takes back a waker parked on `direction` (the slot too, if it still holds this wait). */
  unpark(direction: Direction, w: Waker, retry?: Resume): void {
    this.registration.removeWaker(direction, w)
    if (retry === undefined) return
    if (this.readSlot === retry) this.readSlot = undefined
    if (this.writeSlot === retry) this.writeSlot = undefined
  }
}
