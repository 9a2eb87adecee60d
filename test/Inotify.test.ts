/**
 * Inotify on real files in a temporary directory: events with names and flags, rename cookies, removal and the
 * IN_IGNORED that ends every watch, a real queue overflow, errors, interruption, fd counts, and the docs example.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { pipe } from "effect/Function"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Inotify from "../src/Inotify.js"
import { binding } from "../src/internal/native.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import { interruptParked } from "./utils/boundary.js"
import { runExample } from "./utils/examples.js"
import { fdCount } from "./utils/fds.js"
import { awaitParked } from "./utils/registration.js"

const { Mask } = Inotify

const failure = <A, E extends { readonly reason: string; readonly code?: string | undefined }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail"
    ? { reason: exit.cause.error.reason, code: exit.cause.error.code }
    : undefined

/** A temporary directory, removed with the scope. */
const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-reactor-inotify-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** Runs `body` with a fresh temporary directory in a scope of its own, then checks that every fd it opened is closed. */
const withTempDir = <A, E, R>(body: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const before = fdCount()
    yield* Effect.scoped(Effect.flatMap(tempDir, body))
    expect(fdCount()).toBe(before)
  })

/** Makes the directories `names` in `dir`; their paths. */
const subdirs = (dir: string, ...names: ReadonlyArray<string>): Array<string> =>
  names.map((name) => {
    const path = Path.join(dir, name)
    Fs.mkdirSync(path)
    return path
  })

/** Pulls events one read at a time, keeping what a read returned beyond what was asked for. */
const reader = (inotify: Inotify.Inotify) => {
  const pending: Array<Inotify.Event> = []
  return (n: number) =>
    Effect.gen(function*() {
      // Each read returns at least one event: n reads at most.
      for (let i = 0; i < n && pending.length < n; i++) pending.push(...(yield* inotify.read))
      return pending.splice(0, n)
    })
}

/** An event as `[watch path, name, mask names]`, for comparisons. */
const show = (event: Inotify.Event) =>
  Inotify.isOverflow(event) ? ["overflow"] : [event.watch.path, event.name, Inotify.format(event.mask)]

const watchEvent = (event: Inotify.Event | undefined): Inotify.WatchEvent => {
  if (event === undefined || !Inotify.isWatchEvent(event)) throw new Error(`not a watch event: ${String(event)}`)
  return event
}

describe("Inotify", () => {
  it("the mask bits are the kernel's IN_* constants", () => {
    const c = binding.constants
    expect(Mask).toEqual({
      access: c.IN_ACCESS,
      modify: c.IN_MODIFY,
      attrib: c.IN_ATTRIB,
      closeWrite: c.IN_CLOSE_WRITE,
      closeNoWrite: c.IN_CLOSE_NOWRITE,
      close: c.IN_CLOSE_WRITE | c.IN_CLOSE_NOWRITE,
      open: c.IN_OPEN,
      movedFrom: c.IN_MOVED_FROM,
      movedTo: c.IN_MOVED_TO,
      move: c.IN_MOVED_FROM | c.IN_MOVED_TO,
      create: c.IN_CREATE,
      delete: c.IN_DELETE,
      deleteSelf: c.IN_DELETE_SELF,
      moveSelf: c.IN_MOVE_SELF,
      allEvents: c.IN_ACCESS | c.IN_MODIFY | c.IN_ATTRIB | c.IN_CLOSE_WRITE | c.IN_CLOSE_NOWRITE | c.IN_OPEN |
        c.IN_MOVED_FROM | c.IN_MOVED_TO | c.IN_CREATE | c.IN_DELETE | c.IN_DELETE_SELF | c.IN_MOVE_SELF,
      unmount: c.IN_UNMOUNT,
      overflow: c.IN_Q_OVERFLOW,
      ignored: c.IN_IGNORED,
      onlyDir: c.IN_ONLYDIR,
      dontFollow: c.IN_DONT_FOLLOW,
      exclUnlink: c.IN_EXCL_UNLINK,
      maskCreate: c.IN_MASK_CREATE,
      maskAdd: c.IN_MASK_ADD,
      isDir: c.IN_ISDIR,
      oneshot: c.IN_ONESHOT
    })
  })

  it("combine stays unsigned with the top bit, has matches any bit, format names the bits", () => {
    const oneshotCreate = Inotify.combine(Mask.create, Mask.oneshot)
    expect(oneshotCreate).toBe(0x80000100)
    expect(pipe(Mask.closeWrite, Inotify.combine(Mask.closeNoWrite))).toBe(Mask.close)
    // Any number at once: the union of all of them, whatever their order.
    const four = Inotify.combine(Mask.create, Mask.closeWrite, Mask.movedFrom, Mask.oneshot)
    expect(four).toBe((Mask.create | Mask.closeWrite | Mask.movedFrom | Mask.oneshot) >>> 0)
    expect(Inotify.combine(Mask.oneshot, Mask.movedFrom, Mask.closeWrite, Mask.create)).toBe(four)
    expect(Inotify.format(Inotify.combine(Mask.closeWrite, Mask.closeNoWrite, Mask.movedFrom, Mask.movedTo))).toBe(
      "closeWrite|closeNoWrite|movedFrom|movedTo"
    )
    expect(Inotify.has(oneshotCreate, Mask.oneshot)).toBe(true)
    expect(Inotify.has(Mask.closeWrite, Mask.close)).toBe(true)
    expect(pipe(Mask.create, Inotify.has(Mask.delete))).toBe(false)
    expect(Inotify.format(Inotify.combine(Mask.create, Mask.isDir))).toBe("create|isDir")
    expect(Inotify.format(Mask.allEvents)).toBe(
      "access|modify|attrib|closeWrite|closeNoWrite|open|movedFrom|movedTo|create|delete|deleteSelf|moveSelf"
    )
    expect(Inotify.format(0x1000 as Inotify.Mask)).toBe("0x1000")
    expect(Inotify.format(0 as Inotify.Mask)).toBe("none")
  })

  it.live("a watched directory: create, modify, closeWrite and delete with names and isDir, in order", () =>
    withTempDir((dir) =>
      Effect.gen(function*() {
        const before = fdCount()
        const inotify = yield* Inotify.make()
        expect(fdCount()).toBe(before + 1)
        const wanted = pipe(Mask.create, Inotify.combine(Mask.modify), Inotify.combine(Mask.closeWrite))
        const watch = yield* inotify.watch(dir, Inotify.combine(wanted, Mask.delete))
        expect(watch.path).toBe(dir)
        // Watching the same directory again is the same watch (its mask replaced).
        expect(yield* inotify.watch(dir, Inotify.combine(wanted, Mask.delete))).toBe(watch)
        const next = reader(inotify)
        Fs.writeFileSync(Path.join(dir, "a.txt"), "hello")
        Fs.mkdirSync(Path.join(dir, "sub"))
        Fs.unlinkSync(Path.join(dir, "a.txt"))
        Fs.rmdirSync(Path.join(dir, "sub"))
        const events = yield* next(6)
        expect(events.map(show)).toEqual([
          [dir, "a.txt", "create"],
          [dir, "a.txt", "modify"],
          [dir, "a.txt", "closeWrite"],
          [dir, "sub", "create|isDir"],
          [dir, "a.txt", "delete"],
          [dir, "sub", "delete|isDir"]
        ])
        for (const event of events) {
          expect(watchEvent(event).watch).toBe(watch)
          expect(watchEvent(event).cookie).toBe(0)
        }
        // The same change again is an equal event.
        const file = Path.join(dir, "a.txt")
        Fs.writeFileSync(file, "hello")
        const again = yield* next(3)
        expect(again.map((event, i) => Equal.equals(event, events[i]))).toEqual([true, true, true])
        expect(Equal.equals(again[0], again[1])).toBe(false)
        // An event about the watched object itself has no name.
        yield* inotify.watch(file, Mask.attrib)
        Fs.chmodSync(file, 0o600)
        const [attrib] = yield* next(1)
        expect(show(attrib!)).toEqual([file, undefined, "attrib"])
      })
    ).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("a rename is a movedFrom and a movedTo that share a cookie, across two watched directories too", () =>
    withTempDir((dir) =>
      Effect.gen(function*() {
        const [left, right] = subdirs(dir, "left", "right")
        Fs.writeFileSync(Path.join(left, "x"), "")
        const inotify = yield* Inotify.make()
        const leftWatch = yield* inotify.watch(left, Mask.move)
        const rightWatch = yield* inotify.watch(right, Mask.move)
        const next = reader(inotify)
        Fs.renameSync(Path.join(left, "x"), Path.join(left, "y"))
        Fs.renameSync(Path.join(left, "y"), Path.join(right, "z"))
        const [from1, to1, from2, to2] = (yield* next(4)).map(watchEvent)
        expect([from1, to1, from2, to2].map((e) => show(e!))).toEqual([
          [left, "x", "movedFrom"],
          [left, "y", "movedTo"],
          [left, "y", "movedFrom"],
          [right, "z", "movedTo"]
        ])
        expect(from1!.cookie).not.toBe(0)
        expect(to1!.cookie).toBe(from1!.cookie)
        expect(to2!.cookie).toBe(from2!.cookie)
        expect(from2!.cookie).not.toBe(from1!.cookie)
        expect([from2!.watch, to2!.watch]).toEqual([leftWatch, rightWatch])
      })
    ).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("remove: ignored is the watch's last event and nothing follows it; removing again does nothing", () =>
    withTempDir((dir) =>
      Effect.gen(function*() {
        const [gone, kept] = subdirs(dir, "gone", "kept")
        const inotify = yield* Inotify.make()
        const goneWatch = yield* inotify.watch(gone, Mask.create)
        yield* inotify.watch(kept, Mask.create)
        const next = reader(inotify)
        Fs.writeFileSync(Path.join(gone, "before"), "")
        yield* inotify.remove(goneWatch)
        // Created after the removal: only the kept directory reports it.
        Fs.writeFileSync(Path.join(gone, "after"), "")
        Fs.writeFileSync(Path.join(kept, "after"), "")
        expect((yield* next(3)).map(show)).toEqual([
          [gone, "before", "create"],
          [gone, undefined, "ignored"],
          [kept, "after", "create"]
        ])
        yield* inotify.remove(goneWatch)
        // A watch of another instance is refused, whatever its descriptor.
        const other = yield* Inotify.make()
        const foreign = yield* other.watch(kept, Mask.create)
        expect(failure(yield* Effect.exit(inotify.remove(foreign)))).toEqual({
          reason: "InvalidArgument",
          code: undefined
        })
      })
    ).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("implicit ends: a deleted file's watch, a oneshot watch after its one event", () =>
    withTempDir((dir) =>
      Effect.gen(function*() {
        const doomed = Path.join(dir, "doomed")
        const once = Path.join(dir, "once")
        Fs.writeFileSync(doomed, "")
        Fs.writeFileSync(once, "")
        const inotify = yield* Inotify.make()
        const doomedWatch = yield* inotify.watch(doomed, Mask.deleteSelf)
        const onceWatch = yield* inotify.watch(once, Inotify.combine(Mask.modify, Mask.oneshot))
        const next = reader(inotify)
        Fs.unlinkSync(doomed)
        Fs.appendFileSync(once, "1")
        Fs.appendFileSync(once, "2")
        Fs.writeFileSync(Path.join(dir, "marker"), "")
        // The oneshot watch reports the first append only; the marker proves the second was not reported.
        const marker = yield* inotify.watch(dir, Mask.attrib)
        Fs.chmodSync(Path.join(dir, "marker"), 0o600)
        expect((yield* next(5)).map(show)).toEqual([
          [doomed, undefined, "deleteSelf"],
          [doomed, undefined, "ignored"],
          [once, undefined, "modify"],
          [once, undefined, "ignored"],
          [dir, "marker", "attrib"]
        ])
        // Both ended on their own: removing them now does nothing.
        yield* inotify.remove(doomedWatch)
        yield* inotify.remove(onceWatch)
        yield* inotify.remove(marker)
      })
    ).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("overflow: max_queued_events events, then one Overflow; the queue works again after it", () =>
    withTempDir((dir) =>
      Effect.gen(function*() {
        // Read, not lowered: lowering it needs root and would change it for every inotify user on the machine. The
        // kernel default is 16384; the loop below is bounded by it.
        const max = Number(Fs.readFileSync("/proc/sys/fs/inotify/max_queued_events", "utf8"))
        expect(Number.isInteger(max) && max > 0 && max <= 1 << 20).toBe(true)
        const inotify = yield* Inotify.make()
        yield* inotify.watch(dir, Mask.modify)
        const a = Fs.openSync(Path.join(dir, "a"), "w")
        const b = Fs.openSync(Path.join(dir, "b"), "w")
        yield* Effect.addFinalizer(() => Effect.sync(() => [a, b].forEach((fd) => Fs.closeSync(fd))))
        // Alternating files: the kernel merges an event identical to the last one queued, so each write is one event.
        const one = Buffer.from("x")
        for (let i = 0; i < max + 10; i++) Fs.writeSync(i % 2 === 0 ? a : b, one)
        let events = 0
        let overflows = 0
        for (let reads = 0; reads <= max && overflows === 0; reads++) {
          for (const event of yield* inotify.read) {
            if (Inotify.isOverflow(event)) overflows++
            else if (overflows === 0) events++
          }
        }
        expect({ events, overflows }).toEqual({ events: max, overflows: 1 })
        // Nothing was queued after the overflow record; a new event is delivered as usual.
        Fs.writeSync(a, one)
        const [after] = yield* inotify.read
        expect(show(after!)).toEqual([dir, "a", "modify"])
      })
    ).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("errors: NotFound, ENOTDIR, EEXIST, bad masks and paths, and Closed after close", () =>
    withTempDir((dir) =>
      Effect.gen(function*() {
        const file = Path.join(dir, "file")
        Fs.writeFileSync(file, "")
        const inotify = yield* Inotify.make()
        const exitOf = (path: string, mask: number) => Effect.exit(inotify.watch(path, mask as Inotify.Mask))
        expect(failure(yield* exitOf(Path.join(dir, "missing"), Mask.create))).toEqual({
          reason: "NotFound",
          code: "ENOENT"
        })
        expect(failure(yield* exitOf(file, Inotify.combine(Mask.modify, Mask.onlyDir)))).toEqual({
          reason: "Os",
          code: "ENOTDIR"
        })
        yield* inotify.watch(file, Mask.modify)
        expect(failure(yield* exitOf(file, Inotify.combine(Mask.modify, Mask.maskCreate)))).toEqual({
          reason: "AlreadyExists",
          code: "EEXIST"
        })
        const invalid = { reason: "InvalidArgument", code: undefined }
        for (const mask of [0, Mask.onlyDir, Mask.ignored | Mask.modify, Mask.overflow, -1, 1.5, 2 ** 32, NaN]) {
          expect(failure(yield* exitOf(dir, mask)), String(mask)).toEqual(invalid)
        }
        expect(failure(yield* exitOf("", Mask.create))).toEqual(invalid)
        expect(failure(yield* exitOf(3 as unknown as string, Mask.create))).toEqual(invalid)
        expect(failure(yield* exitOf(`${dir}\0junk`, Mask.create))?.reason).toBe("InvalidArgument")
        expect(failure(yield* Effect.exit(inotify.remove({ wd: 1, path: dir })))?.reason).toBe("InvalidArgument")
        const watch = yield* inotify.watch(dir, Mask.create)
        yield* inotify.close
        expect(inotify.closed).toBe(true)
        const closed = { reason: "Closed", code: undefined }
        expect(failure(yield* exitOf(dir, Mask.create))).toEqual(closed)
        expect(failure(yield* Effect.exit(inotify.remove(watch)))).toEqual(closed)
        expect(failure(yield* Effect.exit(inotify.read))).toEqual(closed)
        // The stream of a closed instance is empty and ends.
        expect(Chunk.size(yield* Stream.runCollect(inotify.events))).toBe(0)
        yield* inotify.close
      })
    ).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("interruption leaves no waker; closing ends a stream being consumed", () =>
    withTempDir((dir) =>
      Effect.gen(function*() {
        const inotify = yield* Inotify.make()
        yield* inotify.watch(dir, Mask.create)
        yield* interruptParked(inotify, inotify.read)
        // A consumer of the stream gets the events, then the end once the instance closes.
        const consumer = yield* Effect.fork(Stream.runCollect(inotify.events))
        Fs.writeFileSync(Path.join(dir, "seen"), "")
        yield* awaitParked(inotify)
        yield* inotify.close
        const seen = Chunk.toReadonlyArray(yield* Fiber.join(consumer)).map(show)
        expect(seen).toEqual([[dir, "seen", "create"]])
      })
    ).pipe(Effect.provide(ReactorRuntime.layer)))

  it("the docs example runs and prints the events it causes", async () => {
    const [watching, ...events] = await runExample("inotify.ts")
    expect(watching).toMatch(/^watching \/.+ for closeWrite\|movedFrom\|movedTo\|create\|delete$/)
    const cookie = events[2]?.match(/\(cookie (\d+)\)$/)?.[1]
    expect(events).toEqual([
      "create notes.txt",
      "closeWrite notes.txt",
      `movedFrom notes.txt (cookie ${cookie})`,
      `movedTo renamed.txt (cookie ${cookie})`,
      "create|isDir drafts",
      "delete renamed.txt",
      "ignored (the watch ended)"
    ])
  }, 90_000)
})
