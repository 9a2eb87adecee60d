/**
 * File system events from inotify(7): watch paths with a `Mask`, read the events as a `Stream`, remove watches.
 *
 * `make` opens a non-blocking, close-on-exec inotify instance registered with the reactor, owned by the scope (the
 * release deregisters, then closes it; the kernel drops every watch with it). Each read returns every record queued,
 * parsed into `WatchEvent`s (the watch, the mask, the rename cookie, the name inside a watched directory).
 *
 * Two things the kernel reports are events here, never lost silently:
 * - `Overflow`: the queue held `/proc/sys/fs/inotify/max_queued_events` records and later events were dropped; what
 *   you know about the watched tree is stale from there on (rescan it).
 * - a `WatchEvent` with `Mask.ignored`: the watch has ended — after `remove`, after the one event of a `oneshot`
 *   watch, or because its object was deleted or unmounted. It is the last event of that watch.
 *
 * @since 0.1.0
 */
import type * as Brand from "effect/Brand"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as internal from "./internal/inotify.js"
import type { IoError } from "./IoError.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"

/**
 * A set of inotify bits (an unsigned 32-bit integer at run time): the events a watch wants and the flags that shape
 * it, or what an event reports.
 *
 * @example
 * ```ts
 * import { Inotify } from "effect-reactor"
 *
 * const wanted: Inotify.Mask = Inotify.combine(Inotify.Mask.create, Inotify.Mask.delete)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Mask = number & Brand.Brand<"effect-reactor/Inotify/Mask">

/**
 * The inotify bits by name (inotify(7)).
 *
 * Events, for `watch` and in events: `access`, `modify`, `attrib` (metadata), `closeWrite`, `closeNoWrite`, `open`,
 * `movedFrom` / `movedTo` (a rename inside a watched directory; the pair shares a cookie), `create`, `delete`,
 * `deleteSelf`, `moveSelf`; and the unions `close`, `move`, `allEvents`.
 *
 * Flags for `watch`: `onlyDir` (fail with ENOTDIR unless a directory), `dontFollow` (do not follow a final symbolic
 * link), `exclUnlink` (no events for children once unlinked), `maskCreate` (fail with EEXIST if already watched),
 * `maskAdd` (add to an existing watch's mask instead of replacing it), `oneshot` (end the watch after one event).
 *
 * Only in events: `unmount` (the filesystem went away), `overflow` (see `Overflow`), `ignored` (the watch ended),
 * `isDir` (the subject is a directory).
 *
 * @example
 * ```ts
 * import { Inotify } from "effect-reactor"
 *
 * const renames = Inotify.combine(Inotify.Mask.move, Inotify.Mask.onlyDir)
 * console.log(Inotify.format(renames)) // "movedFrom|movedTo|onlyDir"
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const Mask: {
  readonly access: Mask
  readonly modify: Mask
  readonly attrib: Mask
  readonly closeWrite: Mask
  readonly closeNoWrite: Mask
  readonly close: Mask
  readonly open: Mask
  readonly movedFrom: Mask
  readonly movedTo: Mask
  readonly move: Mask
  readonly create: Mask
  readonly delete: Mask
  readonly deleteSelf: Mask
  readonly moveSelf: Mask
  readonly allEvents: Mask
  readonly unmount: Mask
  readonly overflow: Mask
  readonly ignored: Mask
  readonly onlyDir: Mask
  readonly dontFollow: Mask
  readonly exclUnlink: Mask
  readonly maskCreate: Mask
  readonly maskAdd: Mask
  readonly isDir: Mask
  readonly oneshot: Mask
} = internal.Mask

/**
 * The union of masks: of any number given at once, or, with one, a function adding it (for `pipe`).
 *
 * @example
 * ```ts
 * import { pipe } from "effect"
 * import { Inotify } from "effect-reactor"
 *
 * const changes = Inotify.combine(Inotify.Mask.create, Inotify.Mask.delete, Inotify.Mask.movedTo, Inotify.Mask.closeWrite)
 * const wanted = pipe(Inotify.Mask.create, Inotify.combine(Inotify.Mask.closeWrite))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const combine: {
  (that: Mask): (self: Mask) => Mask
  (self: Mask, that: Mask, ...rest: ReadonlyArray<Mask>): Mask
} = internal.combine

/**
 * Whether `self` has any bit of `flags`: `has(event.mask, Mask.close)` matches both kinds of close.
 *
 * @example
 * ```ts
 * import { Inotify } from "effect-reactor"
 *
 * const isDirectory = (event: Inotify.WatchEvent) => Inotify.has(event.mask, Inotify.Mask.isDir)
 * ```
 *
 * @since 0.1.0
 * @category predicates
 */
export const has: {
  (flags: Mask): (self: Mask) => boolean
  (self: Mask, flags: Mask): boolean
} = internal.has

/**
 * The names of a mask's bits, joined by `|` ("create|isDir"); unnamed bits in hex, an empty mask as "none".
 *
 * @example
 * ```ts
 * import { Inotify } from "effect-reactor"
 *
 * console.log(Inotify.format(Inotify.Mask.close)) // "closeWrite|closeNoWrite"
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const format: (mask: Mask) => string = internal.format

/**
 * A watch: its descriptor (`wd`, unique within its instance while the watch lives) and the path it was added with.
 * Watching the same object again returns the same `Watch`.
 *
 * @example
 * ```ts
 * import type { Inotify } from "effect-reactor"
 *
 * const describe = (watch: Inotify.Watch) => `${watch.wd}: ${watch.path}`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Watch {
  readonly wd: number
  readonly path: string
}

/**
 * One event of a watch: its `mask` (one event bit, maybe with `isDir`; or `ignored`, `unmount`), the `cookie` that
 * ties a `movedFrom` to its `movedTo` (0 for other events), and the `name` of the entry inside a watched directory
 * (`undefined` when the event is about the watched object itself).
 *
 * @example
 * ```ts
 * import { Inotify } from "effect-reactor"
 *
 * const line = (event: Inotify.WatchEvent) =>
 *   `${event.watch.path}/${event.name ?? ""} ${Inotify.format(event.mask)}`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface WatchEvent {
  readonly _tag: "WatchEvent"
  readonly watch: Watch
  readonly mask: Mask
  readonly cookie: number
  readonly name: string | undefined
}

/**
 * The kernel's queue overflowed (IN_Q_OVERFLOW): events after it were dropped. It comes after the events that fit.
 *
 * @example
 * ```ts
 * import { Inotify } from "effect-reactor"
 *
 * const lost = (event: Inotify.Event) => event._tag === "Overflow"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Overflow {
  readonly _tag: "Overflow"
}

/**
 * What a read of the instance yields. Events compare structurally with `Equal.equals`.
 *
 * @example
 * ```ts
 * import type { Inotify } from "effect-reactor"
 *
 * const name = (event: Inotify.Event) => (event._tag === "WatchEvent" ? event.name : undefined)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Event = WatchEvent | Overflow

/**
 * Whether an event is the overflow marker.
 *
 * @example
 * ```ts
 * import { Inotify } from "effect-reactor"
 *
 * const mustRescan = (events: ReadonlyArray<Inotify.Event>) => events.some(Inotify.isOverflow)
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isOverflow: (event: Event) => event is Overflow = internal.isOverflow

/**
 * Whether an event belongs to a watch.
 *
 * @example
 * ```ts
 * import { Inotify } from "effect-reactor"
 *
 * const names = (events: ReadonlyArray<Inotify.Event>) => events.filter(Inotify.isWatchEvent).map((e) => e.name)
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isWatchEvent: (event: Event) => event is WatchEvent = internal.isWatchEvent

/**
 * An inotify instance.
 *
 * - `watch(path, mask)`: inotify_add_watch(2). Fails with `NotFound` (no such path), `InvalidArgument` (a mask without
 *   events or with bits that only events carry, a path with a NUL byte), `AlreadyExists` (`maskCreate` on a watched
 *   object), `Os` with code `ENOTDIR` (`onlyDir` on a non-directory) or `ENOSPC` (past `max_user_watches`).
 * - `remove(watch)`: inotify_rm_watch(2); the watch's last event, `ignored`, follows in the stream. Removing a watch
 *   that has already ended does nothing; a watch of another instance is `InvalidArgument`.
 * - `read`: waits until events are queued and returns them all (one read(2)).
 * - `events`: `read` as a Stream; it ends when the instance is closed.
 * - `close`: release now (deregister, close); calls after it fail with `Closed`.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Inotify } from "effect-reactor"
 *
 * // The first entry created in `dir`.
 * const firstCreated = (dir: string) =>
 *   Effect.scoped(Effect.gen(function*() {
 *     const inotify = yield* Inotify.make()
 *     yield* inotify.watch(dir, Inotify.Mask.create)
 *     return yield* inotify.events.pipe(Stream.filter(Inotify.isWatchEvent), Stream.runHead)
 *   }))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Inotify {
  readonly fd: number
  readonly closed: boolean
  watch(path: string, mask: Mask): Effect.Effect<Watch, IoError>
  remove(watch: Watch): Effect.Effect<void, IoError>
  readonly read: Effect.Effect<ReadonlyArray<Event>, IoError>
  readonly events: Stream.Stream<Event, IoError>
  readonly close: Effect.Effect<void>
}

/**
 * Opens an inotify instance for the current scope (inotify_init1 with IN_NONBLOCK | IN_CLOEXEC). Fails with `Os` and
 * code `EMFILE` past `/proc/sys/fs/inotify/max_user_instances`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Inotify, ReactorRuntime } from "effect-reactor"
 *
 * const nextBatch = Effect.scoped(Effect.gen(function*() {
 *   const inotify = yield* Inotify.make()
 *   yield* inotify.watch("/tmp", Inotify.combine(Inotify.Mask.create, Inotify.Mask.delete))
 *   return yield* inotify.read
 * })).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: () => Effect.Effect<Inotify, IoError, ReactorRuntime | Scope.Scope> = internal.make
