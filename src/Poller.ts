/**
 * The readiness poller: register file descriptors with a key and an interest, then wait for a batch of
 * `(key, flags)` events. epoll on Linux; poll(2) everywhere else and on request.
 *
 * Two faces of one native object:
 * - `PollerHandle`, synchronous and allocation-free, for an executor's hot loop (`unsafeOpen`, or `poller.handle`);
 * - `Poller`, a `Context.Tag` service whose operations are Effects failing with a typed `PollerError`, opened and
 *   closed by a `Scope` (`make`, `layer`).
 *
 * A file descriptor must be deleted from the poller before it is closed: the kernel forgets a closed fd only when no
 * other descriptor refers to its file, and a poll(2) backend would keep polling a number that may be reused.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { Interest } from "./Interest.js"
import * as internal from "./internal/poller.js"
import type { PollerError } from "./PollerError.js"
import type * as PollMode from "./PollMode.js"

/**
 * The identifier of `Poller` services.
 *
 * @example
 * ```ts
 * import { Poller } from "effect-reactor"
 *
 * const isPoller = (u: object): boolean => Poller.TypeId in u
 * ```
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = internal.TypeId

/**
 * The type of `TypeId`.
 *
 * @example
 * ```ts
 * import type { Poller } from "effect-reactor"
 *
 * type Id = Poller.TypeId
 * ```
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * The kernel interface behind a poller: `"epoll"` (Linux) or `"poll"` (poll(2), portable, level-triggered only).
 *
 * @example
 * ```ts
 * import type { Poller } from "effect-reactor"
 *
 * const backend: Poller.Backend = "poll"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Backend = "epoll" | "poll"

/**
 * How to open a poller. `backend` defaults to `"epoll"` on Linux and `"poll"` elsewhere.
 *
 * @example
 * ```ts
 * import type { Poller } from "effect-reactor"
 *
 * const options: Poller.Options = { backend: "poll" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly backend?: Backend | undefined
}

/**
 * How long `wait` may block: any `Duration` input (a number is milliseconds, fractions honoured), `Infinity`,
 * `Duration.infinity` or `"forever"` for no deadline. NaN and negative values are rejected with `InvalidArgument`.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import type { Poller } from "effect-reactor"
 *
 * const timeouts: ReadonlyArray<Poller.Timeout> = [0, 2.5, "10 millis", Duration.seconds(1), "forever"]
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Timeout = Duration.DurationInput | "forever"

/**
 * A structured-cloneable capability to wake one poller from any thread: post it to a `Worker` and call
 * `notifyFrom` there.
 *
 * @example
 * ```ts
 * import type { Poller } from "effect-reactor"
 *
 * const message = (notifier: Poller.Notifier) => ({ type: "wake", notifier })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Notifier {
  readonly token: number
}

/**
 * The synchronous poller, for an executor's hot loop. It is the native object itself: no wrapper, no allocation
 * per call. Methods throw what the native boundary throws (an errno `Error`, `TypeError`/`RangeError` for bad
 * arguments, an `ERR_POLLER_CLOSED` error once closed); the `Poller` service turns those into `PollerError`s.
 *
 * - `add(fd, key, interest, mode)`: register `fd`; `key` comes back in its events (at most `MAX_KEY`), `mode` is a
 *   native code from `modeCode`.
 * - `modify(fd, key, interest, mode)`: change (or re-arm) a registration.
 * - `delete(fd)`: forget `fd`; do it before closing the fd (the poll backend polls a duplicate of its own, which keeps
 *   the file open until the delete; epoll forgets a file once its last fd is closed).
 * - `wait(events, timeoutMs)`: fill `events` with `(key, flags)` pairs and return how many; blocks up to
 *   `timeoutMs` (fractions honoured, `-1` for no deadline). A `notify` wakes it. In a Worker, so does each new event
 *   of the Worker's Node loop (returning 0), so that `worker.terminate()` ends a Worker blocked here.
 * - `notify()`: wake a blocked `wait` (coalesced).
 * - `close()`: release the poller; closing twice is a no-op.
 * - `watch(callback)` / `unwatch()`: have Node's event loop call `callback` when the poller has events, so the main
 *   thread never blocks; drain with `wait(events, 0)`. `ref()` / `unref()` decide whether the watch keeps the
 *   process alive.
 * - `fd`: the poller's own pollable fd, for nesting it in another poller (see `Poller.fd`). Throws once closed.
 *
 * @example
 * ```ts
 * import { Interest, PollEvent, Poller } from "effect-reactor"
 *
 * const events = PollEvent.makeBatch(64)
 * const oneshot = Poller.modeCode("oneshot")
 * const readyNow = (handle: Poller.PollerHandle, fd: number): number => {
 *   handle.add(fd, 1, Interest.readable, oneshot)
 *   const count = handle.wait(events, 0)
 *   handle.delete(fd)
 *   return count
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface PollerHandle {
  readonly backend: Backend
  readonly supportsEdge: boolean
  readonly supportsLevel: boolean
  readonly closed: boolean
  /** The token behind `Poller.notifier`, usable from any thread; never reused. */
  readonly notifyToken: number
  readonly fd: number
  add(fd: number, key: number, interest: Interest, mode: number): void
  modify(fd: number, key: number, interest: Interest, mode: number): void
  delete(fd: number): void
  wait(events: Uint32Array, timeoutMs: number): number
  notify(): void
  close(): void
  watch(callback: () => void): void
  unwatch(): void
  ref(): void
  unref(): void
}

/**
 * The poller as an Effect service. Every operation fails with a typed `PollerError`; none blocks except `wait` with
 * a timeout above zero.
 *
 * `wait` runs synchronously on the calling fiber's thread: with a timeout it blocks the whole JavaScript thread,
 * every other fiber included. Use timeout 0 when running inside Node's event loop, and blocking waits only in a
 * dedicated loop or a worker.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Interest, PollEvent, Poller } from "effect-reactor"
 *
 * const readyKeys = (fd: number) =>
 *   Effect.gen(function*() {
 *     const poller = yield* Poller.Poller
 *     const events = PollEvent.makeBatch(16)
 *     yield* poller.add(fd, 7, Interest.readable)
 *     const count = yield* poller.wait(events, "10 millis")
 *     yield* poller.delete(fd)
 *     const keys: Array<number> = []
 *     PollEvent.forEach(events, count, (key) => keys.push(key))
 *     return keys
 *   })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Poller {
  readonly [TypeId]: TypeId
  /** The native handle, for hot loops that cannot afford an Effect per call. Owned by the service's scope. */
  readonly handle: PollerHandle
  readonly backend: Backend
  /** Whether `"edge"` and `"edgeOneshot"` modes are available (epoll: yes; poll(2): no). */
  readonly supportsEdge: boolean
  /** Whether `"level"` mode is available. */
  readonly supportsLevel: boolean
  /** Wakes this poller from another thread: see `notifyFrom`. */
  readonly notifier: Notifier
  /**
   * Registers `fd` under `key` (an integer up to the native `MAX_KEY`). Fails with `AlreadyExists` when `fd` is
   * registered, `Unsupported` for a regular file (epoll cannot wait on one: use `File`, which runs file IO on the
   * thread pool) or a mode the backend cannot do, `BadDescriptor` when `fd` is not open, `InvalidArgument` for a bad
   * argument, `Closed` once the poller is closed.
   */
  add(fd: number, key: number, interest: Interest, mode?: PollMode.PollMode): Effect.Effect<void, PollerError>
  /** Changes or re-arms the registration of `fd`. Fails with `NotFound` when `fd` is not registered. */
  modify(fd: number, key: number, interest: Interest, mode?: PollMode.PollMode): Effect.Effect<void, PollerError>
  /** Forgets `fd`; do it before closing the fd. Fails with `NotFound` when `fd` is not registered. */
  delete(fd: number): Effect.Effect<void, PollerError>
  /**
   * Waits for readiness, writes `(key, flags)` pairs into `events` and succeeds with their count (0 on timeout or
   * after a `notify`). Blocks the thread for up to `timeout`: see the interface's notes.
   */
  wait(events: Uint32Array, timeout: Timeout): Effect.Effect<number, PollerError>
  /** Wakes a blocked `wait` (coalesced: many notifies before a wait wake it once). */
  readonly notify: Effect.Effect<void, PollerError>
  /**
   * The poller's own pollable fd, to nest it in another poller (or an `AsyncFd`): it is readable while a
   * `wait(events, 0)` would report an event (or consume a pending `notify`). Register it for readable interest; when
   * it fires, drain this poller with `wait(events, 0)` until it returns 0. The fd stays owned by this poller: never
   * close it, and deregister it before this poller's scope closes.
   *
   * epoll: the epoll fd itself, which can be polled like any fd (epoll(7), Q3). poll(2): the readiness eventfd,
   * signalled by the backend's thread, which the first use of `fd` starts and `close` stops; each `wait` answers its
   * signal. Fails with `Closed` once the poller is closed.
   */
  readonly fd: Effect.Effect<number, PollerError>
}

/**
 * The `Poller` service tag.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Poller } from "effect-reactor"
 *
 * const backend = Effect.map(Poller.Poller, (poller) => poller.backend)
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export const Poller: Context.Tag<Poller, Poller> = internal.tag

/**
 * Opens a native poller directly, outside any scope: the caller must `close()` it. Throws what the native boundary
 * throws (an errno `Error` such as EMFILE, a `TypeError` for an unknown backend).
 *
 * @example
 * ```ts
 * import { Poller } from "effect-reactor"
 *
 * const handle = Poller.unsafeOpen({ backend: "poll" })
 * try {
 *   console.log(handle.backend) // "poll"
 * } finally {
 *   handle.close()
 * }
 * ```
 *
 * @since 0.1.0
 * @category unsafe
 */
export const unsafeOpen: (options?: Options) => PollerHandle = internal.unsafeOpen

/**
 * The native code of a mode, for `PollerHandle.add` / `modify`: convert once, outside the hot loop.
 *
 * @example
 * ```ts
 * import { Poller } from "effect-reactor"
 *
 * const level = Poller.modeCode("level") // 1
 * ```
 *
 * @since 0.1.0
 * @category conversions
 */
export const modeCode: (mode: PollMode.PollMode) => PollMode.Code = internal.modeCode

/**
 * Wakes the poller behind `notifier` from any thread (a `Worker` included; the package must be imported there).
 * `false` when that poller is closed or unknown.
 *
 * @example
 * ```ts
 * import { Poller } from "effect-reactor"
 *
 * const wake = (notifier: Poller.Notifier): boolean => Poller.notifyFrom(notifier)
 * ```
 *
 * @since 0.1.0
 * @category notifying
 */
export const notifyFrom: (notifier: Notifier) => boolean = internal.notifyFrom

/**
 * Opens a poller owned by the current scope: closing the scope closes it. The finalizer is registered atomically
 * with the opening, and closing never fails.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Poller } from "effect-reactor"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const poller = yield* Poller.make({ backend: "poll" })
 *     return poller.supportsEdge // false
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options?: Options) => Effect.Effect<Poller, PollerError, Scope.Scope> = internal.make

/**
 * A layer providing a `Poller` with the platform's default backend (epoll on Linux), closed with the layer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Poller } from "effect-reactor"
 *
 * const program = Effect.gen(function*() {
 *   const poller = yield* Poller.Poller
 *   return poller.backend
 * })
 *
 * Effect.runPromise(Effect.provide(program, Poller.layer)).then(console.log) // "epoll"
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Poller, PollerError> = internal.layer

/**
 * A layer providing a `Poller` opened with `options`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Poller } from "effect-reactor"
 *
 * const PollLive = Poller.layerWith({ backend: "poll" })
 * const program = Effect.provide(Effect.map(Poller.Poller, (poller) => poller.backend), PollLive)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith: (options: Options) => Layer.Layer<Poller, PollerError> = internal.layerWith
