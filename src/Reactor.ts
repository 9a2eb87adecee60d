/**
 * The reactor: maps poller events to the wakers of the tasks waiting on them (the chapter's `event_map` and
 * `add_io_event_interest`, after tokio's `Registration`).
 *
 * `register(fd, interest)` gives a `Registration` that caches readiness per direction. A task polls a direction
 * with its waker: `Ready` with a `Readiness` while the direction is cached ready, `Pending` (waker kept) otherwise.
 * When its syscall then says EAGAIN, it hands that readiness back to `clearReadiness` and polls again. Each readiness
 * carries a tick, so an event that lands between the EAGAIN and the clear is not cleared with it: no wakeup is lost.
 *
 * The executor drives the reactor with `turn(timeoutMs)` (one wait on the poller, then every event dispatched to its
 * wakers), or through Node's event loop with `watch`.
 *
 * @since 0.1.0
 */
import type * as Brand from "effect/Brand"
import type * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Interest } from "./Interest.js"
import * as internal from "./internal/reactor.js"
import type { Poll } from "./Poll.js"
import type * as Poller from "./Poller.js"
import type { PollerError } from "./PollerError.js"
import type { Waker } from "./Waker.js"

/**
 * The identifier of `Reactor` values.
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * const isReactor = (u: object): boolean => Reactor.TypeId in u
 * ```
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = internal.TypeId as TypeId

/**
 * The type of `TypeId`.
 *
 * @example
 * ```ts
 * import type { Reactor } from "effect-reactor"
 *
 * type Id = Reactor.TypeId
 * ```
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A direction a task can wait for. `"priority"` is out-of-band data (`POLLPRI`: TCP urgent data, sysfs GPIO edges)
 * and needs `Interest.priority` in the registration.
 *
 * @example
 * ```ts
 * import type { Reactor } from "effect-reactor"
 *
 * const direction: Reactor.Direction = "readable"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Direction = "readable" | "writable" | "priority"

/**
 * Readiness bits, as the reactor caches them per registration (tokio's `Ready`): a bit set of the constants
 * `readable`, `writable`, `readClosed`, `writeClosed`, `error`, `priority` and `closed` (a plain number at run time).
 *
 * Its own brand because the names repeat elsewhere with other values: `priority` is 32 here, 16 in the poller's
 * `PollEvent.Flags` and 4 in `Interest`; one passed where another is expected does not type-check.
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * const mayRead = (ready: Reactor.Ready): boolean => (ready & (Reactor.readable | Reactor.readClosed)) !== 0
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Ready = number & Brand.Brand<"effect-reactor/Reactor.Ready">

/**
 * What a direction's poll carries when it is `Poll.Ready`: the readiness bits that concern the direction (`ready`, a
 * `Ready` of the constants `readable` ... `closed`) and the registration's `tick` when they were read. Hand it back
 * to `clearReadiness` after a syscall says EAGAIN.
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * const describe = (readiness: Reactor.Readiness): string =>
 *   Reactor.isClosed(readiness) ? "deregistered" : Reactor.isReadClosed(readiness) ? "end of stream" : "try a read"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Readiness {
  readonly tick: number
  readonly ready: Ready
}

/**
 * An fd registered with a reactor.
 *
 * - `pollReady(direction, waker)` (and `pollReadable`, `pollWritable`): `Ready` with the direction's `Readiness`
 *   while it is cached ready, otherwise `Pending` with `waker` kept until an event for that direction. Several tasks
 *   may wait on one direction; all wake. A waker that `willWake` a stored one replaces it instead of adding a second.
 *   Throws when the registration has no interest in the direction (the wait could never end).
 * - `clearReadiness(readiness)`: forget the readiness a syscall found stale (EAGAIN). A no-op when an event arrived
 *   since `readiness` was polled (the tick moved on): that event's readiness stays. Closed states are never cleared.
 * - `removeWaker(direction, waker)`: take back a waker (or one it `willWake`s) when the waiting future is dropped or
 *   interrupted; `false` when none was stored.
 * - `deregister()`: delete the fd from the poller (an fd already closed is fine), free the key, and wake every
 *   waiter. Idempotent, and it never throws: a waker that throws, or a poller refusing the delete, is reported once
 *   as a Node warning (`EffectReactorWarning`) and the rest is done. From then on every poll is `Ready` with `closed`
 *   set. Deregister before closing the fd.
 * - `tick`, `ready`: the event count and the cached readiness bits, for inspection.
 *
 * @example
 * ```ts
 * import { Errno, Poll, Reactor, Waker } from "effect-reactor"
 *
 * // One step of a read: wait for readiness, try the syscall, clear on EAGAIN.
 * const readStep = (
 *   registration: Reactor.Registration,
 *   waker: Waker.Waker,
 *   read: () => number
 * ): number | undefined => {
 *   const poll = registration.pollReadable(waker)
 *   if (Poll.isPending(poll)) return undefined
 *   const n = read()
 *   if (n === -Errno.EAGAIN) {
 *     registration.clearReadiness(poll.value)
 *     return undefined
 *   }
 *   return n
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Registration {
  readonly fd: number
  /** The key the poller reports this fd's events under: `(generation << 24) | slot`. */
  readonly key: number
  readonly interest: Interest
  /** How many events (and the deregistration) this registration has seen. */
  readonly tick: number
  /** The cached readiness bits. */
  readonly ready: Ready
  /** Whether it was deregistered (by `deregister`, the reactor's `close`, or a poller that forgot the fd). */
  readonly closed: boolean
  pollReady(direction: Direction, waker: Waker): Poll<Readiness>
  pollReadable(waker: Waker): Poll<Readiness>
  pollWritable(waker: Waker): Poll<Readiness>
  clearReadiness(readiness: Readiness): void
  removeWaker(direction: Direction, waker: Waker): boolean
  deregister(): void
}

/**
 * The reactor, as an executor drives it.
 *
 * - `register(fd, interest)`: a new `Registration`. Throws what the poller throws (an errno `Error`: EEXIST for an
 *   fd already registered, EPERM for a regular file, EBADF), a `RangeError` for a bad interest, and an
 *   `ERR_POLLER_CLOSED` error once closed; the Effect `register` maps these to `PollerError`s.
 * - `turn(timeoutMs)`: one wait on the poller (`-1`: until something happens, `0`: do not block; fractions
 *   honoured), then every event of the batch dispatched; returns how many wakers were woken. Events for a key
 *   whose registration is gone are dropped.
 * - `watch(onEvents)` / `unwatch()`: have Node's event loop call `onEvents` when the poller has events (drain
 *   with `turn(0)`).
 * - `notify()`: wake a blocked `turn` (from a `Worker`, use `Poller.notifyFrom`).
 * - `registrations`: how many fds are registered.
 * - `isDriven`: whether something turns it — Node's loop watching it (`watch`, which the executor's integrated mode
 *   uses) or a loop inside `enterLoop()` / `leaveLoop()` (which `Executor.blockOn` brackets itself with; a loop of
 *   your own that calls `turn` does the same). An Effect wait on a reactor that nothing drives could never wake, so
 *   it dies at once with a message saying what to provide.
 * - `close()`: deregister everything (waking every waiter with `closed`) and stop watching. Idempotent, and it never
 *   throws (failures are reported as `deregister` reports them). The poller belongs to whoever opened it and stays
 *   open.
 *
 * @example
 * ```ts
 * import { Interest, Poller, Reactor, Waker } from "effect-reactor"
 *
 * const handle = Poller.unsafeOpen()
 * const reactor = Reactor.unsafeMake(handle)
 * const waitForInput = (fd: number): number => {
 *   const registration = reactor.register(fd, Interest.readable)
 *   let woken = 0
 *   registration.pollReadable(Waker.make(() => { woken++ }))
 *   reactor.turn(100)
 *   registration.deregister()
 *   return woken
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Reactor {
  readonly [TypeId]: TypeId
  readonly backend: Poller.Backend
  readonly registrations: number
  readonly closed: boolean
  readonly isDriven: boolean
  register(fd: number, interest: Interest): Registration
  turn(timeoutMs: number): number
  watch(onEvents: () => void): void
  unwatch(): void
  enterLoop(): void
  leaveLoop(): void
  notify(): void
  close(): void
}

/**
 * How to build a reactor: `events` is the capacity of its reused wait batch (default 1024 events).
 *
 * @example
 * ```ts
 * import type { Reactor } from "effect-reactor"
 *
 * const options: Reactor.Options = { events: 256 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly events?: number | undefined
}

/**
 * Readiness bit: the fd can be read (part of `"readable"` readiness).
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * const canRead = (readiness: Reactor.Readiness) => (readiness.ready & Reactor.readable) !== 0
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const readable: Ready = internal.READABLE

/**
 * Readiness bit: the fd can be written (part of `"writable"` readiness).
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * const canWrite = (readiness: Reactor.Readiness) => (readiness.ready & Reactor.writable) !== 0
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const writable: Ready = internal.WRITABLE

/**
 * Readiness bit: the read side is closed (a hang-up; part of `"readable"` and `"priority"` readiness). Final: never
 * cleared.
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * console.log(Reactor.isReadClosed({ tick: 0, ready: Reactor.readClosed })) // true
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const readClosed: Ready = internal.READ_CLOSED

/**
 * Readiness bit: the write side is closed (a full hang-up; part of `"writable"` readiness). Final: never cleared.
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * console.log(Reactor.isWriteClosed({ tick: 0, ready: Reactor.writeClosed })) // true
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const writeClosed: Ready = internal.WRITE_CLOSED

/**
 * Readiness bit: an error is pending on the fd; it concerns every direction.
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * console.log(Reactor.isError({ tick: 0, ready: Reactor.error })) // true
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const error: Ready = internal.ERROR

/**
 * Readiness bit: priority data is available (part of `"priority"` readiness).
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * console.log(Reactor.isPriority({ tick: 0, ready: Reactor.priority })) // true
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const priority: Ready = internal.PRIORITY

/**
 * Readiness bit: the registration was deregistered; it concerns every direction and is final.
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * console.log(Reactor.isClosed({ tick: 3, ready: Reactor.closed })) // true
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const closed: Ready = internal.CLOSED

/**
 * Whether the readiness says readable.
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * console.log(Reactor.isReadable({ tick: 1, ready: Reactor.readable })) // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isReadable: (self: Readiness) => boolean = internal.isReadable

/**
 * Whether the readiness says writable.
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * console.log(Reactor.isWritable({ tick: 1, ready: Reactor.readable })) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isWritable: (self: Readiness) => boolean = internal.isWritable

/**
 * Whether the readiness says the read side is closed.
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * console.log(Reactor.isReadClosed({ tick: 1, ready: Reactor.writeClosed })) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isReadClosed: (self: Readiness) => boolean = internal.isReadClosed

/**
 * Whether the readiness says the write side is closed.
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * console.log(Reactor.isWriteClosed({ tick: 1, ready: Reactor.writable })) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isWriteClosed: (self: Readiness) => boolean = internal.isWriteClosed

/**
 * Whether the readiness says an error is pending.
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * console.log(Reactor.isError({ tick: 1, ready: Reactor.readable })) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isError: (self: Readiness) => boolean = internal.isError

/**
 * Whether the readiness says priority data is available.
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * console.log(Reactor.isPriority({ tick: 1, ready: Reactor.readable })) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isPriority: (self: Readiness) => boolean = internal.isPriority

/**
 * Whether the readiness says the registration is deregistered: stop waiting.
 *
 * @example
 * ```ts
 * import { Reactor } from "effect-reactor"
 *
 * console.log(Reactor.isClosed({ tick: 1, ready: Reactor.closed })) // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isClosed: (self: Readiness) => boolean = internal.isClosed

/**
 * The `Reactor` service tag.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Reactor } from "effect-reactor"
 *
 * const registered = Effect.map(Reactor.Reactor, (reactor) => reactor.registrations)
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export const Reactor: Context.Tag<Reactor, Reactor> = internal.tag

/**
 * Builds a reactor over a poller's synchronous handle, outside any scope: the caller must `close()` it (before
 * closing the poller). It is turned by hand (`turn`) or by an executor built over it (`Executor.unsafeMake({ reactor })`);
 * the IO types run on the runtime's reactor instead (`ReactorRuntime.layer`).
 *
 * @example
 * ```ts
 * import { Poller, Reactor } from "effect-reactor"
 *
 * const handle = Poller.unsafeOpen({ backend: "poll" })
 * const reactor = Reactor.unsafeMake(handle, { events: 256 })
 * reactor.close()
 * handle.close()
 * ```
 *
 * @since 0.1.0
 * @category unsafe
 */
export const unsafeMake: (handle: Poller.PollerHandle, options?: Options) => Reactor = internal.unsafeMake

/**
 * A reactor over the `Poller` service, owned by the current scope: closing the scope closes the reactor (every
 * registration deregistered, every waiter woken). The finalizer is in place before the reactor exists. Like
 * `unsafeMake`, it is turned by hand; `ReactorRuntime.layer` provides a reactor that its executor drives.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Poller, Reactor } from "effect-reactor"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const reactor = yield* Reactor.make
 *     return reactor.backend
 *   })
 * ).pipe(Effect.provide(Poller.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Reactor, never, Poller.Poller | Scope.Scope> = internal.make

/**
 * Registers `fd` with the reactor for the current scope: closing the scope deregisters it (never failing, even when
 * the fd is already closed). Fails with `AlreadyExists` when `fd` is registered, `Unsupported` for a regular file (use
 * `File`), `BadDescriptor` for an fd that is not open, `InvalidArgument` for a bad fd or interest, `Closed` once the
 * reactor or its poller is closed. Close the fd after the scope, or in a finalizer added before this one.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Interest, Reactor } from "effect-reactor"
 *
 * const watchInput = (fd: number) =>
 *   Effect.scoped(
 *     Effect.gen(function*() {
 *       const registration = yield* Reactor.register(fd, Interest.readable)
 *       return registration.key
 *     })
 *   )
 * ```
 *
 * @since 0.1.0
 * @category registering
 */
export const register: (
  fd: number,
  interest: Interest
) => Effect.Effect<Registration, PollerError, Reactor | Scope.Scope> = internal.register
