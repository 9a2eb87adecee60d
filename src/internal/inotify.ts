/**
 * `Inotify`: an inotify(7) instance registered with the reactor, its watches, and the parsing of the
 * `struct inotify_event` records a read(2) returns.
 *
 * A watch's life: LIVE from inotify_add_watch until its IN_IGNORED record is read — after `remove`, after the one
 * event of a oneshot watch, after its object is deleted or its filesystem unmounted — then FORGOTTEN. The kernel
 * queues IN_IGNORED as the last record of a watch descriptor, so every record before it still finds its `Watch`.
 * IN_IGNORED itself is delivered as an event: it is how an implicit removal becomes visible.
 *
 * The mask bits are the kernel's (<sys/inotify.h>), written here as literals so that the pure parts load without the
 * addon; a test holds them equal to the addon's `IN_*` constants.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Os from "node:os"
import type * as Api from "../Inotify.js"
import type { IoError } from "../IoError.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import { argumentError, EINVAL } from "./errno.js"
import * as interest from "./interest.js"
import * as ioError from "./ioError.js"
import { binding } from "./native.js"
import * as resource from "./resource.js"
import { show } from "./show.js"
import type { Source } from "./source.js"

type Mask = Api.Mask

const bit = (value: number): Mask => value as Mask

/** @internal */
export const Mask = {
  access: bit(0x1),
  modify: bit(0x2),
  attrib: bit(0x4),
  closeWrite: bit(0x8),
  closeNoWrite: bit(0x10),
  close: bit(0x18),
  open: bit(0x20),
  movedFrom: bit(0x40),
  movedTo: bit(0x80),
  move: bit(0xc0),
  create: bit(0x100),
  delete: bit(0x200),
  deleteSelf: bit(0x400),
  moveSelf: bit(0x800),
  allEvents: bit(0xfff),
  unmount: bit(0x2000),
  overflow: bit(0x4000),
  ignored: bit(0x8000),
  onlyDir: bit(0x01000000),
  dontFollow: bit(0x02000000),
  exclUnlink: bit(0x04000000),
  maskCreate: bit(0x10000000),
  maskAdd: bit(0x20000000),
  isDir: bit(0x40000000),
  oneshot: bit(0x80000000)
} as const

// What `watch` accepts: the event bits and the flags that shape the watch. The rest only ever comes back in events.
const EVENTS = Mask.allEvents
const WATCH_BITS = (EVENTS | Mask.onlyDir | Mask.dontFollow | Mask.exclUnlink | Mask.maskCreate | Mask.maskAdd |
  Mask.oneshot) >>> 0

/** @internal */
export const isMask = (u: unknown): u is Mask =>
  typeof u === "number" && Number.isInteger(u) && u >= 0 && u <= 0xffffffff

/** @internal */
export const combine: {
  (that: Mask): (self: Mask) => Mask
  (self: Mask, that: Mask, ...rest: ReadonlyArray<Mask>): Mask
} = function(...masks: ReadonlyArray<Mask>): any {
  // One mask: the data-last form, for `pipe`. Two or more: all of them at once.
  if (masks.length === 1) {
    const that = checkedMask(masks[0], "that")
    return (self: Mask): Mask => ((checkedMask(self, "self") | that) >>> 0) as Mask
  }
  return masks.reduce((all, mask, i) => (all | checkedMask(mask, i === 0 ? "self" : "that")) >>> 0, 0) as Mask
}

// A plain function callable from JavaScript: what is no 32-bit mask is a TypeError naming the argument.
const checkedMask = (u: unknown, name: string): number => {
  if (typeof u === "number" && Number.isInteger(u) && u >= -0x80000000 && u <= 0xffffffff) return u
  throw argumentError("type", `The "${name}" argument must be an inotify Mask (a 32-bit integer), got ${show(u)}`)
}

/** @internal */
export const has: {
  (flags: Mask): (self: Mask) => boolean
  (self: Mask, flags: Mask): boolean
} = dual(2, (self: Mask, flags: Mask): boolean => (self & flags) !== 0)

// Single bits only, in the kernel's order; the combinations (close, move, allEvents) are not names of their own here.
const names: ReadonlyArray<readonly [number, string]> = Object.entries(Mask)
  .filter(([, value]) => (value & (value - 1)) === 0)
  .map(([name, value]) => [value, name] as const)
  .sort(([a], [b]) => a - b)

/** @internal */
export const format = (mask: Mask): string => {
  const parts: Array<string> = []
  let rest = mask >>> 0
  for (const [value, name] of names) {
    if ((rest & value) === 0) continue
    parts.push(name)
    rest = (rest & ~value) >>> 0
  }
  if (rest !== 0) parts.push(`0x${rest.toString(16)}`)
  return parts.length === 0 ? "none" : parts.join("|")
}

/** @internal */
export class Watch implements Api.Watch {
  constructor(readonly wd: number, readonly path: string, readonly owner: InotifyImpl | undefined) {}
}

/** @internal */
export const overflow: Api.Overflow = Data.struct({ _tag: "Overflow" as const })

/** @internal */
export const isOverflow = (event: Api.Event): event is Api.Overflow => event._tag === "Overflow"

/** @internal */
export const isWatchEvent = (event: Api.Event): event is Api.WatchEvent => event._tag === "WatchEvent"

// inotify(7): a read returns whole records only, and fails with EINVAL when the buffer cannot hold the next one,
// whose name may be NAME_MAX (255) bytes plus its NUL and padding. 64 KiB holds that with room for a busy queue.
const HEADER = 16
const BUFFER_SIZE = 65536
const littleEndian = Os.endianness() === "LE"

/** @internal */
export class InotifyImpl implements Api.Inotify {
  private readonly watches = new Map<number, Watch>()
  private readonly buffer = Buffer.allocUnsafe(BUFFER_SIZE)

  constructor(readonly source: Source) {}

  get fd(): number {
    return this.source.fd
  }

  get closed(): boolean {
    return this.source.closed
  }

  watch(path: string, mask: Mask): Effect.Effect<Watch, IoError> {
    return Effect.suspend(() => {
      if (typeof path !== "string" || path.length === 0) {
        return Effect.fail(ioError.invalidArgument("inotify_add_watch", "path must be a non-empty string"))
      }
      if (!isMask(mask) || (mask & ~WATCH_BITS) !== 0 || (mask & EVENTS) === 0) {
        const message = `mask must hold at least one event and only event and watch flags, got ${show(mask)}`
        return Effect.fail(ioError.invalidArgument("inotify_add_watch", message))
      }
      if (this.source.closed) return Effect.fail(ioError.closed("inotify_add_watch"))
      let wd: number
      try {
        wd = binding.inotifyAddWatch(this.source.fd, path, mask)
      } catch (error) {
        // A path with a NUL byte: the boundary's TypeError.
        return Effect.fail(ioError.fromThrown(error, "inotify_add_watch"))
      }
      if (wd < 0) return Effect.fail(ioError.fromErrno(wd, "inotify_add_watch"))
      // The same object (inode) watched again gets the same descriptor back, with its mask replaced or, under
      // maskAdd, extended (inotify_add_watch(2)): it is the same watch.
      let watch = this.watches.get(wd)
      if (watch === undefined) {
        watch = new Watch(wd, path, this)
        this.watches.set(wd, watch)
      }
      return Effect.succeed(watch)
    })
  }

  remove(watch: Api.Watch): Effect.Effect<void, IoError> {
    return Effect.suspend(() => {
      if (!(watch instanceof Watch) || watch.owner !== this) {
        return Effect.fail(ioError.invalidArgument("inotify_rm_watch", "the watch does not belong to this instance"))
      }
      if (this.source.closed) return Effect.fail(ioError.closed("inotify_rm_watch"))
      // Already ended (its IN_IGNORED was read): nothing left to remove.
      if (this.watches.get(watch.wd) !== watch) return Effect.void
      const result = binding.inotifyRmWatch(this.source.fd, watch.wd)
      // EINVAL for a watch still known here: the kernel already ended it (a oneshot event, its object deleted) and
      // its IN_IGNORED is queued. It is removed all the same.
      if (result < 0 && result !== -EINVAL) return Effect.fail(ioError.fromErrno(result, "inotify_rm_watch"))
      return Effect.void
    })
  }

  get read(): Effect.Effect<ReadonlyArray<Api.Event>, IoError> {
    return Effect.suspend(() => {
      const fd = this.source.fd
      let events: ReadonlyArray<Api.Event> = []
      // The records are parsed inside the attempt, so a concurrent read cannot overwrite the buffer before that.
      return Effect.map(
        this.source.io(
          "readable",
          () => {
            const n = binding.read(fd, this.buffer)
            if (n > 0) events = this.parse(n)
            return n
          },
          "read",
          0,
          0
        ),
        () => events
      )
    })
  }

  get events(): Stream.Stream<Api.Event, IoError> {
    // Closing the instance ends the stream, as EOF ends a byte stream.
    const next = Effect.mapError(
      this.read,
      (error) => error.reason === "Closed" && this.source.closed ? Option.none() : Option.some(error)
    )
    return Stream.repeatEffectChunkOption(Effect.map(next, Chunk.unsafeFromArray))
  }

  get close(): Effect.Effect<void> {
    return Effect.sync(() => this.source.close())
  }

  private parse(n: number): ReadonlyArray<Api.Event> {
    const buffer = this.buffer
    const events: Array<Api.Event> = []
    let offset = 0
    while (offset + HEADER <= n) {
      const wd = littleEndian ? buffer.readInt32LE(offset) : buffer.readInt32BE(offset)
      const mask = (littleEndian ? buffer.readUInt32LE(offset + 4) : buffer.readUInt32BE(offset + 4)) as Mask
      const cookie = littleEndian ? buffer.readUInt32LE(offset + 8) : buffer.readUInt32BE(offset + 8)
      const len = littleEndian ? buffer.readUInt32LE(offset + 12) : buffer.readUInt32BE(offset + 12)
      const start = offset + HEADER
      offset = start + len
      // The kernel never splits a record across reads (inotify(7)); one that overruns the read is a bug.
      if (offset > n) throw new Error(`inotify: a ${len}-byte name overruns the ${n}-byte read`)
      if ((mask & Mask.overflow) !== 0) {
        events.push(overflow)
        continue
      }
      // The name is NUL-terminated and NUL-padded to an alignment boundary; no name: the watched object itself.
      const end = len === 0 ? start : buffer.indexOf(0, start)
      const name = len === 0 ? undefined : buffer.toString("utf8", start, end < 0 || end > offset ? offset : end)
      events.push(Data.struct({ _tag: "WatchEvent" as const, watch: this.watchOf(wd), mask, cookie, name }))
      if ((mask & Mask.ignored) !== 0) this.watches.delete(wd)
    }
    return events
  }

  private watchOf(wd: number): Watch {
    // Descriptors are allocated cyclically, so a known wd is not reused before its IN_IGNORED is read; an unknown one
    // would take 2^31 watches to come about, and still gets a Watch carrying its number.
    return this.watches.get(wd) ?? new Watch(wd, "", undefined)
  }
}

/** @internal */
export const make = (): Effect.Effect<InotifyImpl, IoError, ReactorRuntime | Scope.Scope> =>
  resource.acquireSource(
    "Inotify.make",
    { interest: interest.READABLE, syscall: "inotify_init1", kind: "inotify" },
    () => ({ fd: binding.inotifyInit() }),
    (source) => new InotifyImpl(source)
  )
