/**
 * Stream sockets (TCP over IPv4/IPv6, and Unix domain) and their listeners: one implementation for both families.
 *
 * Ownership: a socket is a `Source` (registration + fd). `connect`/`fromFd`/`accept` put its release (deregister,
 * then close) in the caller's scope; `connections` gives each connection to the listener, which closes what is
 * still open when its own scope closes. `close` releases early; the later release is a no-op.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import type { Interest } from "../Interest.js"
import { IoError } from "../IoError.js"
import type { Poll } from "../Poll.js"
import type * as Reactor from "../Reactor.js"
import type * as SimpleFuture from "../SimpleFuture.js"
import type * as SocketAddressApi from "../SocketAddress.js"
import type { SocketAddress } from "../SocketAddress.js"
import type * as TcpListenerApi from "../TcpListener.js"
import type * as TcpStreamApi from "../TcpStream.js"
import type { Waker } from "../Waker.js"
import * as address from "./address.js"
import { FutureBase } from "./future.js"
import * as interest from "./interest.js"
import * as ioError from "./ioError.js"
import { binding } from "./native.js"
import * as poll from "./poll.js"
import * as readSlab from "./readSlab.js"
import * as socketAddress from "./socketAddress.js"
import { EAGAIN, EBADF, EINPROGRESS, EINVAL, ENOTCONN, EPIPE, Source } from "./source.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import * as reactorRuntime from "./reactorRuntime.js"
import { AcceptBackoff, FIRST_DELAY_MS, isResourceFailure, MAX_DELAY_MS, RESOURCE_ERRNOS } from "./acceptBackoff.js"
import * as context from "./context.js"
import type { TimerEntry } from "./timerQueue.js"
import { show } from "./show.js"

/** The `family` argument of `binding.socket`: 1 (Unix), 4 or 6. @internal */
export type Family = 1 | 4 | 6

const constants = binding.constants

const readWrite = (interest.READABLE | interest.WRITABLE) as Interest
const empty: Uint8Array = new Uint8Array(0)

/**
 * Registers a fresh (or adopted) fd, closing it when `owned` is set and registering fails. Throws an `IoError`.
 *
 * @internal
 */
export const registerFd = (
  io: Reactor.Reactor,
  fd: number,
  wanted: Interest,
  owned: boolean,
  syscall: string
): Reactor.Registration => {
  try {
    return io.register(fd, wanted)
  } catch (error) {
    if (owned) binding.close(fd)
    throw ioError.fromThrown(error, syscall)
  }
}

/**
 * Takes `fd` over from the caller: the addon closes it when this thread's environment ends, if nothing closed it
 * before (a Worker terminated with it open). Throws an `IoError` (ENOMEM).
 *
 * @internal
 */
export const ownFd = (fd: number, syscall: string): void => {
  try {
    binding.own(fd)
  } catch (error) {
    throw ioError.fromThrown(error, syscall)
  }
}

/** `binding.socket`, as an `IoError` when it throws (EMFILE, EAFNOSUPPORT). @internal */
export const openSocket = (family: Family, type: "stream" | "dgram"): number => {
  try {
    return binding.socket(family, type)
  } catch (error) {
    throw ioError.fromThrown(error, "socket")
  }
}

/** Runs a synchronous step that throws `IoError`s: its value, or the failure. @internal */
export const attemptSync = <A>(f: () => A): Effect.Effect<A, IoError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(f())
    } catch (error) {
      return ioError.failThrown(error)
    }
  })

/** The failure of an argument that must be a `Uint8Array`. @internal */
export const notBytes = (syscall: string, name: string): IoError =>
  ioError.invalidArgument(syscall, `${name} must be a Uint8Array`)

/** @internal */
export const check = (result: number, syscall: string): void => {
  if (result < 0) throw ioError.fromErrno(result, syscall)
}

const addressOf = (result: ReturnType<typeof binding.localAddress>, family: Family): SocketAddress =>
  typeof result === "number" ? socketAddress.unspecified(family) : socketAddress.fromNative(result)

const shutdownHow = (how: unknown): number | undefined =>
  how === "read" ? constants.SHUT_RD : how === "write" ? constants.SHUT_WR : how === "both" ? constants.SHUT_RDWR :
  undefined

/** @internal */
export class StreamSocket implements TcpStreamApi.TcpStream {
  private local: SocketAddress | undefined = undefined
  private remote: SocketAddress | undefined = undefined
  /** Set while a listener owns this connection (`connections`), so it forgets the socket once closed. */
  owner: Set<StreamSocket> | undefined = undefined
  // The latest readChunk Effect, reused while its maxBytes is asked again (a read loop builds it once).
  private chunkRead: { readonly maxBytes: number; readonly effect: Effect.Effect<Uint8Array, IoError> } | undefined =
    undefined

  constructor(readonly source: Source, readonly family: Family) {}

  get fd(): number {
    return this.source.fd
  }

  get closed(): boolean {
    return this.source.closed
  }

  // Read once, when first asked (an accepted connection rarely needs them); a socket already reset reads as the
  // unspecified address of its family.
  get localAddress(): SocketAddress {
    return this.local ??= addressOf(binding.localAddress(this.source.fd), this.family)
  }

  get remoteAddress(): SocketAddress {
    return this.remote ??= addressOf(binding.remoteAddress(this.source.fd), this.family)
  }

  /** Reads the addresses now (after connect, before the peer can reset). */
  resolveAddresses(): void {
    void this.localAddress
    void this.remoteAddress
  }

  read(buffer: Uint8Array): Effect.Effect<number, IoError> {
    if (!(buffer instanceof Uint8Array)) return Effect.fail(notBytes("recv", "buffer"))
    const fd = this.source.fd
    // Offset and length spelled out: the addon reads a number in one N-API call, an absent one in two.
    return this.source.io("readable", () => binding.recv(fd, buffer, 0, buffer.length), "recv", 0, buffer.length)
  }

  readChunk(maxBytes: number = 65536): Effect.Effect<Uint8Array, IoError> {
    const cached = this.chunkRead
    if (cached !== undefined && cached.maxBytes === maxBytes) return cached.effect
    if (typeof maxBytes !== "number" || !Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_READ_CHUNK) {
      return Effect.fail(
        ioError.invalidArgument("recv", `maxBytes must be an integer from 1 to 2^30, got ${show(maxBytes)}`)
      )
    }
    const fd = this.source.fd
    if (maxBytes > readSlab.MAX_SLAB_READ) {
      // A large read gets a buffer of its own; a short answer is copied out, so it does not keep the whole buffer.
      const effect = Effect.suspend(() => {
        const buffer = new Uint8Array(maxBytes)
        return this.source.ioWith("readable", () => binding.recv(fd, buffer, 0, maxBytes), "recv", 0, maxBytes, (n) =>
          n === 0 ? empty : n < maxBytes >>> 1 ? buffer.slice(0, n) : buffer.subarray(0, n))
      })
      this.chunkRead = { maxBytes, effect }
      return effect
    }
    const slab = readSlab.shared(maxBytes)
    // The recv and the `take` of its chunk run in one step (ioWith): the region is never free for another stream's
    // read while its bytes are unclaimed.
    const effect = this.source.ioWith("readable", () => {
      const region = slab.region() // first: a new slab starts at offset 0
      return binding.recv(fd, region, slab.offset, maxBytes)
    }, "recv", 0, maxBytes, (n) => n > 0 ? slab.take(n) : empty)
    this.chunkRead = { maxBytes, effect }
    return effect
  }

  write(bytes: Uint8Array): Effect.Effect<number, IoError> {
    if (!(bytes instanceof Uint8Array)) return Effect.fail(notBytes("send", "bytes"))
    const fd = this.source.fd
    return this.source.io("writable", () => binding.send(fd, bytes, 0, bytes.length), "send", -EPIPE, bytes.length)
  }

  writeAll(bytes: Uint8Array): Effect.Effect<void, IoError> {
    if (!(bytes instanceof Uint8Array)) return Effect.fail(notBytes("send", "bytes"))
    return Effect.suspend(() => {
      if (this.source.closed) return Effect.fail(ioError.closed("send"))
      // The common case: the whole buffer fits in the send buffer, in one syscall, without suspending.
      let n: number
      try {
        n = binding.send(this.source.fd, bytes, 0, bytes.length)
      } catch (error) {
        // A detached buffer, rejected by the boundary.
        return ioError.failThrown(ioError.fromThrown(error, "send"))
      }
      if (n === bytes.length) return Effect.void
      if (n < 0 && n !== -EAGAIN) return Effect.fail(ioError.fromErrno(n, "send"))
      return this.writeRest(bytes, Math.max(n, 0))
    })
  }

  private writeRest(bytes: Uint8Array, from: number): Effect.Effect<void, IoError> {
    const fd = this.source.fd
    let offset = from
    const attempt = () => binding.send(fd, bytes, offset, bytes.length - offset)
    const loop: Effect.Effect<void, IoError> = Effect.flatMap(
      this.source.io("writable", attempt, "send", -EPIPE, bytes.length - offset),
      (n) => {
        offset += n
        return offset >= bytes.length ? Effect.void : loop
      }
    )
    return loop
  }

  shutdown(how: "read" | "write" | "both"): Effect.Effect<void, IoError> {
    return Effect.suspend(() => {
      const code = shutdownHow(how)
      if (code === undefined) {
        const message = `how must be "read", "write" or "both", got ${show(how)}`
        return Effect.fail(ioError.invalidArgument("shutdown", message))
      }
      if (this.source.closed) return Effect.fail(ioError.closed("shutdown"))
      const result = binding.shutdown(this.source.fd, code)
      return result < 0 ? Effect.fail(ioError.fromErrno(result, "shutdown")) : Effect.void
    })
  }

  setNoDelay(enabled: boolean): Effect.Effect<void, IoError> {
    return Effect.suspend(() => {
      if (this.source.closed) return Effect.fail(ioError.closed("setsockopt"))
      const result = binding.setsockopt(this.source.fd, constants.IPPROTO_TCP, constants.TCP_NODELAY, enabled ? 1 : 0)
      return result < 0 ? Effect.fail(ioError.fromErrno(result, "setsockopt")) : Effect.void
    })
  }

  pollRead(waker: Waker, buffer: Uint8Array, offset?: number, length?: number): number {
    const source = this.source
    if (source.closed) return -EBADF
    // Nothing cached: a recv could only say EAGAIN, so park the waker without making it.
    if (!source.mayProgress("readable")) return source.pollIo("readable", waker, -EAGAIN, 0)
    const n = source.pollIo("readable", waker, binding.recv(source.fd, buffer, offset, length), 0)
    source.transferred("readable", n, length ?? buffer.length - (offset ?? 0))
    return n
  }

  pollWrite(waker: Waker, bytes: Uint8Array, offset?: number, length?: number): number {
    const source = this.source
    if (source.closed) return -EBADF
    if (!source.mayProgress("writable")) return source.pollIo("writable", waker, -EAGAIN, -EPIPE)
    const n = source.pollIo("writable", waker, binding.send(source.fd, bytes, offset, length), -EPIPE)
    source.transferred("writable", n, length ?? bytes.length - (offset ?? 0))
    return n
  }

  removeWaker(direction: "readable" | "writable", waker: Waker): void {
    this.source.registration.removeWaker(direction, waker)
  }

  readFuture(buffer: Uint8Array): SimpleFuture.SimpleFuture<number, IoError> {
    return new ReadFuture(this, buffer)
  }

  writeAllFuture(bytes: Uint8Array): SimpleFuture.SimpleFuture<void, IoError> {
    return new WriteAllFuture(this, bytes)
  }

  stream(chunkSize: number = 65536): Stream.Stream<Uint8Array, IoError> {
    const invalid = address.checkCount(chunkSize, "chunkSize", "read", 1)
    if (invalid !== undefined) return Stream.fail(invalid)
    return Stream.suspend(() => {
      // One scratch buffer per stream; each chunk is a copy of what one read returned.
      const scratch = new Uint8Array(chunkSize)
      const next = Effect.matchEffect(this.read(scratch), {
        onFailure: (error) => Effect.fail(Option.some(error)),
        onSuccess: (n) => n === 0 ? Effect.fail(Option.none()) : Effect.succeed(scratch.slice(0, n))
      })
      return Stream.repeatEffectOption(next)
    })
  }

  get sink(): Sink.Sink<void, Uint8Array, never, IoError> {
    return Sink.forEach((chunk: Uint8Array) => this.writeAll(chunk))
  }

  get close(): Effect.Effect<void> {
    return Effect.sync(() => this.closeNow())
  }

  unsafeClose(): void {
    this.closeNow()
  }

  closeNow(): void {
    this.source.close()
    this.owner?.delete(this)
    this.owner = undefined
  }
}

/** Maps a future-face result to an `IoError`; a -EBADF from a closed socket is `Closed`. */
const futureError = (socket: StreamSocket, n: number, syscall: string): IoError =>
  n === -EBADF && socket.closed ? ioError.closed(syscall) : ioError.fromErrno(n, syscall)

class ReadFuture extends FutureBase<number, IoError> {
  private parked: Waker | undefined = undefined
  constructor(readonly socket: StreamSocket, readonly buffer: Uint8Array) {
    super()
  }
  poll(waker: Waker): Poll<Exit.Exit<number, IoError>> {
    if (this.finished) throw new Error("readFuture: polled after it finished or was dropped")
    const n = this.socket.pollRead(waker, this.buffer)
    if (n === -EAGAIN) {
      this.parked = waker
      return poll.pending
    }
    this.finished = true
    this.parked = undefined
    return poll.ready(n >= 0 ? Exit.succeed(n) : Exit.fail(futureError(this.socket, n, "recv")))
  }
  protected override onDrop(): void {
    if (this.parked !== undefined) this.socket.removeWaker("readable", this.parked)
    this.parked = undefined
  }
}

class WriteAllFuture extends FutureBase<void, IoError> {
  private parked: Waker | undefined = undefined
  private offset = 0
  constructor(readonly socket: StreamSocket, readonly bytes: Uint8Array) {
    super()
  }
  poll(waker: Waker): Poll<Exit.Exit<void, IoError>> {
    if (this.finished) throw new Error("writeAllFuture: polled after it finished or was dropped")
    const bytes = this.bytes
    while (this.offset < bytes.length) {
      const n = this.socket.pollWrite(waker, bytes, this.offset, bytes.length - this.offset)
      if (n === -EAGAIN) {
        this.parked = waker
        return poll.pending
      }
      if (n < 0) {
        this.finished = true
        this.parked = undefined
        return poll.ready(Exit.fail(futureError(this.socket, n, "send")))
      }
      this.offset += n
    }
    this.finished = true
    this.parked = undefined
    return poll.ready(Exit.void)
  }
  protected override onDrop(): void {
    if (this.parked !== undefined) this.socket.removeWaker("writable", this.parked)
    this.parked = undefined
  }
}

/** A registered stream socket over `fd` (owned: closed on release). Throws an `IoError`. @internal */
export const adopt = (io: Reactor.Reactor, fd: number, family: Family, syscall: string): StreamSocket =>
  new StreamSocket(new Source(fd, registerFd(io, fd, readWrite, true, syscall), true), family)

const releaseSocket = (socket: StreamSocket) => Effect.sync(() => socket.closeNow())

/**
 * Opens a socket in the current scope and connects it: `start` issues the non-blocking connect, then (on
 * EINPROGRESS) the socket waits to be writable and SO_ERROR says how it went. A failure or an interruption closes
 * the socket at once (the scope's release is then a no-op).
 */
const connectWith = (
  family: Family,
  start: (fd: number) => number,
  timeout: Duration.Duration | undefined,
  target: string
): Effect.Effect<StreamSocket, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.flatMap(reactorRuntime.reactorFor(family === 1 ? "UnixStream.connect" : "TcpStream.connect"), (io) =>
    Effect.flatMap(
      Effect.acquireRelease(
        attemptSync(() => adopt(io, openSocket(family, "stream"), family, "connect")),
        releaseSocket
      ),
      (socket) => {
        const fd = socket.fd
        const established = Effect.suspend(() => {
          const started = start(fd)
          if (started === 0) return Effect.void
          if (started !== -EINPROGRESS) return Effect.fail(ioError.fromErrno(started, "connect"))
          // connect(2): "It is possible to select(2) or poll(2) for completion by selecting the socket for writing",
          // then read SO_ERROR. Connected when there is no error and the peer has a name.
          return socket.source.io("writable", () => {
            const error = binding.socketError(fd)
            if (error !== 0) return error > 0 ? -error : error
            const peer = binding.remoteAddress(fd)
            return typeof peer !== "number" ? 0 : peer === -ENOTCONN ? -EAGAIN : peer
          }, "connect", -ENOTCONN, 0)
        })
        const bounded = timeout === undefined ? established : Effect.timeoutFail(established, {
          duration: timeout,
          onTimeout: () => ioError.timedOut("connect", `connect timed out after ${String(timeout)}`)
        })
        return bounded.pipe(
          Effect.mapError((error) => ioError.atAddress(error, target)),
          Effect.onExit((exit) =>
            Exit.isSuccess(exit) ? Effect.sync(() => socket.resolveAddresses()) : releaseSocket(socket)
          ),
          Effect.as(socket)
        )
      }
    ))

/** @internal */
export const connect = (
  options: TcpStreamApi.ConnectOptions
): Effect.Effect<StreamSocket, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.gen(function*() {
    if (typeof options !== "object" || options === null) {
      return yield* Effect.fail(ioError.invalidArgument("connect", "options must be an object"))
    }
    const badPort = address.checkPort(options.port, "connect")
    if (badPort !== undefined) return yield* Effect.fail(badPort)
    const timeout = options.timeout === undefined
      ? undefined
      : yield* address.decodeDuration(options.timeout, "timeout", "connect")
    const { address: host, family } = yield* address.resolveHost(options.host ?? "127.0.0.1", "connect")
    const socket = yield* connectWith(
      family,
      (fd) => binding.connect(fd, host, options.port),
      timeout,
      address.formatInet(host, options.port)
    )
    if (options.noDelay === true) yield* socket.setNoDelay(true)
    return socket
  })

/** @internal */
export const connectUnix = (
  options: { readonly path: string; readonly timeout?: Duration.DurationInput | undefined }
): Effect.Effect<StreamSocket, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.gen(function*() {
    const badPath = address.checkPath(options?.path, "connect")
    if (badPath !== undefined) return yield* Effect.fail(badPath)
    const timeout = options.timeout === undefined
      ? undefined
      : yield* address.decodeDuration(options.timeout, "timeout", "connect")
    // unix(7): a non-blocking connect completes at once or fails; EAGAIN means the listener's backlog is full.
    return yield* connectWith(1, (fd) => binding.connect(fd, options.path), timeout, options.path)
  })

const familyOf = (fd: number, syscall: string): Family => {
  const local = binding.localAddress(fd)
  if (typeof local === "number") throw ioError.fromErrno(local, syscall)
  return local.family === "Unix" ? 1 : local.family === "IPv6" ? 6 : 4
}

/** @internal */
export const unsafeFromFd = (io: Reactor.Reactor, fd: number, options?: TcpStreamApi.FromFdOptions): StreamSocket => {
  const bad = address.checkCount(fd, "fd", "fromFd")
  if (bad !== undefined) throw bad
  const noDelay = options?.noDelay
  if (noDelay !== undefined && typeof noDelay !== "boolean") {
    throw ioError.invalidArgument("fromFd", `noDelay must be a boolean, got ${show(noDelay)}`)
  }
  const family = familyOf(fd, "getsockname")
  const peer = binding.remoteAddress(fd)
  if (typeof peer === "number") throw ioError.fromErrno(peer, "getpeername")
  if (noDelay === true) {
    const result = binding.setsockopt(fd, constants.IPPROTO_TCP, constants.TCP_NODELAY, 1)
    if (result < 0) throw ioError.fromErrno(result, "setsockopt")
  }
  // The fd is the caller's until it is registered; from then on the socket owns (and closes) it.
  ownFd(fd, "fromFd")
  let registration: Reactor.Registration
  try {
    registration = registerFd(io, fd, readWrite, false, "fromFd")
  } catch (error) {
    binding.disown(fd)
    throw error
  }
  return new StreamSocket(new Source(fd, registration, true), family)
}

/** @internal */
export const fromFd = (
  fd: number,
  options?: TcpStreamApi.FromFdOptions,
  what = "TcpStream.fromFd"
): Effect.Effect<StreamSocket, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.flatMap(
    reactorRuntime.reactorFor(what),
    (io) => Effect.acquireRelease(attemptSync(() => unsafeFromFd(io, fd, options)), releaseSocket)
  )

/**
 * A connected pair of Unix stream sockets (socketpair(2)), both owned by the current scope: an in-process pipe in both
 * directions, and a peer for tests. @internal
 */
export const pair = (): Effect.Effect<readonly [StreamSocket, StreamSocket], IoError, ReactorRuntime | Scope.Scope> =>
  Effect.flatMap(reactorRuntime.reactorFor("UnixStream.pair"), (io) =>
    Effect.acquireRelease(
      attemptSync(() => {
        let fds: [number, number]
        try {
          fds = binding.socketpair()
        } catch (error) {
          throw ioError.fromThrown(error, "socketpair")
        }
        let left: StreamSocket
        try {
          left = adopt(io, fds[0], 1, "socketpair")
        } catch (error) {
          // adopt closed fds[0]; the other end is still ours.
          binding.close(fds[1])
          throw error
        }
        try {
          return [left, adopt(io, fds[1], 1, "socketpair")] as const
        } catch (error) {
          left.closeNow()
          throw error
        }
      }),
      ([left, right]) => Effect.sync(() => {
        left.closeNow()
        right.closeNow()
      })
    ))

/** The largest `readChunk`: 1 GiB, as the socket adapters' read buffers. @internal */
const MAX_READ_CHUNK = 0x40000000

/** @internal */
export class Listener<Address extends SocketAddress = SocketAddress> implements TcpListenerApi.StreamListener<Address> {
  /** Accepted fds not yet handed out, in order. */
  private readonly backlog: Array<number> = []
  /** The future face's wake-up after a resource failure (acceptBackoff.ts). */
  private retry: TimerEntry | undefined = undefined
  private readonly batch = new Int32Array(1024)
  /** Connections handed out by `connections`: closed with the listener. */
  readonly live = new Set<StreamSocket>()
  private local: SocketAddress | undefined = undefined
  readonly source: Source

  constructor(
    readonly io: Reactor.Reactor,
    fd: number,
    readonly family: Family,
    private readonly path: string | undefined
  ) {
    this.source = new Source(fd, registerFd(io, fd, interest.READABLE, true, "listen"), true, () => this.release())
  }

  get fd(): number {
    return this.source.fd
  }

  get closed(): boolean {
    return this.source.closed
  }

  get localAddress(): Address {
    // The family the listener was opened with decides the address's tag: Inet for TCP, Unix for a path.
    return (this.local ??= addressOf(binding.localAddress(this.source.fd), this.family)) as Address
  }

  pollAccept(waker: Waker, out: Int32Array): number {
    if (this.source.closed) return -EBADF
    if (this.retry !== undefined && !this.retry.fired) {
      // Backing off after a resource failure: the timer wakes the newest waker.
      this.retry.waker = waker
      return -EAGAIN
    }
    const n = this.acceptBatch(out)
    if (n >= 0) {
      this.backoff.succeeded()
      // The raw fds are the caller's: the addon must not close them when this thread ends (owned_fds.h).
      for (let i = 0; i < n; i++) binding.disown(out[i]!)
      return n
    }
    if (!isResourceFailure(n)) return this.source.pollIo("readable", waker, n, -EINVAL)
    // Outside an executor there is no timer to wait with: the caller sees every failure and paces itself.
    const timer = context.peek()?.timer
    if (timer === undefined) return n
    const { delayMs, starts } = this.backoff.failed()
    this.retry = timer.insert(timer.now() + delayMs, waker)
    // The failure is told once per episode; until an accept succeeds the waker is woken after each backoff.
    return starts ? n : -EAGAIN
  }

  removeWaker(waker: Waker): void {
    this.source.registration.removeWaker("readable", waker)
  }

  /**
   * accept4 until EAGAIN into `out`: the count, or `-errno`. The cached readiness is cleared only when the batch
   * stopped on EAGAIN; one cut short by EMFILE leaves connections queued (see acceptBackoff.ts).
   */
  private acceptBatch(out: Int32Array): number {
    const n = binding.acceptMany(this.source.fd, out)
    if (n > 0 && n < out.length && out[n] === -EAGAIN) this.source.drained("readable")
    return n
  }

  /** Accepts into the backlog; one readiness wait when nothing is pending. */
  private readonly accepted: Effect.Effect<number, IoError> = Effect.suspend(() =>
    this.source.io("readable", () => {
      const n = this.acceptBatch(this.batch)
      for (let i = 0; i < n; i++) this.backlog.push(this.batch[i]!)
      return n
    }, "accept4", -EINVAL, 0)
  )

  private readonly backoff = new AcceptBackoff()

  /** `accepted`, waiting out a resource failure (acceptBackoff.ts): 0 after a wait, to be tried again. */
  private readonly fill: Effect.Effect<number, IoError> = Effect.matchEffect(this.accepted, {
    onFailure: (error) => {
      if (error.errno === undefined || !RESOURCE_ERRNOS.has(error.errno)) return Effect.fail(error)
      const { delayMs, starts } = this.backoff.failed()
      const wait = Effect.as(Effect.sleep(delayMs), 0)
      if (!starts) return wait
      return Effect.zipRight(
        Effect.logWarning(
          `${this.describe()}: ${error.message}; the pending connections stay queued: accepting again after a ` +
            `backoff of ${FIRST_DELAY_MS} ms, doubling to ${MAX_DELAY_MS} ms, until an accept succeeds`
        ),
        wait
      )
    },
    onSuccess: (n) => {
      const throttledMs = n > 0 ? this.backoff.succeeded() : undefined
      if (throttledMs === undefined) return Effect.succeed(n)
      return Effect.as(
        Effect.logInfo(`${this.describe()}: accepting again, after ${Math.round(throttledMs)} ms short of resources`),
        n
      )
    }
  })

  private describe(): string {
    const local = this.localAddress
    return `${this.family === 1 ? "UnixListener" : "TcpListener"} ${
      local._tag === "Unix" ? local.path : address.formatInet(local.address, local.port)
    }`
  }

  /** Adopts the oldest accepted fd (uninterruptibly: it is registered and owned before anything can stop it). */
  private take<A>(own: (socket: StreamSocket) => Effect.Effect<A>): Effect.Effect<A | undefined, IoError> {
    return Effect.uninterruptible(Effect.suspend(() => {
      const fd = this.backlog.shift()
      if (fd === undefined) return Effect.succeed(undefined)
      let socket: StreamSocket
      try {
        socket = adopt(this.io, fd, this.family, "accept4")
      } catch (error) {
        return ioError.failThrown(error)
      }
      return own(socket)
    }))
  }

  private acceptInto(scope: Scope.Scope): Effect.Effect<StreamSocket, IoError> {
    return Effect.suspend(() => {
      if (this.source.closed) return Effect.fail(ioError.closed("accept4"))
      if (this.backlog.length === 0) return Effect.flatMap(this.fill, () => this.acceptInto(scope))
      return Effect.flatMap(
        this.take((socket) => Effect.as(Scope.addFinalizer(scope, releaseSocket(socket)), socket)),
        (socket) => socket === undefined ? this.acceptInto(scope) : Effect.succeed(socket)
      )
    })
  }

  get accept(): Effect.Effect<StreamSocket, IoError, Scope.Scope> {
    return Effect.flatMap(Scope.Scope, (scope) => this.acceptInto(scope))
  }

  /** Every connection pending now, owned by the listener; waits when there is none. */
  private readonly takeAll: Effect.Effect<Chunk.Chunk<StreamSocket>, IoError> = Effect.suspend(() => {
    if (this.source.closed) return Effect.fail(ioError.closed("accept4"))
    if (this.backlog.length === 0) return Effect.flatMap(this.fill, () => this.takeAll)
    return Effect.uninterruptible(Effect.sync(() => {
      const sockets: Array<StreamSocket> = []
      let failure: IoError | undefined
      while (this.backlog.length > 0) {
        const fd = this.backlog.shift()!
        try {
          const socket = adopt(this.io, fd, this.family, "accept4")
          socket.owner = this.live
          this.live.add(socket)
          sockets.push(socket)
        } catch (error) {
          // Only what the boundary threw is a failure to deliver; anything else is a bug, and dies here.
          if (!(error instanceof IoError)) throw error
          failure = error
          break
        }
      }
      return { sockets, failure }
    })).pipe(Effect.flatMap(({ failure, sockets }) =>
      // Connections adopted before a failure are still delivered; the failure comes with the next pull.
      sockets.length > 0 || failure === undefined
        ? Effect.succeed(Chunk.unsafeFromArray(sockets))
        : Effect.fail(failure)
    ))
  })

  get connections(): Stream.Stream<StreamSocket, IoError> {
    return Stream.repeatEffectChunk(this.takeAll)
  }

  get close(): Effect.Effect<void> {
    return Effect.sync(() => this.source.close())
  }

  /** Part of the release, after deregistering and before closing the listening fd. */
  private release(): void {
    this.retry?.cancel()
    for (const fd of this.backlog) binding.close(fd)
    this.backlog.length = 0
    for (const socket of Array.from(this.live)) socket.closeNow()
    if (this.path !== undefined) unlinkQuietly(this.path)
  }
}

const unlinkQuietly = (path: string): void => {
  try {
    Fs.unlinkSync(path)
  } catch {
    // Already removed by someone else: nothing to clean up.
  }
}

const listenOn = <Address extends SocketAddress>(
  family: Family,
  setup: (fd: number) => void,
  backlog: number,
  path: string | undefined,
  target: string
): Effect.Effect<Listener<Address>, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.flatMap(reactorRuntime.reactorFor(path === undefined ? "TcpListener.bind" : "UnixListener.bind"), (io) =>
    Effect.acquireRelease(
      attemptSync(() => {
        const fd = openSocket(family, "stream")
        let bound = false
        try {
          setup(fd)
          bound = true
          check(binding.listen(fd, backlog), "listen")
        } catch (error) {
          binding.close(fd)
          // A path this call bound is its to remove, even when listen failed; one it could not bind is not.
          if (bound && path !== undefined) unlinkQuietly(path)
          throw error instanceof IoError ? ioError.atAddress(error, target) : error
        }
        return new Listener<Address>(io, fd, family, path)
      }),
      (listener) => listener.close
    ))

/** @internal */
export const bind = (
  options: TcpListenerApi.BindOptions
): Effect.Effect<Listener<SocketAddressApi.Inet>, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.gen(function*() {
    if (typeof options !== "object" || options === null) {
      return yield* Effect.fail(ioError.invalidArgument("bind", "options must be an object"))
    }
    const badPort = address.checkPort(options.port, "bind")
    if (badPort !== undefined) return yield* Effect.fail(badPort)
    const backlog = options.backlog ?? 1024
    const badBacklog = address.checkCount(backlog, "backlog", "listen")
    if (badBacklog !== undefined) return yield* Effect.fail(badBacklog)
    const { address: host, family } = yield* address.resolveHost(options.host ?? "127.0.0.1", "bind")
    return yield* listenOn<SocketAddressApi.Inet>(family, (fd) => {
      if (options.reuseAddress ?? true) {
        check(binding.setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEADDR, 1), "setsockopt")
      }
      if (options.reusePort === true) {
        check(binding.setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEPORT, 1), "setsockopt")
      }
      check(binding.bind(fd, host, options.port), "bind")
    }, backlog, undefined, address.formatInet(host, options.port))
  })

/** @internal */
export const bindUnix = (
  options: { readonly path: string; readonly backlog?: number | undefined }
): Effect.Effect<Listener<SocketAddressApi.Unix>, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.gen(function*() {
    const badPath = address.checkPath(options?.path, "bind")
    if (badPath !== undefined) return yield* Effect.fail(badPath)
    const backlog = options.backlog ?? 1024
    const badBacklog = address.checkCount(backlog, "backlog", "listen")
    if (badBacklog !== undefined) return yield* Effect.fail(badBacklog)
    return yield* listenOn<SocketAddressApi.Unix>(1, (fd) => check(binding.bind(fd, options.path), "bind"), backlog, options.path, options.path)
  })
