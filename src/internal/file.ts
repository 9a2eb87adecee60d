/**
 * `File`: regular files through libuv's thread pool.
 *
 * epoll cannot wait on a regular file (it is always "ready", and its reads block in the kernel anyway), so every
 * operation is a job on the pool, and its completion comes back through the reactor (filePump.ts). Here: the file's
 * life, and its operations, each one builder shared by the Effect face (below) and the future face (fileFuture.ts).
 * Opening is fileOpen.ts.
 *
 * A file's life:
 *
 *   OPENING --open settles: a regular file, a directory or a device--> OPEN
 *   OPENING --open fails | a FIFO or a socket | the open is dropped--> CLOSED
 *   OPEN --close--> CLOSING (new operations fail with Closed) --no operation pending--> CLOSED
 *   any --the reactor closes (the registration is gone)--> CLOSED, pending operations fail with Closed
 *
 * CLOSED: deregistered, then the native handle closed (the eventfd's `Source`, which the handle owns). The fd is
 * closed natively once no job uses it, so a late job never reaches a reused fd number, and an fd that a dropped open
 * returns later is closed by that job.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fs from "node:fs"
import * as Os from "node:os"
import type * as Api from "../File.js"
import { IoError } from "../IoError.js"
import type * as SimpleFuture from "../SimpleFuture.js"
import * as context from "./context.js"
import { CloseFuture, OperationFuture } from "./fileFuture.js"
import { ABANDONED, DETACHED, Operation, Pump } from "./filePump.js"
import * as ioError from "./ioError.js"
import { binding, FILE_STAT_FIELDS, type NativeFileHandle } from "./native.js"
import { show } from "./show.js"
import type { Source } from "./source.js"

const { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } = Fs.constants

// read(2), NOTES: Linux transfers at most 0x7ffff000 bytes per call; asking for more only allocates more.
const MAX_TRANSFER = 0x7ffff000

// What `readAll` reads past the size fstat gave, to find the end (or more).
const PROBE = 64 * 1024

const OPENING = 0
const OPEN = 1
const CLOSING = 2
const CLOSED = 3

type State = typeof OPENING | typeof OPEN | typeof CLOSING | typeof CLOSED

const closedError = (syscall: string): IoError =>
  new IoError({ reason: "Closed", syscall, message: `${syscall}: the file is closed` })

/** @internal */
export class File implements Api.File {
  private state: State = OPENING
  private nextId = 1
  private closeWaiters: Array<() => void> = []
  private readonly pump: Pump
  /** The stat record of the open, filled when it settles. */
  readonly opened = new Float64Array(FILE_STAT_FIELDS)
  /** Operation 0: the open. */
  readonly opening: Operation

  constructor(
    readonly path: string,
    readonly handle: NativeFileHandle,
    /** The handle's eventfd, registered: borrowed (the handle closes it), and its release closes the handle. */
    readonly source: Source
  ) {
    this.pump = new Pump(handle, source.registration, () => this.drained())
    this.opening = new Operation(0, new Uint8Array(this.opened.buffer), 0, false)
    this.pump.add(this.opening)
  }

  get closed(): boolean {
    return this.state === CLOSED || this.state === CLOSING
  }

  /** Deregistered and its native handle closed. */
  get shut(): boolean {
    return this.state === CLOSED
  }

  /** Operations submitted and not settled, cancelled ones included (for tests and inspection). */
  get inflight(): number {
    return this.pump.size
  }

  // ---------------------------------------------------------------------------------------------
  // Submitting.

  /** Starts job `id` through `start`; throws an `IoError` (Closed, or what the boundary threw). */
  submit(syscall: string, start: (id: number) => void, target?: Uint8Array, offset = 0, counts = false): Operation {
    if (this.state !== OPEN) throw closedError(syscall)
    const id = this.nextId++
    try {
      start(id)
    } catch (error) {
      throw ioError.fromThrown(error, syscall)
    }
    const operation = new Operation(id, target, offset, counts)
    this.pump.add(operation)
    return operation
  }

  /** After the pump drained: ends the file when its registration is gone or its close may finish. */
  private drained(): boolean {
    if (this.source.registration.closed) {
      this.abandon()
      return false
    }
    if (this.state === CLOSING && this.pump.size === 0) {
      this.shutdown()
      return false
    }
    return this.pump.size > 0
  }

  // ---------------------------------------------------------------------------------------------
  // Closing.

  /** Deregisters, then closes the native handle (the source's release), then wakes whoever waits. Never throws. */
  private shutdown(): void {
    if (this.state === CLOSED) return
    this.state = CLOSED
    this.pump.stop()
    this.source.close()
    const waiters = this.closeWaiters
    this.closeWaiters = []
    for (const done of waiters) done()
  }

  /**
   * Closes now, without waiting for pending jobs (the handle closes the fd when they end): pending operations fail
   * with Closed. For an open that is dropped and a reactor that closed.
   */
  abandon(): void {
    const pending = this.pump.takeAll()
    this.shutdown()
    for (const operation of pending) {
      if (!operation.cancelled) operation.settle(ABANDONED)
    }
  }

  /** Starts closing: new operations fail; the file closes once nothing is pending. */
  beginClose(): void {
    if (this.state === OPENING) return this.abandon()
    if (this.state === OPEN) this.state = CLOSING
    if (this.state === CLOSING && this.pump.size === 0) this.shutdown()
  }

  /** Registers `done` to run once closed; returns a function that takes it back. */
  onClosed(done: () => void): () => void {
    if (this.state === CLOSED) {
      done()
      return () => {}
    }
    this.closeWaiters.push(done)
    return () => {
      const index = this.closeWaiters.indexOf(done)
      if (index >= 0) this.closeWaiters.splice(index, 1)
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The open.

  /** The open's outcome, once settled: the file, or why not (and then the file is closed). */
  openedExit(result: number): Exit.Exit<File, IoError> {
    if (result === ABANDONED || this.state !== OPENING) return Exit.fail(closedError("open"))
    if (result < 0) {
      this.abandon()
      return Exit.fail(ioError.fromErrno(result, "open"))
    }
    const type = this.opened[2]! & S_IFMT
    // FIFOs and sockets are pollable: they belong to AsyncFd. Here a read would wait for a peer on a pool thread (and
    // hold up the close behind it), or, with the O_NONBLOCK the open added, fail with EAGAIN.
    if (type === S_IFIFO || type === S_IFSOCK) {
      this.abandon()
      return Exit.fail(
        new IoError({
          reason: "Unsupported",
          syscall: "open",
          message: `open: ${this.path} is a ${type === S_IFIFO ? "FIFO" : "socket"}; use AsyncFd for pollable fds`
        })
      )
    }
    this.state = OPEN
    return Exit.succeed(this)
  }

  // ---------------------------------------------------------------------------------------------
  // Operations: each is a builder shared by the Effect face and the future face.

  private readOp(buffer: Uint8Array, position: number | undefined, offset: number): Op<number> {
    const syscall = position === undefined ? "read" : "pread"
    const length = Math.min(buffer.length - offset, MAX_TRANSFER)
    return {
      syscall,
      start: (id) => binding.fileRead(this.handle, id, length, position ?? -1),
      target: buffer,
      offset,
      counts: true,
      decode: succeedWith(syscall, (n) => n)
    }
  }

  private writeOp(bytes: Uint8Array, position: number | undefined): Op<number> {
    const syscall = position === undefined ? "write" : "pwrite"
    const chunk = bytes.length > MAX_TRANSFER ? bytes.subarray(0, MAX_TRANSFER) : bytes
    return {
      syscall,
      start: (id) => binding.fileWrite(this.handle, id, chunk, position ?? -1),
      decode: succeedWith(syscall, (n) => n)
    }
  }

  private syncOp(datasync: boolean): Op<void> {
    const syscall = datasync ? "fdatasync" : "fsync"
    return { syscall, start: (id) => binding.fileSync(this.handle, id, datasync), decode: succeedWith(syscall, noop) }
  }

  private statOp(): Op<Api.Stat> {
    const record = new Float64Array(FILE_STAT_FIELDS)
    return {
      syscall: "fstat",
      start: (id) => binding.fileStat(this.handle, id),
      target: new Uint8Array(record.buffer),
      decode: succeedWith("fstat", () => decodeStat(record))
    }
  }

  private effect<A>(op: Op<A> | IoError): Effect.Effect<A, IoError> {
    if (op instanceof IoError) return Effect.fail(op)
    // The completion arrives through the reactor: without a driver it would never be seen.
    if (!this.source.registration.reactor.isDriven) {
      return Effect.die(new Error(context.undrivenMessage(op.syscall)))
    }
    return Effect.async<A, IoError>((resume) => {
      let operation: Operation
      try {
        operation = this.submit(op.syscall, op.start, op.target, op.offset, op.counts)
      } catch (error) {
        resume(ioError.failThrown(error))
        return
      }
      // Submitting drains what is already done, so the operation may have settled already.
      if (operation.result !== undefined) return resume(op.decode(operation.result))
      operation.resume = (result) => resume(op.decode(result))
      return Effect.sync(() => operation.cancel())
    })
  }

  private future<A>(op: Op<A> | IoError): SimpleFuture.SimpleFuture<A, IoError> {
    return new OperationFuture(this, op)
  }

  read(buffer: Uint8Array, position?: number): Effect.Effect<number, IoError> {
    return Effect.suspend(() => this.effect(this.checkRead(buffer, position)))
  }

  readFuture(buffer: Uint8Array, position?: number): SimpleFuture.SimpleFuture<number, IoError> {
    return this.future(this.checkRead(buffer, position))
  }

  write(bytes: Uint8Array, position?: number): Effect.Effect<number, IoError> {
    return Effect.suspend(() => this.effect(this.checkWrite(bytes, position)))
  }

  writeFuture(bytes: Uint8Array, position?: number): SimpleFuture.SimpleFuture<number, IoError> {
    return this.future(this.checkWrite(bytes, position))
  }

  writeAll(bytes: Uint8Array, position?: number): Effect.Effect<void, IoError> {
    return Effect.suspend(() => {
      const invalid = this.checkWrite(bytes, position)
      if (invalid instanceof IoError) return Effect.fail(invalid)
      const step = (written: number): Effect.Effect<void, IoError> => {
        if (written >= bytes.length) return Effect.void
        const at = position === undefined ? undefined : position + written
        // write(2) of a non-empty buffer to a regular file does not return 0; should it, stop rather than spin.
        return Effect.flatMap(this.effect(this.writeOp(bytes.subarray(written), at)), (n) =>
          n === 0
            ? Effect.fail(ioError.fromErrno(-Os.constants.errno.EIO, at === undefined ? "write" : "pwrite"))
            : step(written + n))
      }
      return step(0)
    })
  }

  get readAll(): Effect.Effect<Uint8Array, IoError> {
    return Effect.flatMap(this.stat, (info) => {
      // The size is a hint (a file may grow, /proc files say 0): read at increasing offsets until one reads 0.
      let buffer = new Uint8Array(Math.max(info.size, 0))
      const step = (filled: number): Effect.Effect<Uint8Array, IoError> => {
        if (filled < buffer.length) {
          return Effect.flatMap(
            this.effect(this.readOp(buffer, filled, filled)),
            (n) => n === 0 ? Effect.succeed(buffer.subarray(0, filled)) : step(filled + n)
          )
        }
        // Full: a read past the expected end says whether there is more.
        const probe = new Uint8Array(PROBE)
        return Effect.flatMap(this.effect(this.readOp(probe, filled, 0)), (n) => {
          if (n === 0) return Effect.succeed(buffer)
          const grown = new Uint8Array(filled + Math.max(n, buffer.length))
          grown.set(buffer)
          grown.set(probe.subarray(0, n), filled)
          buffer = grown
          return step(filled + n)
        })
      }
      return step(0)
    })
  }

  get sync(): Effect.Effect<void, IoError> {
    return Effect.suspend(() => this.effect(this.syncOp(false)))
  }

  get datasync(): Effect.Effect<void, IoError> {
    return Effect.suspend(() => this.effect(this.syncOp(true)))
  }

  syncFuture(options?: { readonly datasync?: boolean | undefined }): SimpleFuture.SimpleFuture<void, IoError> {
    return this.future(this.syncOp(options?.datasync === true))
  }

  get stat(): Effect.Effect<Api.Stat, IoError> {
    return Effect.suspend(() => this.effect(this.statOp()))
  }

  statFuture(): SimpleFuture.SimpleFuture<Api.Stat, IoError> {
    return this.future(this.statOp())
  }

  get close(): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      this.beginClose()
      const takeBack = this.onClosed(() => resume(Effect.void))
      return Effect.sync(takeBack)
    })
  }

  closeFuture(): SimpleFuture.SimpleFuture<void> {
    return new CloseFuture(this)
  }

  private checkRead(buffer: Uint8Array, position: number | undefined): Op<number> | IoError {
    if (!(buffer instanceof Uint8Array)) return ioError.invalidArgument("read", "buffer must be a Uint8Array")
    return checkPosition(position, "read") ?? this.readOp(buffer, position, 0)
  }

  private checkWrite(bytes: Uint8Array, position: number | undefined): Op<number> | IoError {
    if (!(bytes instanceof Uint8Array)) return ioError.invalidArgument("write", "bytes must be a Uint8Array")
    return checkPosition(position, "write") ?? this.writeOp(bytes, position)
  }
}

/** An operation to submit: its job, where its output goes, and how its result decodes. @internal */
export interface Op<A> {
  readonly syscall: string
  readonly start: (id: number) => void
  readonly target?: Uint8Array
  readonly offset?: number
  readonly counts?: boolean
  readonly decode: (result: number) => Exit.Exit<A, IoError>
}

const noop = (): void => {}

const succeedWith = <A>(syscall: string, f: (result: number) => A) => (result: number): Exit.Exit<A, IoError> =>
  result === ABANDONED
    ? Exit.fail(closedError(syscall))
    : result === DETACHED
    ? Exit.fail(ioError.invalidArgument(syscall, "buffer was detached (its ArrayBuffer transferred) before the read"))
    : result < 0
    ? Exit.fail(ioError.fromErrno(result, syscall))
    : Exit.succeed(f(result))

const checkPosition = (position: unknown, syscall: string): IoError | undefined =>
  position === undefined ||
    (typeof position === "number" && Number.isSafeInteger(position) && position >= 0)
    ? undefined
    : ioError.invalidArgument(syscall, `position must be a non-negative integer, got ${show(position)}`)

const typeOf = (mode: number): Api.FileType => {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "File"
    case S_IFDIR:
      return "Directory"
    case S_IFLNK:
      return "SymbolicLink"
    case S_IFBLK:
      return "BlockDevice"
    case S_IFCHR:
      return "CharacterDevice"
    case S_IFIFO:
      return "FIFO"
    case S_IFSOCK:
      return "Socket"
    default:
      return "Unknown"
  }
}

const dateOf = (seconds: number, nanos: number): Date => new Date(seconds * 1000 + Math.floor(nanos / 1e6))

/** A native stat record as a `Stat`. @internal */
export const decodeStat = (record: Float64Array): Api.Stat => ({
  type: typeOf(record[2]!),
  mode: record[2]! & 0o7777,
  dev: record[0]!,
  ino: record[1]!,
  nlink: record[3]!,
  uid: record[4]!,
  gid: record[5]!,
  rdev: record[6]!,
  size: record[7]!,
  blksize: record[8]!,
  blocks: record[9]!,
  atime: dateOf(record[10]!, record[11]!),
  mtime: dateOf(record[12]!, record[13]!),
  ctime: dateOf(record[14]!, record[15]!)
})
