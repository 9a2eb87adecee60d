/**
 * File: regular files through the thread pool, on real files in a temporary directory. Positional reads and writes,
 * append and exclusive creation, fstat, fsync, typed failures, bad input; cancellation (nothing reaches a caller's
 * buffer after an interruption, a write keeps the bytes it was given), close and scope release waiting for jobs in
 * flight; the future face in dedicated mode; a reactor closing under waiting operations; a Worker ending with jobs
 * queued; the native boundary; the docs example. Every test counts fds before and after.
 *
 * "In flight" is made deterministic by holding the pool: every thread of libuv's pool is parked in a blocking open(2)
 * of a FIFO (it waits for a writer, fifo(7)), so jobs submitted meanwhile stay queued until the test lets go.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import * as ChildProcess from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as AsyncFd from "../src/AsyncFd.js"
import * as Executor from "../src/Executor.js"
import * as File from "../src/File.js"
import * as Interest from "../src/Interest.js"
import type { File as FileImpl } from "../src/internal/file.js"
import { binding } from "../src/internal/native.js"
import type { IoError } from "../src/IoError.js"
import * as Poller from "../src/Poller.js"
import * as Reactor from "../src/Reactor.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as SimpleFuture from "../src/SimpleFuture.js"
import * as Waker from "../src/Waker.js"
import { expectError, thrown } from "./utils/boundary.js"
import { runChild } from "./utils/child.js"
import { runExample } from "./utils/examples.js"
import { fdCount } from "./utils/fds.js"

const fixtures = Path.join(Path.dirname(fileURLToPath(import.meta.url)), "fixtures")
const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4)

const makeDir = (): string => Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-reactor-file-test-"))
const tempDir = Effect.acquireRelease(
  Effect.sync(makeDir),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/**
 * A test on `ReactorRuntime.layer` with a temporary directory: once `body`'s scope has closed, the process has the fds it had
 * before (the runtime's own are open throughout).
 */
const inTempDir = <A, E>(
  body: (
    dir: string
  ) => Effect.Effect<A, E, ReactorRuntime.ReactorRuntime | Poller.Poller | Reactor.Reactor | Scope.Scope>
) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const before = fdCount()
    const result = yield* Effect.scoped(body(dir))
    expect(fdCount()).toBe(before)
    return result
  }).pipe(Effect.scoped, Effect.provide(ReactorRuntime.layer))

/** `length` bytes where byte i is `i * 7 + 3` (mod 256), so a misplaced byte shows. */
const pattern = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 7 + 3) & 0xff)

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString()

const reasonOf = <A, R>(effect: Effect.Effect<A, IoError, R>) => Effect.map(Effect.flip(effect), (e) => e.reason)

const failureOf = <A>(exit: Exit.Exit<A, IoError>): IoError | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined

/** Lets other fibers run until `condition` holds (bounded), or dies. */
const waitUntil = (condition: () => boolean, what: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 10_000 && !condition(); i++) yield* Effect.yieldNow()
    if (!condition()) return yield* Effect.dieMessage(`never happened: ${what}`)
  })

/** Waits on Node's loop until `condition` holds (bounded: 500 rounds of 10 ms), for what ends on the pool. */
const settled = async (condition: () => boolean): Promise<boolean> => {
  for (let i = 0; i < 500; i++) {
    if (condition()) return true
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return false
}

/** Byte-wise equality, without a deep-equality diff over megabytes. */
const expectSameBytes = (actual: Uint8Array, expected: Uint8Array) => {
  expect(actual.length).toBe(expected.length)
  expect(Buffer.compare(actual, expected)).toBe(0)
}

interface PoolHold {
  readonly release: () => Promise<void>
}

let fifos = 0

/** Parks every pool thread in an open(2) of a fresh FIFO; `release` opens it read-write, which frees them all. */
const holdPool = (dir: string): PoolHold => {
  const fifo = Path.join(dir, `hold-${fifos++}.fifo`)
  ChildProcess.execFileSync("mkfifo", [fifo])
  const readers = Array.from(
    { length: poolSize },
    () =>
      new Promise<number>((resolve, reject) => Fs.open(fifo, "r", (error, fd) => (error ? reject(error) : resolve(fd))))
  )
  let released: Promise<void> | undefined
  const release = async () => {
    // Opening a FIFO read-write never blocks on Linux (fifo(7)) and lets every blocked reader through.
    const writer = Fs.openSync(fifo, "r+")
    try {
      for (const fd of await Promise.all(readers)) Fs.closeSync(fd)
    } finally {
      Fs.closeSync(writer)
    }
  }
  return { release: () => (released ??= release()) }
}

/** A held pool for the current scope; released (at the latest) when the scope closes. */
const heldPool = (dir: string) =>
  Effect.acquireRelease(Effect.sync(() => holdPool(dir)), (hold) => Effect.promise(hold.release))

interface Dedicated {
  readonly dir: string
  readonly reactor: Reactor.Reactor
  readonly executor: Executor.ExecutorHandle
  /** Opens `path` in the temporary directory through `openFuture` and `blockOn`. */
  readonly open: (name: string, options?: File.OpenOptions) => File.File
}

/** Runs `body` with a temporary directory and a dedicated runtime (poller, reactor, executor); then closes them. */
const withDedicated = async (body: (dedicated: Dedicated) => void | Promise<void>): Promise<void> => {
  const dir = makeDir()
  const poller = Poller.unsafeOpen()
  const reactor = Reactor.unsafeMake(poller)
  const executor = Executor.unsafeMake({ reactor })
  const open = (name: string, options?: File.OpenOptions) =>
    succeeded(executor.blockOn(File.openFuture(Path.join(dir, name), options)))
  try {
    await body({ dir, reactor, executor, open })
  } finally {
    executor.close()
    reactor.close()
    poller.close()
    Fs.rmSync(dir, { recursive: true, force: true })
  }
}

const succeeded = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isFailure(exit)) throw new Error(`expected a success, got ${String(exit)}`)
  return exit.value
}

describe("File", () => {
  it.live("writes and reads at positions; concurrent reads get their own bytes; a read past the end is 0", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const path = Path.join(dir, "positions.bin")
        const file = yield* File.open(path, { flags: "w+" })
        const data = pattern(64 * 1024)
        // 64 writes of 1 KiB at their offsets, all at once, in reverse order.
        const counts = yield* Effect.forEach(
          Array.from({ length: 64 }, (_, i) => 63 - i),
          (i) => file.write(data.subarray(i * 1024, (i + 1) * 1024), i * 1024),
          { concurrency: "unbounded" }
        )
        expect(counts.every((n) => n === 1024)).toBe(true)
        expectSameBytes(Fs.readFileSync(path), data)
        // 64 reads at once, each into its own buffer.
        const buffers = Array.from({ length: 64 }, () => new Uint8Array(1024))
        const read = yield* Effect.forEach(buffers, (buffer, i) => file.read(buffer, i * 1024), {
          concurrency: "unbounded"
        })
        expect(read.every((n) => n === 1024)).toBe(true)
        buffers.forEach((buffer, i) => expectSameBytes(buffer, data.subarray(i * 1024, (i + 1) * 1024)))
        // Across the end: what is there; past it: 0, and the buffer is untouched.
        const tail = new Uint8Array(16).fill(0xee)
        expect(yield* file.read(tail, data.length - 4)).toBe(4)
        expect(tail.subarray(0, 4)).toEqual(data.subarray(data.length - 4))
        expect(tail.subarray(4).every((b) => b === 0xee)).toBe(true)
        expect(yield* file.read(tail, data.length)).toBe(0)
        expect(yield* file.read(tail, 2 ** 40)).toBe(0)
        expect(yield* file.read(new Uint8Array(0), 0)).toBe(0)
        // Without a position: read(2)/write(2) at the file's offset, which advances.
        const [a, b] = [new Uint8Array(3), new Uint8Array(3)]
        yield* file.read(a)
        yield* file.read(b)
        expect([...a, ...b]).toEqual([...data.subarray(0, 6)])
        // A write into a hole: the gap reads as zeros.
        expect(yield* file.write(Buffer.from("end"), data.length + 10)).toBe(3)
        const gap = new Uint8Array(13)
        expect(yield* file.read(gap, data.length)).toBe(13)
        expect([...gap]).toEqual([...new Uint8Array(10), ...Buffer.from("end")])
      })
    ))

  // Regression (issue 11): a read into a buffer whose ArrayBuffer was transferred settled as 0 bytes (end of file).
  it.live("a read into a detached buffer is an InvalidArgument, also when it is detached while the read runs", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const path = Path.join(dir, "detached.bin")
        Fs.writeFileSync(path, pattern(4096))
        const file = yield* File.open(path)
        const gone = new Uint8Array(16)
        structuredClone(gone.buffer, { transfer: [gone.buffer] })
        const before = yield* Effect.exit(file.read(gone, 0))
        expect(Exit.isFailure(before) && Cause.squash(before.cause)).toMatchObject({ reason: "InvalidArgument" })
        // Detached after the job was submitted, before its bytes are copied in.
        const buffer = new Uint8Array(16)
        const reading = yield* Effect.fork(Effect.exit(file.read(buffer, 0)))
        structuredClone(buffer.buffer, { transfer: [buffer.buffer] })
        const during = yield* Fiber.join(reading)
        expect(Exit.isFailure(during) && Cause.squash(during.cause)).toMatchObject({
          reason: "InvalidArgument",
          syscall: "pread"
        })
        // The file goes on.
        expect(yield* file.read(new Uint8Array(4), 0)).toBe(4)
      })
    ))

  it.live("writeAll and readAll: 3 MiB in one go; readAll reads past what fstat says (/proc)", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const path = Path.join(dir, "big.bin")
        const data = new Uint8Array(Crypto.randomBytes(3 * 1024 * 1024))
        yield* Effect.scoped(Effect.gen(function*() {
          const file = yield* File.open(path, { flags: "w+" })
          yield* file.writeAll(data, 0)
          expectSameBytes(yield* file.readAll, data)
          // Without a position, writeAll writes at the file's offset: still 0, the positional calls leave it alone.
          yield* file.writeAll(Buffer.from("head"))
          expect(text((yield* file.readAll).subarray(0, 4))).toBe("head")
        }))
        expect(Fs.statSync(path).size).toBe(data.length)
        const status = yield* Effect.scoped(
          Effect.flatMap(File.open("/proc/self/status"), (file) => Effect.zip(file.stat, file.readAll))
        )
        expect(status[0].size).toBe(0)
        expect(text(status[1])).toMatch(/^Name:\t/)
      })
    ))

  it.live("stat: type, size, mode, owner and times are what the kernel says", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const path = Path.join(dir, "stat.txt")
        const stat = yield* Effect.scoped(Effect.gen(function*() {
          const file = yield* File.open(path, { flags: "wx", mode: 0o640 })
          yield* file.writeAll(Buffer.from("twelve bytes"), 0)
          return yield* file.stat
        }))
        const kernel = Fs.statSync(path)
        expect(stat).toMatchObject({
          type: "File",
          size: 12,
          mode: kernel.mode & 0o7777,
          dev: kernel.dev,
          ino: kernel.ino,
          nlink: 1,
          uid: kernel.uid,
          gid: kernel.gid,
          blksize: kernel.blksize
        })
        // Created 0o640, less the umask, which never adds bits.
        expect(stat.mode & ~0o640).toBe(0)
        expect(stat.mtime.getTime()).toBe(Math.floor(kernel.mtimeMs))
        expect(stat.ctime.getTime()).toBe(Math.floor(kernel.ctimeMs))
        const directory = yield* Effect.scoped(Effect.flatMap(File.open(dir), (file) => file.stat))
        expect(directory.type).toBe("Directory")
        const device = yield* Effect.scoped(
          Effect.flatMap(File.open("/dev/null", { flags: "r+" }), (file) => file.stat)
        )
        expect(device.type).toBe("CharacterDevice")
      })
    ))

  it.live("sync and datasync; a directory opened \"r\" syncs (after a rename), and reading it is IsDirectory", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const file = yield* File.open(Path.join(dir, "journal"), { flags: "w" })
        yield* file.writeAll(Buffer.from("entry\n"))
        yield* file.sync
        yield* file.datasync
        Fs.renameSync(Path.join(dir, "journal"), Path.join(dir, "journal.done"))
        const directory = yield* File.open(dir)
        yield* directory.sync
        expect(yield* reasonOf(directory.read(new Uint8Array(8), 0))).toBe("IsDirectory")
      })
    ))

  it.live("\"a\": every write lands at the end, whatever its position", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const path = Path.join(dir, "log")
        Fs.writeFileSync(path, "first\n")
        yield* Effect.scoped(Effect.gen(function*() {
          const log = yield* File.open(path, { flags: "a+" })
          yield* log.write(Buffer.from("second\n"), 0)
          yield* log.writeAll(Buffer.from("third\n"))
          expect(text(yield* log.readAll)).toBe("first\nsecond\nthird\n")
        }))
        expect(Fs.readFileSync(path, "utf8")).toBe("first\nsecond\nthird\n")
      })
    ))

  it.live("\"wx\" creates a new file, and fails with AlreadyExists when the path exists", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const path = Path.join(dir, "lock")
        yield* Effect.scoped(Effect.flatMap(File.open(path, { flags: "wx" }), (file) => file.write(Buffer.from("1"))))
        expect(Fs.readFileSync(path, "utf8")).toBe("1")
        for (const flags of ["wx", "wx+", "ax", "ax+"] as const) {
          const error = yield* Effect.flip(Effect.scoped(File.open(path, { flags })))
          expect(error).toMatchObject({ reason: "AlreadyExists", code: "EEXIST", syscall: "open" })
        }
        // "w" truncates what exists.
        yield* Effect.scoped(File.open(path, { flags: "w" }))
        expect(Fs.statSync(path).size).toBe(0)
      })
    ))

  it.live("typed failures: NotFound, IsDirectory, BadDescriptor; nothing is left open", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        expect(yield* Effect.flip(Effect.scoped(File.open(Path.join(dir, "missing"))))).toMatchObject({
          reason: "NotFound",
          code: "ENOENT",
          errno: Os.constants.errno.ENOENT
        })
        expect(yield* reasonOf(Effect.scoped(File.open(Path.join(dir, "missing", "child"), { flags: "w" })))).toBe(
          "NotFound"
        )
        expect(yield* reasonOf(Effect.scoped(File.open(dir, { flags: "w" })))).toBe("IsDirectory")
        expect(yield* reasonOf(Effect.scoped(File.open(dir, { flags: "r+" })))).toBe("IsDirectory")
        Fs.writeFileSync(Path.join(dir, "ro"), "x")
        const readOnly = yield* File.open(Path.join(dir, "ro"))
        expect(yield* Effect.flip(readOnly.write(Buffer.from("y"), 0))).toMatchObject({
          reason: "BadDescriptor",
          syscall: "pwrite"
        })
        const writeOnly = yield* File.open(Path.join(dir, "ro"), { flags: "a" })
        expect(yield* reasonOf(writeOnly.read(new Uint8Array(1), 0))).toBe("BadDescriptor")
      })
    ))

  it.live("bad input is InvalidArgument, never a throw, and submits nothing", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const path = Path.join(dir, "input")
        Fs.writeFileSync(path, "abc")
        for (const bad of ["", "a\0b", 42, undefined]) {
          expect(yield* reasonOf(Effect.scoped(File.open(bad as never)))).toBe("InvalidArgument")
        }
        for (const flags of ["rw", "R", "", 0, "toString"]) {
          expect(yield* reasonOf(Effect.scoped(File.open(path, { flags: flags as never })))).toBe("InvalidArgument")
        }
        for (const mode of [-1, 0o10000, 1.5, NaN, "644"]) {
          expect(yield* reasonOf(Effect.scoped(File.open(path, { flags: "w", mode: mode as never })))).toBe(
            "InvalidArgument"
          )
        }
        const file = yield* File.open(path, { flags: "r+" })
        for (const position of [-1, 1.5, NaN, Infinity, 2 ** 53, "0", null]) {
          expect(yield* reasonOf(file.read(new Uint8Array(1), position as never))).toBe("InvalidArgument")
          expect(yield* reasonOf(file.write(new Uint8Array(1), position as never))).toBe("InvalidArgument")
          expect(yield* reasonOf(file.writeAll(new Uint8Array(1), position as never))).toBe("InvalidArgument")
        }
        for (const buffer of [[1, 2], "abc", new Uint16Array(2), new DataView(new ArrayBuffer(2)), null]) {
          expect(yield* reasonOf(file.read(buffer as never, 0))).toBe("InvalidArgument")
          expect(yield* reasonOf(file.write(buffer as never, 0))).toBe("InvalidArgument")
        }
        const future = file.readFuture(new Uint8Array(1), -1)
        const answer = future.poll(Waker.noop)
        expect(answer._tag === "Ready" && failureOf(answer.value)?.reason).toBe("InvalidArgument")
        expect((file as FileImpl).inflight).toBe(0)
        expect(Fs.readFileSync(path, "utf8")).toBe("abc")
      })
    ))

  it.live("after close: every operation fails with Closed; close is idempotent; the fds are gone", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const before = fdCount()
        yield* Effect.scoped(Effect.gen(function*() {
          const file = yield* File.open(Path.join(dir, "closed"), { flags: "w+" })
          expect(fdCount()).toBe(before + 2) // the file, and the eventfd its jobs report through
          expect(file.closed).toBe(false)
          yield* file.close
          expect(file.closed).toBe(true)
          expect(fdCount()).toBe(before)
          yield* file.close
          const buffer = new Uint8Array(1)
          const operations: ReadonlyArray<Effect.Effect<unknown, IoError>> = [
            file.read(buffer, 0),
            file.write(buffer, 0),
            file.writeAll(buffer),
            file.readAll,
            file.sync,
            file.datasync,
            file.stat
          ]
          for (const operation of operations) expect(yield* reasonOf(operation)).toBe("Closed")
          const answer = file.statFuture().poll(Waker.noop)
          expect(answer._tag === "Ready" && failureOf(answer.value)?.reason).toBe("Closed")
          expect(file.closeFuture().poll(Waker.noop)._tag).toBe("Ready")
        }))
        expect(fdCount()).toBe(before)
      })
    ))

  it.live("a FIFO is refused with Unsupported (pollable: AsyncFd), and the open does not block a pool thread", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const fifo = Path.join(dir, "pipe")
        ChildProcess.execFileSync("mkfifo", [fifo])
        // With no writer, a blocking open(2) for reading would wait forever: this one returns.
        expect(yield* Effect.flip(Effect.scoped(File.open(fifo)))).toMatchObject({
          reason: "Unsupported",
          syscall: "open",
          message: expect.stringContaining("AsyncFd")
        })
        // Opening for writing with no reader is ENXIO (fifo(7)), at once too.
        expect(yield* Effect.flip(Effect.scoped(File.open(fifo, { flags: "a" })))).toMatchObject({ code: "ENXIO" })
      })
    ))

  it.live("the poller, the reactor and AsyncFd refuse a regular file with Unsupported", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const path = Path.join(dir, "plain")
        Fs.writeFileSync(path, "x")
        const fd = yield* Effect.acquireRelease(
          Effect.sync(() => Fs.openSync(path, "r")),
          (fd) => Effect.sync(() => Fs.closeSync(fd))
        )
        const poller = yield* Poller.Poller
        expect(yield* Effect.flip(poller.add(fd, 9, Interest.readable))).toMatchObject({
          reason: "Unsupported",
          code: "EPERM"
        })
        expect(yield* Effect.flip(Effect.scoped(Reactor.register(fd, Interest.readable)))).toMatchObject({
          reason: "Unsupported"
        })
        expect(yield* reasonOf(Effect.scoped(AsyncFd.register(fd)))).toBe("Unsupported")
      })
    ))

  it.live("interrupting reads in flight: nothing reaches the callers' buffers afterwards, and no fd is left", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const path = Path.join(dir, "source")
        const data = pattern(64 * 1024)
        Fs.writeFileSync(path, data)
        const buffers = Array.from({ length: 64 }, () => new Uint8Array(1024).fill(0xee))
        yield* Effect.scoped(Effect.gen(function*() {
          const file = yield* File.open(path)
          const impl = file as FileImpl
          const hold = yield* heldPool(dir)
          const reads = yield* Effect.forEach(buffers, (buffer, i) => Effect.fork(file.read(buffer, i * 1024)))
          yield* waitUntil(() => impl.inflight === 64, "64 reads submitted")
          yield* Fiber.interruptAll(reads)
          for (const read of reads) expect(Exit.isInterrupted(yield* Fiber.await(read))).toBe(true)
          // The jobs run now, after the interruption, each into its own block.
          yield* Effect.promise(hold.release)
          yield* file.close
          expect(impl.inflight).toBe(0)
        }))
        for (const buffer of buffers) expect(buffer.every((byte) => byte === 0xee)).toBe(true)
        // And the file reads correctly afterwards.
        const again = yield* Effect.scoped(Effect.flatMap(File.open(path), (file) => file.readAll))
        expectSameBytes(again, data)
      })
    ))

  it.live("close with reads in flight: new operations fail, the reads complete with their data, then fds close", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const path = Path.join(dir, "source")
        const data = pattern(16 * 1024)
        Fs.writeFileSync(path, data)
        const before = fdCount()
        const buffers = Array.from({ length: 16 }, () => new Uint8Array(1024))
        yield* Effect.scoped(Effect.gen(function*() {
          const file = yield* File.open(path)
          const impl = file as FileImpl
          const hold = yield* heldPool(dir)
          const reads = yield* Effect.forEach(buffers, (buffer, i) => Effect.fork(file.read(buffer, i * 1024)))
          yield* waitUntil(() => impl.inflight === 16, "16 reads submitted")
          const closing = yield* Effect.fork(file.close)
          yield* waitUntil(() => file.closed, "close started")
          expect(yield* reasonOf(file.read(new Uint8Array(1), 0))).toBe("Closed")
          // The jobs cannot run while the pool is held: close is still waiting for them, the fd still open.
          expect(closing.unsafePoll()).toBeNull()
          expect(fdCount()).toBe(before + 2)
          yield* Effect.promise(hold.release)
          yield* Fiber.join(closing)
          expect(fdCount()).toBe(before)
          for (const read of reads) expect(yield* Fiber.join(read)).toBe(1024)
        }))
        buffers.forEach((buffer, i) => expectSameBytes(buffer, data.subarray(i * 1024, (i + 1) * 1024)))
        expect(fdCount()).toBe(before)
      })
    ))

  it.live("an interrupted write still lands, with the bytes given at submission; the release waits for it", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const path = Path.join(dir, "target")
        const bytes = new Uint8Array(8).fill(0x41)
        yield* Effect.scoped(Effect.gen(function*() {
          const file = yield* File.open(path, { flags: "w" })
          const hold = yield* heldPool(dir)
          const write = yield* Effect.fork(file.write(bytes, 0))
          yield* waitUntil(() => (file as FileImpl).inflight === 1, "the write submitted")
          yield* Fiber.interrupt(write)
          // The caller reuses its array at once.
          bytes.fill(0x42)
          yield* Effect.promise(hold.release)
          // The scope's release closes the file once the write is done.
        }))
        expect(Fs.readFileSync(path, "utf8")).toBe("AAAAAAAA")
      })
    ))

  it.live("ReactorRuntime.runBlockingExit (dedicated mode): the Effects run with the executor blocking in the poller", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = Path.join(dir, "dedicated")
      const before = fdCount()
      const exit = ReactorRuntime.runBlockingExit(Effect.scoped(Effect.gen(function*() {
        const file = yield* File.open(path, { flags: "w+" })
        yield* file.writeAll(Buffer.from("dedicated"), 0)
        yield* file.sync
        return [text(yield* file.readAll), (yield* file.stat).size] as const
      })))
      expect(succeeded(exit)).toEqual(["dedicated", 9])
      expect(fdCount()).toBe(before)
    }).pipe(Effect.scoped))

  it("futures: Executor.blockOn opens, writes, reads, stats, syncs and closes; no fd is left", () =>
    withDedicated(({ dir, executor }) => {
      const before = fdCount()
      const path = Path.join(dir, "futures")
      const buffer = new Uint8Array(5)
      const exit = executor.blockOn(
        File.openFuture(path, { flags: "w+" }).pipe(SimpleFuture.flatMap((file) =>
          SimpleFuture.all([
            file.writeFuture(Buffer.from("hello world"), 0),
            file.writeFuture(Buffer.from("!"), 11)
          ]).pipe(
            SimpleFuture.flatMap(() => file.syncFuture({ datasync: true })),
            SimpleFuture.flatMap(() => file.readFuture(buffer, 6)),
            SimpleFuture.flatMap((n) => SimpleFuture.map(file.statFuture(), (stat) => [n, stat.size] as const)),
            SimpleFuture.flatMap((result) => SimpleFuture.map(file.closeFuture(), () => result))
          )
        ))
      )
      expect(succeeded(exit)).toEqual([5, 12])
      expect(text(buffer)).toBe("world")
      expect(fdCount()).toBe(before)
      const missing = executor.blockOn(File.openFuture(Path.join(dir, "missing")))
      expect(failureOf(missing)?.reason).toBe("NotFound")
      expect(fdCount()).toBe(before)
      // Polled outside an executor, openFuture has no reactor to use: a defect that says so.
      const outside = File.openFuture(path).poll(Waker.noop)
      expect(outside._tag === "Ready" && Exit.isFailure(outside.value) && Cause.pretty(outside.value.cause)).toMatch(
        /outside an executor/
      )
    }))

  it("futures: a completion wakes the waker once; a dropped read copies nothing and is still waited for", () =>
    withDedicated(async ({ dir, executor, open, reactor }) => {
      Fs.writeFileSync(Path.join(dir, "wake"), "wake up")
      const before = fdCount()
      const file = open("wake")
      const impl = file as FileImpl
      const hold = holdPool(dir)
      let wakes = 0
      const waker = Waker.make(() => {
        wakes++
      })
      const buffer = new Uint8Array(4)
      const read = file.readFuture(buffer, 0)
      expect(read.poll(waker)._tag).toBe("Pending")
      const dropped = new Uint8Array(4).fill(0xee)
      const cancelled = file.readFuture(dropped, 0)
      expect(cancelled.poll(Waker.make(() => wakes++))._tag).toBe("Pending")
      cancelled.drop()
      expect(impl.inflight).toBe(2)
      await hold.release()
      // Each turn blocks in the poller until the jobs' eventfd is written.
      for (let i = 0; i < 100 && impl.inflight > 0; i++) reactor.turn(-1)
      expect(impl.inflight).toBe(0)
      expect(wakes).toBe(1)
      const answer = read.poll(waker)
      expect(answer._tag === "Ready" && succeeded(answer.value)).toBe(4)
      expect(text(buffer)).toBe("wake")
      expect(dropped.every((byte) => byte === 0xee)).toBe(true)
      reactor.turn(0)
      expect(wakes).toBe(1)
      expect(executor.blockOn(file.closeFuture())._tag).toBe("Success")
      expect(fdCount()).toBe(before)
    }))

  it("dropping openFuture before it is ready: the fd the open returns later is closed", () =>
    withDedicated(async ({ dir, executor }) => {
      const path = Path.join(dir, "late")
      const before = fdCount()
      const hold = holdPool(dir)
      const task = executor.spawn(File.openFuture(path, { flags: "w" }))
      executor.runUntilIdle()
      // Submitted (its eventfd is open), not done (the pool is held).
      expect(fdCount()).toBe(before + 1)
      task.cancel()
      expect(fdCount()).toBe(before)
      expect(Fs.existsSync(path)).toBe(false)
      await hold.release()
      // The open runs now (it creates the file), and its fd is closed as it returns.
      expect(await settled(() => Fs.existsSync(path) && fdCount() === before)).toBe(true)
    }))

  it("the reactor closing fails a waiting future with Closed; the fd closes when its job ends", () =>
    withDedicated(async ({ dir, open, reactor }) => {
      Fs.writeFileSync(Path.join(dir, "orphan"), "data")
      const before = fdCount()
      const file = open("orphan")
      const hold = holdPool(dir)
      const buffer = new Uint8Array(4).fill(0xee)
      const read = file.readFuture(buffer, 0)
      let wakes = 0
      expect(read.poll(Waker.make(() => wakes++))._tag).toBe("Pending")
      reactor.close()
      expect(wakes).toBe(1)
      const answer = read.poll(Waker.noop)
      expect(answer._tag === "Ready" && failureOf(answer.value)?.reason).toBe("Closed")
      expect(file.closed).toBe(true)
      await hold.release()
      expect(await settled(() => fdCount() === before)).toBe(true)
      expect(buffer.every((byte) => byte === 0xee)).toBe(true)
    }))

  it.each(["terminate", "exit"])("a Worker ending (%s) with file jobs queued ends alone; fds close", async (how) => {
    const dir = makeDir()
    try {
      const child = await runChild([Path.join(fixtures, "file-worker.mjs"), how, dir], 60_000, fixtures)
      expect({ code: child.code, signal: child.signal, timedOut: child.timedOut }, child.stderr).toEqual({
        code: 0,
        signal: null,
        timedOut: false
      })
      const report = JSON.parse(child.stdout.trim().split("\n").pop()!)
      expect(report).toMatchObject({ survived: true, read: 16 })
      expect(report.fdsAfter).toBe(report.fdsBefore)
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 90_000)

  it("the native calls name every bad argument; a closed handle is EBADF and never crashes", async () => {
    const dir = makeDir()
    const path = Path.join(dir, "boundary")
    Fs.writeFileSync(path, "boundary")
    const before = fdCount()
    const fn = (name: keyof typeof binding, ...args: Array<unknown>) => () =>
      Reflect.apply(binding[name] as (...args: Array<unknown>) => unknown, binding, args)
    const { O_RDONLY, O_RDWR } = Fs.constants
    expectError(fn("fileOpen", 1, O_RDONLY, 0), TypeError, /"path"/)
    expectError(fn("fileOpen", "a\0b", O_RDONLY, 0), TypeError, /"path".*null bytes/)
    expectError(fn("fileOpen", path, "0", 0), TypeError, /"flags"/)
    expectError(fn("fileOpen", path, -1, 0), RangeError, /"flags"/)
    expectError(fn("fileOpen", path, 2 ** 31, 0), RangeError, /"flags"/)
    expectError(fn("fileOpen", path, O_RDONLY, 0o10000), RangeError, /"mode"/)
    expectError(fn("fileOpen", path, O_RDONLY), TypeError, /"mode"/)
    expect(fdCount()).toBe(before)
    const handle = binding.fileOpen(path, O_RDWR, 0)
    const out = new Float64Array(2)
    try {
      expect(await settled(() => binding.fileDrain(handle, out) === 1)).toBe(true)
      expect(out[0]).toBe(0)
      const names = ["fileRead", "fileWrite", "fileSync", "fileStat", "fileDrain", "fileTake", "fileClose"] as const
      for (const name of names) {
        for (const bad of [undefined, {}, { eventfd: handle.eventfd }, new Proxy(handle, {}), handle.eventfd]) {
          expectError(fn(name, bad, 1, 1, 0), TypeError, /"handle"/)
        }
      }
      for (const id of [0, -1, 0.5, 2 ** 53]) expectError(fn("fileRead", handle, id, 1, 0), RangeError, /"id"/)
      expectError(fn("fileStat", handle, "1"), TypeError, /"id"/)
      expectError(fn("fileRead", handle, 1, -1, 0), RangeError, /"length"/)
      expectError(fn("fileRead", handle, 1, 2 ** 31, 0), RangeError, /"length"/)
      for (const position of [-2, 0.5, NaN, 2 ** 53]) {
        expectError(fn("fileRead", handle, 1, 1, position), RangeError, /"position"/)
        expectError(fn("fileWrite", handle, 1, new Uint8Array(1), position), RangeError, /"position"/)
      }
      expectError(fn("fileWrite", handle, 1, "bytes", 0), TypeError, /"bytes"/)
      expectError(fn("fileWrite", handle, 1, new Uint16Array(1), 0), TypeError, /"bytes"/)
      expectError(fn("fileSync", handle, 1, 1), TypeError, /"datasync"/)
      expectError(fn("fileDrain", handle, new Uint32Array(2)), TypeError, /"out"/)
      expectError(fn("fileDrain", handle, new Float64Array(1)), RangeError, /"out"/)
      expectError(fn("fileTake", handle, 1, new Int8Array(1)), TypeError, /"dest"/)
      expectError(fn("fileTake", handle, 1, new Uint8Array(1), -1), RangeError, /"offset"/)
      // A read lands in its own block; fileTake copies what fits, from an offset, and only once.
      binding.fileRead(handle, 7, 8, 0)
      expect(await settled(() => binding.fileDrain(handle, out) === 1)).toBe(true)
      expect([...out]).toEqual([7, 8])
      const dest = new Uint8Array(6).fill(0)
      expect(binding.fileTake(handle, 7, dest, 2)).toBe(4)
      expect(text(dest.subarray(2))).toBe("boun")
      expect(binding.fileTake(handle, 7, dest)).toBe(0)
      // The bytes of a write are copied when it is submitted.
      const bytes = Buffer.from("BOUNDARY")
      binding.fileWrite(handle, 8, bytes, 0)
      bytes.fill(0)
      expect(await settled(() => binding.fileDrain(handle, out) === 1)).toBe(true)
      expect([...out]).toEqual([8, 8])
      expect(Fs.readFileSync(path, "utf8")).toBe("BOUNDARY")
    } finally {
      binding.fileClose(handle)
    }
    binding.fileClose(handle)
    expect(fdCount()).toBe(before)
    for (const call of [fn("fileRead", handle, 1, 1, 0), fn("fileWrite", handle, 1, new Uint8Array(1), -1)]) {
      expect(thrown(call)).toMatchObject({ code: "EBADF", errno: Os.constants.errno.EBADF })
    }
    expect(thrown(fn("fileSync", handle, 1, true))).toMatchObject({ code: "EBADF", syscall: "fdatasync" })
    expect(binding.fileDrain(handle, out)).toBe(0)
    expect(binding.fileTake(handle, 1, new Uint8Array(1))).toBe(0)
    Fs.rmSync(dir, { recursive: true, force: true })
  })

  it("docs/examples/file.ts runs by itself and prints what it shows", async () => {
    expect(await runExample("file.ts")).toEqual([
      "wrote 6 + 5 bytes at positions 0 and 6",
      "read 5 bytes at 6: \"world\"",
      "read past the end: 0",
      "stat: File, 11 bytes, owner rw-",
      "append at position 0 lands at the end: \"hello world!\"",
      "\"wx\" on an existing path: AlreadyExists",
      "a missing path: NotFound",
      "a directory opened \"w\": IsDirectory",
      "the poller and a regular file: Unsupported (epoll_ctl says EPERM)",
      "blockOn(openFuture, readFuture, closeFuture): \"hello world!\"",
      "done"
    ])
  }, 90_000)
})
