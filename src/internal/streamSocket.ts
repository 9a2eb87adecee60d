/**
 * A connected stream socket (TCP over IPv4/IPv6, or Unix domain): one implementation for both families, with its two
 * faces. The Effect face (`read`, `readChunk`, `write`, `writeAll`, `stream`, `sink`) runs `Source.io`: try the
 * syscall, on EAGAIN wait for readiness, retry. The future face (`pollRead`, `pollWrite`) answers as `Source.pollIo`
 * does: a count, `-EAGAIN` with the waker parked, or another `-errno`; `readFuture` / `writeAllFuture` are
 * `SourceFuture`s over those polls.
 *
 * Ownership: a socket is a `Source` (registration + fd); whoever made it (`streamConnect.ts`, a listener's accept) put
 * its release in a scope, or keeps it (`unsafeFromFd`, a listener's `connections`). `close` releases early; a later
 * release is a no-op.
 *
 * @internal
 */
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { IoError } from "../IoError.js"
import type * as Reactor from "../Reactor.js"
import type * as SimpleFuture from "../SimpleFuture.js"
import type { SocketAddress } from "../SocketAddress.js"
import type * as TcpStreamApi from "../TcpStream.js"
import type { Waker } from "../Waker.js"
import * as address from "./address.js"
import { EAGAIN, EBADF, EPIPE } from "./errno.js"
import { InlineEffect } from "./inlineEffect.js"
import * as ioError from "./ioError.js"
import { binding } from "./native.js"
import * as readSlab from "./readSlab.js"
import * as resource from "./resource.js"
import { show } from "./show.js"
import { addressOf, type Family, streamKind } from "./socket.js"
import { type Source, SourceFuture } from "./source.js"

const constants = binding.constants

const empty: Uint8Array = new Uint8Array(0)

/** The largest `readChunk`: 1 GiB, as the socket adapters' read buffers. */
const MAX_READ_CHUNK = 0x40000000

const shutdownHow = (how: unknown): number | undefined =>
  how === "read" ? constants.SHUT_RD : how === "write" ? constants.SHUT_WR : how === "both" ?
    constants.SHUT_RDWR :
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
    if (!(buffer instanceof Uint8Array)) return Effect.fail(ioError.notBytes("recv", "buffer"))
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
        return this.source.ioWith(
          "readable",
          () => binding.recv(fd, buffer, 0, maxBytes),
          "recv",
          0,
          maxBytes,
          (n) => n === 0 ? empty : n < maxBytes >>> 1 ? buffer.slice(0, n) : buffer.subarray(0, n)
        )
      })
      this.chunkRead = { maxBytes, effect }
      return effect
    }
    const slab = readSlab.shared(maxBytes)
    // The recv and the `take` of its chunk run in one step (ioWith): the region is never free for another stream's
    // read while its bytes are unclaimed.
    const effect = this.source.ioWith(
      "readable",
      () => {
        const region = slab.region() // first: a new slab starts at offset 0
        return binding.recv(fd, region, slab.offset, maxBytes)
      },
      "recv",
      0,
      maxBytes,
      (n) => n > 0 ? slab.take(n) : empty
    )
    this.chunkRead = { maxBytes, effect }
    return effect
  }

  write(bytes: Uint8Array): Effect.Effect<number, IoError> {
    if (!(bytes instanceof Uint8Array)) return Effect.fail(ioError.notBytes("send", "bytes"))
    const fd = this.source.fd
    return this.source.io("writable", () => binding.send(fd, bytes, 0, bytes.length), "send", -EPIPE, bytes.length)
  }

  writeAll(bytes: Uint8Array): Effect.Effect<void, IoError> {
    if (!(bytes instanceof Uint8Array)) return Effect.fail(ioError.notBytes("send", "bytes"))
    return new WriteAll(this, bytes)
  }

  /** What a `writeAll` Effect runs, each time it runs. @internal */
  writeAllNow(bytes: Uint8Array): Effect.Effect<void, IoError> {
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
    if (chunkSize <= readSlab.MAX_SLAB_READ) {
      // `readChunk`'s chunks (views into the thread's slab up to 4 KiB): no buffer per stream.
      return chunkStream(this.readChunk(chunkSize))
    }
    return Stream.suspend(() => {
      // A chunk size past the slabs': one scratch buffer per stream, each chunk a copy of what one read returned (a
      // buffer of that size per read would be zero-filled on every read).
      const scratch = new Uint8Array(chunkSize)
      return chunkStream(Effect.map(this.read(scratch), (n) => scratch.slice(0, n)))
    })
  }

  // Built on first use, then shared: a sink is a description, run as often as asked.
  private sinkValue: Sink.Sink<void, Uint8Array, never, IoError> | undefined = undefined

  get sink(): Sink.Sink<void, Uint8Array, never, IoError> {
    return this.sinkValue ??= chunkSink((bytes) => this.writeAll(bytes))
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

/**
 * A `writeAll` Effect: one object holding the socket and the bytes, its work a method of the class. A loop builds one
 * per write, where `Effect.suspend` would build a closure and an Effect node (and V8 would link each new closure to its
 * code on its first call). Yielded in an `Effect.gen` body, it sends right there (see ./inlineEffect.ts).
 */
class WriteAll extends InlineEffect<void, IoError> {
  constructor(readonly socket: StreamSocket, readonly bytes: Uint8Array) {
    super()
  }

  commit(): Effect.Effect<void, IoError> {
    return this.socket.writeAllNow(this.bytes)
  }
}

class ReadFuture extends SourceFuture<number> {
  constructor(readonly socket: StreamSocket, readonly buffer: Uint8Array) {
    super(socket.source, "readable", "recv")
  }

  protected attempt(waker: Waker): number {
    return this.socket.pollRead(waker, this.buffer)
  }

  protected value(n: number): number {
    return n
  }
}

class WriteAllFuture extends SourceFuture<void> {
  private offset = 0
  constructor(readonly socket: StreamSocket, readonly bytes: Uint8Array) {
    super(socket.source, "writable", "send")
  }

  /** Writes until every byte is out (0), the send buffer is full (-EAGAIN) or a write fails. */
  protected attempt(waker: Waker): number {
    const bytes = this.bytes
    while (this.offset < bytes.length) {
      const n = this.socket.pollWrite(waker, bytes, this.offset, bytes.length - this.offset)
      if (n < 0) return n
      this.offset += n
    }
    return 0
  }

  protected value(): void {}
}

/**
 * A socket's `stream`: `read` (one read, empty at end of stream) emitted as a one-element chunk per read, until the
 * empty one. Written as a channel rather than `Stream.repeatEffectOption`, which wraps each read in an `Option` and a
 * tuple and catches its end as a failure: 3 Effect steps and 4 allocations per chunk fewer. @internal
 */
export const chunkStream = <E>(read: Effect.Effect<Uint8Array, E>): Stream.Stream<Uint8Array, E> =>
  Stream.fromChannel(chunksUntilEnd(read))

/** A socket's `sink`: `writeAll` each chunk, in order. @internal */
export const chunkSink = <E>(
  writeAll: (bytes: Uint8Array) => Effect.Effect<void, E>
): Sink.Sink<void, Uint8Array, never, E> =>
  Sink.forEachChunk((chunks: Chunk.Chunk<Uint8Array>) =>
    // A stream read from a socket carries one chunk per pull: written without `Effect.forEach`'s iteration.
    chunks.length === 1 ? writeAll(Chunk.unsafeGet(chunks, 0)) : Effect.forEach(chunks, writeAll, { discard: true })
  )

const chunksUntilEnd = <E>(
  read: Effect.Effect<Uint8Array, E>
): Channel.Channel<Chunk.Chunk<Uint8Array>, unknown, E, unknown, void, unknown> => {
  const loop: Channel.Channel<Chunk.Chunk<Uint8Array>, unknown, E, unknown, void, unknown> = Channel.flatMap(
    Channel.fromEffect(read),
    (chunk) => chunk.length === 0 ? Channel.void : Channel.zipRight(Channel.write(Chunk.of(chunk)), loop)
  )
  return loop
}

/** A registered stream socket over an accepted `fd`, owned: closed on release. Throws an `IoError`. @internal */
export const adopt = (io: Reactor.Reactor, fd: number, family: Family, syscall: string): StreamSocket =>
  new StreamSocket(
    resource.unsafeSource(io, { fd }, { interest: resource.readWrite, syscall, kind: streamKind(family) }),
    family
  )
