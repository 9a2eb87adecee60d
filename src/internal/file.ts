/**
 * `File`: regular files through libuv's thread pool.
 *
 * epoll cannot wait on a regular file (it is always "ready", and its reads block in the kernel anyway), so every
 * operation is a job on the pool (native `file.cc`). A job's completion lands in the handle's queue and writes the
 * handle's eventfd, which is registered with the reactor like any pollable fd: the reactor's turn is what delivers
 * completions, in both run modes (Node's loop watching the poller, or `blockOn` blocking in it).
 *
 * The pump. The file's one waker on that registration drains the queue (a non-blocking read of the eventfd and a
 * copy of the finished pairs) and settles each operation: it copies what a read produced into the caller's buffer,
 * stores the result and wakes the operation's waker or resumes its Effect, which only queues them. It is parked only
 * while operations are pending.
 *
 * An operation's life:
 *
 *   submitted (pending) --completion drained--> settled (result stored, waker woken once)
 *   submitted --future dropped | Effect interrupted--> cancelled (still pending: the job cannot be stopped)
 *   cancelled --completion drained--> forgotten (what it produced is freed, never copied)
 *
 * The pool job never touches the caller's memory: a write copies its bytes at submission and a read lands in the
 * job's own block, copied out only when a live operation settles. So after an interruption returns, nothing writes
 * into the caller's buffer (tokio's `fs::File` keeps its own buffer for the same reason), and a write's bytes are
 * the ones given at submission even if the caller reuses the array.
 *
 * A file's life:
 *
 *   OPENING --open settles: a regular file, a directory or a device--> OPEN
 *   OPENING --open fails | a FIFO or a socket | the open is dropped--> CLOSED
 *   OPEN --close--> CLOSING (new operations fail with Closed) --no operation pending--> CLOSED
 *   any --the reactor closes (the registration is gone)--> CLOSED, pending operations fail with Closed
 *
 * CLOSED: deregistered, then the native handle closed. The fd is closed natively once no job uses it, so a late job
 * never reaches a reused fd number, and an fd that a dropped open returns later is closed by that job.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Os from "node:os"
import type * as Api from "../File.js"
import * as interest from "./interest.js"
import { IoError } from "../IoError.js"
import type { Poll } from "../Poll.js"
import type * as Reactor from "../Reactor.js"
import type * as SimpleFuture from "../SimpleFuture.js"
import type { Waker } from "../Waker.js"
import * as context from "./context.js"
import { CheckedFuture } from "./future.js"
import * as ioError from "./ioError.js"
import { binding, FILE_STAT_FIELDS, type NativeFileHandle } from "./native.js"
import * as poll from "./poll.js"
import * as reactor from "./reactor.js"
import * as waker from "./waker.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import * as reactorRuntime from "./reactorRuntime.js"
import { show } from "./show.js"

const { O_APPEND, O_CREAT, O_EXCL, O_NONBLOCK, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } = Fs.constants
const { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } = Fs.constants

/** Node's open flag strings, as `fs.open` and `@effect/platform`'s `FileSystem` take them. @internal */
export const openFlags: Readonly<Record<Api.OpenFlag, number>> = {
  "r": O_RDONLY,
  "r+": O_RDWR,
  "w": O_TRUNC | O_CREAT | O_WRONLY,
  "wx": O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  "w+": O_TRUNC | O_CREAT | O_RDWR,
  "wx+": O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  "a": O_APPEND | O_CREAT | O_WRONLY,
  "ax": O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  "a+": O_APPEND | O_CREAT | O_RDWR,
  "ax+": O_APPEND | O_CREAT | O_RDWR | O_EXCL
}

// read(2), NOTES: Linux transfers at most 0x7ffff000 bytes per call; asking for more only allocates more.
const MAX_TRANSFER = 0x7ffff000

// What `readAll` reads past the size fstat gave, to find the end (or more).
const PROBE = 64 * 1024

// The result of an operation that the file's end cut short (the reactor closed): it fails with Closed.
const ABANDONED = Number.NEGATIVE_INFINITY
// A read whose buffer the caller detached (transferred) before its bytes could be copied in.
const DETACHED = Number.MIN_SAFE_INTEGER

const OPENING = 0
const OPEN = 1
const CLOSING = 2
const CLOSED = 3

type State = typeof OPENING | typeof OPEN | typeof CLOSING | typeof CLOSED

const closedError = (syscall: string): IoError =>
  new IoError({ reason: "Closed", syscall, message: `${syscall}: the file is closed` })

/** A submitted job, from the JS side. */
class Operation {
  result: number | undefined = undefined
  waker: Waker | undefined = undefined
  resume: ((result: number) => void) | undefined = undefined
  cancelled = false
  constructor(
    readonly id: number,
    /** Where what the job produces is copied (a read's bytes, a stat record), from `offset`. */
    readonly target: Uint8Array | undefined,
    readonly offset: number,
    /** Whether the result is the number of bytes copied (a read) rather than the job's own (an fd, 0). */
    readonly counts: boolean
  ) {}
}

const batch = new Float64Array(128)

/** @internal */
export class File implements Api.File {
  private state: State = OPENING
  private readonly pending = new Map<number, Operation>()
  private nextId = 1
  private parked = false
  private pumping = false
  private again = false
  private closeWaiters: Array<() => void> = []
  // Woken in the reactor's dispatch, the pump waits for the batch to end (`defer`): it may deregister (a close), and
  // dispatch never re-enters the reactor.
  private readonly pumpWaker: Waker = waker.make(() => this.reactor.defer(this.pumpNow))
  private readonly pumpNow = (): void => this.pump()
  /** The stat record of the open, filled when it settles. */
  readonly opened = new Float64Array(FILE_STAT_FIELDS)
  /** Operation 0: the open. */
  readonly opening: Operation

  constructor(
    readonly path: string,
    readonly handle: NativeFileHandle,
    readonly registration: Reactor.Registration
  ) {
    this.opening = new Operation(0, new Uint8Array(this.opened.buffer), 0, false)
    this.pending.set(0, this.opening)
    this.park()
  }

  get closed(): boolean {
    return this.state === CLOSED || this.state === CLOSING
  }

  private get reactor(): reactor.Reactor {
    return (this.registration as reactor.Registration).reactor
  }

  /** Deregistered and its native handle closed. */
  get shut(): boolean {
    return this.state === CLOSED
  }

  /** Operations submitted and not settled, cancelled ones included (for tests and inspection). */
  get inflight(): number {
    return this.pending.size
  }

  // ---------------------------------------------------------------------------------------------
  // Submitting and settling.

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
    this.pending.set(id, operation)
    this.park()
    return operation
  }

  /** Interruption or drop: the job runs on, but its result is forgotten and nothing is copied to the caller. */
  cancel(operation: Operation): void {
    if (operation.result !== undefined) return
    operation.cancelled = true
    operation.waker = undefined
    operation.resume = undefined
  }

  private settle(operation: Operation, result: number): void {
    operation.result = result
    const w = operation.waker
    const resume = operation.resume
    operation.waker = undefined
    operation.resume = undefined
    w?.wake()
    resume?.(result)
  }

  private complete(id: number, result: number): void {
    const operation = this.pending.get(id)
    if (operation === undefined) {
      binding.fileTake(this.handle, id)
      return
    }
    this.pending.delete(id)
    if (result < 0 || operation.target === undefined) {
      this.settle(operation, result)
    } else if (operation.cancelled) {
      binding.fileTake(this.handle, id)
    } else {
      let copied: number
      try {
        copied = binding.fileTake(this.handle, id, operation.target, operation.offset)
      } catch (error) {
        // Only the boundary's rejection of a detached buffer is expected; the bytes are dropped with the block.
        if (ioError.classify(error, "read") === undefined) throw error
        binding.fileTake(this.handle, id)
        return this.settle(operation, DETACHED)
      }
      this.settle(operation, operation.counts ? copied : result)
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The pump: the registration's only waiter.

  private park(): void {
    if (this.parked || this.state === CLOSED) return
    const ready = this.registration.pollReadable(this.pumpWaker)
    if (ready._tag === "Pending") this.parked = true
    else this.pump()
  }

  private pump(): void {
    // A waker settled here may run code that submits (and so parks) at once: that pass runs after this one.
    if (this.pumping) {
      this.again = true
      return
    }
    this.pumping = true
    try {
      do {
        this.again = false
        this.pumpOnce()
      } while (this.again)
    } finally {
      this.pumping = false
    }
  }

  private pumpOnce(): void {
    this.parked = false
    if (this.state === CLOSED) return
    const registration = this.registration
    // No turn of the reactor runs until this returns (one thread), so this tick is the one the drain answers.
    const tick = registration.tick
    this.drain()
    if (registration.closed) return this.abandon()
    if (this.state === CLOSING && this.pending.size === 0) return this.shutdown()
    if (this.pending.size === 0) return
    // The eventfd was read to zero: the next completion writes it, and that is a new event.
    registration.clearReadiness({ tick, ready: reactor.READABLE })
    this.park()
  }

  private drain(): void {
    const capacity = batch.length >>> 1
    for (;;) {
      const count = binding.fileDrain(this.handle, batch)
      // Settling wakes code that may drain again (through `pump`): work on a copy.
      const pairs = batch.slice(0, 2 * count)
      for (let i = 0; i < count; i++) this.complete(pairs[2 * i]!, pairs[2 * i + 1]!)
      if (count < capacity) return
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Closing.

  /** Deregisters, then closes the native handle, then wakes whoever waits for the close. Never throws. */
  private shutdown(): void {
    if (this.state === CLOSED) return
    this.state = CLOSED
    this.parked = false
    // Never throws: deregistering ignores an fd that is gone, and reports anything else.
    this.registration.deregister()
    binding.fileClose(this.handle)
    const waiters = this.closeWaiters
    this.closeWaiters = []
    for (const done of waiters) done()
  }

  /**
   * Closes now, without waiting for pending jobs (the handle closes the fd when they end): pending operations fail
   * with Closed. For an open that is dropped and a reactor that closed.
   */
  abandon(): void {
    const pending = Array.from(this.pending.values())
    this.pending.clear()
    this.shutdown()
    for (const operation of pending) {
      if (!operation.cancelled) this.settle(operation, ABANDONED)
    }
  }

  /** Starts closing: new operations fail; the file closes once nothing is pending. */
  beginClose(): void {
    if (this.state === OPENING) return this.abandon()
    if (this.state === OPEN) this.state = CLOSING
    if (this.state === CLOSING && this.pending.size === 0) this.shutdown()
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
    if (!this.reactor.isDriven) {
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
      return Effect.sync(() => this.cancel(operation))
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
          return Effect.flatMap(this.effect(this.readOp(buffer, filled, filled)), (n) =>
            n === 0 ? Effect.succeed(buffer.subarray(0, filled)) : step(filled + n))
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

/** An operation to submit: its job, where its output goes, and how its result decodes. */
interface Op<A> {
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

/** A submitted operation as a future: submits at its first poll; a drop cancels it. */
class OperationFuture<A> extends CheckedFuture<A, IoError> {
  private operation: Operation | undefined = undefined
  constructor(readonly file: File, readonly op: Op<A> | IoError) {
    super()
  }

  protected pollInner(w: Waker): Poll<Exit.Exit<A, IoError>> {
    const op = this.op
    if (op instanceof IoError) return poll.ready(Exit.fail(op))
    if (this.operation === undefined) {
      try {
        this.operation = this.file.submit(op.syscall, op.start, op.target, op.offset, op.counts)
      } catch (error) {
        return poll.ready(ioError.exitThrown(error))
      }
    }
    const result = this.operation.result
    if (result !== undefined) return poll.ready(op.decode(result))
    this.operation.waker = w
    return poll.pending
  }

  protected override onDrop(): void {
    if (this.operation !== undefined) this.file.cancel(this.operation)
  }
}

class CloseFuture extends CheckedFuture<void, never> {
  private takeBack: (() => void) | undefined = undefined
  private waker: Waker | undefined = undefined
  constructor(readonly file: File) {
    super()
  }

  protected pollInner(w: Waker): Poll<Exit.Exit<void>> {
    if (this.takeBack === undefined) {
      this.file.beginClose()
      this.takeBack = this.file.onClosed(() => this.waker?.wake())
    }
    if (this.file.shut) return poll.ready(Exit.void)
    this.waker = w
    return poll.pending
  }

  protected override onDrop(): void {
    this.takeBack?.()
    this.waker = undefined
  }
}

/** The reactor of the executor polling right now, or a defect. */
const currentReactor = (what: string): reactor.Reactor => {
  const io = context.currentIo(what)
  if (!(io instanceof reactor.Reactor)) throw new Error(`${what} needs the executor's reactor, and it has none`)
  return io
}

class OpenFuture extends CheckedFuture<File, IoError> {
  private file: File | undefined = undefined
  constructor(readonly path: string, readonly options: Api.OpenOptions | undefined) {
    super()
  }

  protected pollInner(w: Waker): Poll<Exit.Exit<File, IoError>> {
    if (this.file === undefined) {
      const io = currentReactor("File.openFuture")
      try {
        this.file = start(io, this.path, this.options)
      } catch (error) {
        return poll.ready(ioError.exitThrown(error))
      }
    }
    const result = this.file.opening.result
    if (result !== undefined) return poll.ready(this.file.openedExit(result))
    this.file.opening.waker = w
    return poll.pending
  }

  protected override onDrop(): void {
    this.file?.abandon()
  }
}

/** Checks the arguments, opens the native handle and registers its eventfd: the file, OPENING. Throws `IoError`. */
const start = (io: Reactor.Reactor, path: string, options: Api.OpenOptions | undefined): File => {
  if (typeof path !== "string" || path.length === 0 || path.includes("\0")) {
    throw ioError.invalidArgument("open", `path must be a non-empty string without NUL bytes, got ${show(path)}`)
  }
  const flag = options?.flags ?? "r"
  const flags = Object.hasOwn(openFlags, flag) ? openFlags[flag] : undefined
  if (flags === undefined) {
    const known = Object.keys(openFlags).join(", ")
    throw ioError.invalidArgument("open", `flags must be one of ${known}, got ${show(flag)}`)
  }
  const mode = options?.mode ?? 0o666
  if (typeof mode !== "number" || !Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw ioError.invalidArgument("open", `mode must be an integer from 0 to 0o7777, got ${show(mode)}`)
  }
  let handle: NativeFileHandle
  try {
    // O_NONBLOCK: an open of a FIFO must not hold a pool thread until a peer comes (it is then refused). It changes
    // nothing for regular files and block devices (open(2)).
    handle = binding.fileOpen(path, flags | O_NONBLOCK, mode)
  } catch (error) {
    throw ioError.fromThrown(error, "open")
  }
  let registration: Reactor.Registration
  try {
    registration = io.register(handle.eventfd, interest.READABLE)
  } catch (error) {
    // The open job may still run: the closed handle closes the fd it returns.
    binding.fileClose(handle)
    throw ioError.fromThrown(error, "open")
  }
  return new File(path, handle, registration)
}

/** @internal */
export const open = (
  path: string,
  options?: Api.OpenOptions
): Effect.Effect<File, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.flatMap(reactorRuntime.reactorFor("File.open"), (io) =>
    Effect.acquireRelease(
      // Uninterruptible, as an acquisition is: an interruption waits for the open (which never blocks for long, see
      // `start`), and the release closes what it opened.
      Effect.suspend(() => {
        if (!io.isDriven) return Effect.die(new Error(context.undrivenMessage("open")))
        let file: File
        try {
          file = start(io, path, options)
        } catch (error) {
          return ioError.failThrown(error)
        }
        return Effect.async<File, IoError>((resume) => {
          const result = file.opening.result
          if (result !== undefined) return resume(file.openedExit(result))
          // Decided in the fiber, not in the reactor's dispatch that settles the open.
          file.opening.resume = (result) => resume(Effect.suspend(() => file.openedExit(result)))
          return Effect.sync(() => file.abandon())
        })
      }),
      (file) => file.close
    ))

/** @internal */
export const openFuture = (path: string, options?: Api.OpenOptions): SimpleFuture.SimpleFuture<File, IoError> =>
  new OpenFuture(path, options)

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
