/**
 * `ReactorSocket`: what consumers of `@effect/platform`'s `Socket` rely on, over TCP (127.0.0.1) and Unix sockets
 * (in a temporary directory), against a raw peer built from our listeners.
 */
import * as Socket from "@effect/platform/Socket"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import type { Scope } from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ioError from "../src/internal/ioError.js"
import * as reactorSocket from "../src/internal/reactorSocket.js"
import type { IoError } from "../src/IoError.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as ReactorSocket from "../src/ReactorSocket.js"
import * as TcpListener from "../src/TcpListener.js"
import * as TcpStream from "../src/TcpStream.js"
import * as UnixListener from "../src/UnixListener.js"
import * as UnixStream from "../src/UnixStream.js"
import type * as Waker from "../src/Waker.js"
import { fdCount } from "./utils/fds.js"
import { awaitSuspended } from "./utils/sockets.js"

/** The raw side of a connection: a stream socket from our IO types. */
type Peer = TcpStream.TcpStream | UnixStream.UnixStream

interface Transport {
  readonly name: string
  /** A listener for the peer side, and the options that reach it. */
  readonly listen: Effect.Effect<
    { readonly accept: Effect.Effect<Peer, IoError, Scope>; readonly options: ReactorSocket.NetConnectOptions },
    IoError,
    ReactorRuntime.ReactorRuntime | Scope
  >
  /** Options that nothing listens on. */
  readonly unreachable: Effect.Effect<ReactorSocket.NetConnectOptions, IoError, ReactorRuntime.ReactorRuntime | Scope>
}

const tempDir = (): string => Fs.mkdtempSync(Path.join(Os.tmpdir(), "reactor-socket-"))

const transports: ReadonlyArray<Transport> = [
  {
    name: "tcp",
    listen: Effect.map(TcpListener.bind({ host: "127.0.0.1", port: 0 }), (listener) => ({
      accept: listener.accept,
      options: { host: "127.0.0.1", port: listener.localAddress._tag === "Inet" ? listener.localAddress.port : -1 }
    })),
    // Bind then release a port: nothing listens on it afterwards.
    unreachable: Effect.scoped(Effect.map(TcpListener.bind({ host: "127.0.0.1", port: 0 }), (listener) => ({
      host: "127.0.0.1",
      port: listener.localAddress._tag === "Inet" ? listener.localAddress.port : -1
    })))
  },
  {
    name: "unix",
    listen: Effect.suspend(() => {
      const path = Path.join(tempDir(), "peer.sock")
      return Effect.map(UnixListener.bind({ path }), (listener) => ({ accept: listener.accept, options: { path } }))
    }),
    unreachable: Effect.sync(() => ({ path: Path.join(tempDir(), "nobody.sock") }))
  }
]

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const bytes = (text: string): Uint8Array => encoder.encode(text)
const text = (chunks: ReadonlyArray<Uint8Array>): string => decoder.decode(concat(chunks))

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0))
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

/** Reads until EOF (bounded: 64 MiB, 5 s). */
const readToEnd = (peer: Peer): Effect.Effect<Uint8Array, IoError | Error> =>
  Effect.gen(function*() {
    const chunks: Array<Uint8Array> = []
    const buffer = new Uint8Array(65536)
    let total = 0
    for (let i = 0; i < 100_000 && total <= 64 * 1024 * 1024; i++) {
      const n = yield* peer.read(buffer)
      if (n === 0) return concat(chunks)
      chunks.push(buffer.slice(0, n))
      total += n
    }
    return yield* Effect.fail(new Error("readToEnd: no EOF within bounds"))
  }).pipe(Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("readToEnd: timed out") }))

/** Reads exactly `length` bytes (bounded: 5 s); fails on an early EOF. */
const readExactly = (peer: Peer, length: number): Effect.Effect<Uint8Array, IoError | Error> =>
  Effect.gen(function*() {
    const out = new Uint8Array(length)
    let offset = 0
    while (offset < length) {
      const n = yield* peer.read(out.subarray(offset))
      if (n === 0) return yield* Effect.fail(new Error(`readExactly: EOF after ${offset} of ${length} bytes`))
      offset += n
    }
    return out
  }).pipe(Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("readExactly: timed out") }))

/** Waits (bounded: 5 s) until `condition` holds. */
const eventually = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1000 && !condition(); i++) yield* Effect.sleep("5 millis")
    expect(condition()).toBe(true)
  })

/** A handler collecting what a run receives, and a deferred completed when the connection opens. */
const collector = Effect.map(Deferred.make<void>(), (opened) => {
  const chunks: Array<Uint8Array> = []
  return {
    chunks,
    opened,
    onOpen: Deferred.succeed(opened, undefined).pipe(Effect.asVoid),
    handler: (chunk: Uint8Array) => {
      chunks.push(chunk)
    }
  }
})

/** Connects without the adapter (for `fromStream`); a connect failure is a defect here. */
const connect = (options: ReactorSocket.NetConnectOptions) =>
  Effect.orDie("path" in options ? UnixStream.connect({ path: options.path }) : TcpStream.connect(options))

const provideRuntime = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(Effect.timeout("10 seconds"), Effect.provide(ReactorRuntime.layer))

/** A socket to the transport's listener, a collecting run on it, and the peer it reached, once the run is open. */
const openRun = (transport: Transport) =>
  Effect.gen(function*() {
    const { accept, options } = yield* transport.listen
    const socket = yield* ReactorSocket.makeNet(options)
    const c = yield* collector
    const run = yield* Effect.fork(socket.run(c.handler, { onOpen: c.onOpen }))
    const peer = yield* accept
    yield* Deferred.await(c.opened)
    return { socket, c, run, peer }
  })

/** A socket to the transport's listener with its writer taken first, a run that ignores what it reads, and the peer. */
const writerRun = (transport: Transport) =>
  Effect.gen(function*() {
    const { accept, options } = yield* transport.listen
    const socket = yield* ReactorSocket.makeNet(options)
    const write = yield* socket.writer
    const run = yield* Effect.fork(socket.run(() => {}))
    const peer = yield* accept
    return { write, run, peer }
  })

for (const transport of transports) {
  describe(`ReactorSocket over ${transport.name}`, () => {
    it.scopedLive("each run opens a fresh connection", () =>
      Effect.gen(function*() {
        const { accept, options } = yield* transport.listen
        const socket = yield* ReactorSocket.makeNet(options)
        for (const greeting of ["first", "second"]) {
          const c = yield* collector
          const run = yield* Effect.fork(socket.run(c.handler))
          const peer = yield* accept
          yield* peer.writeAll(bytes(greeting))
          yield* peer.shutdown("write")
          const exit = yield* Fiber.await(run)
          expect(exit).toStrictEqual(Exit.void)
          expect(text(c.chunks)).toBe(greeting)
          // The run closed its connection when it ended: the peer reads EOF.
          expect((yield* readToEnd(peer)).length).toBe(0)
        }
      }).pipe(provideRuntime))

    it.scopedLive("chunks are views into a shared slab: kept chunks of two interleaved runs stay intact", () =>
      Effect.gen(function*() {
        const { accept, options } = yield* transport.listen
        // 64-byte reads, so a few hundred reads roll over many slabs while both runs keep every chunk.
        const socket = yield* ReactorSocket.makeNet({ ...options, readBufferSize: 64 })
        const a = yield* collector
        const b = yield* collector
        const runA = yield* Effect.fork(socket.run(a.handler))
        const peerA = yield* accept
        const runB = yield* Effect.fork(socket.run(b.handler))
        const peerB = yield* accept
        const message = (tag: string, i: number) => `${tag}${String(i).padStart(4, "0")};`
        let sentA = ""
        let sentB = ""
        for (let i = 0; i < 400; i++) {
          sentA += message("a", i)
          sentB += message("b", i)
          yield* peerA.writeAll(bytes(message("a", i)))
          yield* peerB.writeAll(bytes(message("b", i)))
          if (i % 50 === 0) yield* Effect.sleep("1 millis")
        }
        yield* peerA.shutdown("write")
        yield* peerB.shutdown("write")
        expect(yield* Fiber.await(runA)).toStrictEqual(Exit.void)
        expect(yield* Fiber.await(runB)).toStrictEqual(Exit.void)
        expect(a.chunks.length).toBeGreaterThan(4 * 4)
        expect(text(a.chunks)).toBe(sentA)
        expect(text(b.chunks)).toBe(sentB)
      }).pipe(provideRuntime))

    it.scopedLive("runs that yield between every few steps still get their own bytes from the shared slab", () =>
      Effect.gen(function*() {
        const { accept, options } = yield* transport.listen
        const socket = yield* ReactorSocket.makeNet({ ...options, readBufferSize: 512 })
        // Yielding after every 10 runtime ops puts a yield between a read and the chunk it makes, again and again,
        // while the other run reads into the same slab.
        const runs = yield* Effect.forEach(["a", "b", "c"], (tag) =>
          Effect.gen(function*() {
            const c = yield* collector
            const run = yield* Effect.fork(Effect.locally(socket.run(c.handler), FiberRef.currentMaxOpsBeforeYield, 10))
            return { tag, c, run, peer: yield* accept }
          }))
        // Each peer sends 256 KiB of its own letter, all three at once: reads find bytes waiting and do not suspend.
        const size = 256 * 1024
        yield* Effect.forEach(
          runs,
          ({ peer, tag }) =>
            Effect.zipRight(peer.writeAll(new Uint8Array(size).fill(tag.charCodeAt(0))), peer.shutdown("write")),
          {
            concurrency: "unbounded"
          }
        )
        for (const { c, run, tag } of runs) {
          expect(yield* Fiber.await(run)).toStrictEqual(Exit.void)
          const received = concat(c.chunks)
          expect(received.length).toBe(size)
          expect(received.every((byte) => byte === tag.charCodeAt(0))).toBe(true)
        }
      }).pipe(provideRuntime))

    it.scopedLive("the writer may be taken before run; its writes wait until a connection is open", () =>
      Effect.gen(function*() {
        const { accept, options } = yield* transport.listen
        const socket = yield* ReactorSocket.makeNet(options)
        const write = yield* socket.writer
        const written = yield* Effect.fork(write("early"))
        yield* awaitSuspended(written)
        expect(written.unsafePoll()).toBeNull()
        const run = yield* Effect.fork(socket.run(() => {}))
        const peer = yield* accept
        yield* Fiber.join(written)
        expect(decoder.decode(yield* readExactly(peer, 5))).toBe("early")
        yield* Fiber.interrupt(run)
      }).pipe(provideRuntime))

    it.scopedLive("closing the writer's scope half-closes: the peer reads EOF and can still answer", () =>
      Effect.gen(function*() {
        const { c, peer, run, socket } = yield* openRun(transport)
        yield* Effect.scoped(Effect.flatMap(socket.writer, (write) => write("ping")))
        expect(decoder.decode(yield* readToEnd(peer))).toBe("ping")
        yield* peer.writeAll(bytes("pong"))
        yield* peer.shutdown("write")
        expect(yield* Fiber.await(run)).toStrictEqual(Exit.void)
        expect(text(c.chunks)).toBe("pong")
      }).pipe(provideRuntime))

    it.scopedLive("an empty input half-closes even when the writer is released before the connection opens", () =>
      Effect.gen(function*() {
        const { accept, options } = yield* transport.listen
        // A connection that opens late, so that the channel takes the writer, sees the empty input end and releases
        // the writer, all before `run` has a connection.
        const socket = yield* ReactorSocket.fromStream(Effect.delay(connect(options), "50 millis"))
        const replies = yield* Effect.fork(
          Stream.runCollect(Stream.pipeThroughChannel(Stream.empty, Socket.toChannel(socket)))
        )
        const peer = yield* accept
        expect((yield* readToEnd(peer)).length).toBe(0)
        yield* peer.writeAll(bytes("nothing asked"))
        yield* peer.shutdown("write")
        expect(text(Chunk.toReadonlyArray(yield* Fiber.join(replies)))).toBe("nothing asked")
      }).pipe(provideRuntime))

    it.scopedLive("a writer released with no connection half-closes the next connection only", () =>
      Effect.gen(function*() {
        const { accept, options } = yield* transport.listen
        const socket = yield* ReactorSocket.makeNet(options)
        yield* Effect.scoped(socket.writer)
        const first = yield* Effect.fork(socket.run(() => {}))
        const peer1 = yield* accept
        expect((yield* readToEnd(peer1)).length).toBe(0)
        yield* peer1.shutdown("write")
        expect(yield* Fiber.await(first)).toStrictEqual(Exit.void)
        // A new writer on the second connection is not affected.
        const write = yield* socket.writer
        const second = yield* Effect.fork(socket.run(() => {}))
        const peer2 = yield* accept
        yield* write("still open")
        expect(decoder.decode(yield* readExactly(peer2, 10))).toBe("still open")
        yield* Fiber.interrupt(second)
      }).pipe(provideRuntime))

    it.scopedLive("writing a CloseEvent closes the connection and ends run with a Close error", () =>
      Effect.gen(function*() {
        const { peer, run, socket } = yield* openRun(transport)
        const write = yield* socket.writer
        yield* write("last words")
        yield* write(new Socket.CloseEvent(4000, "done"))
        const failure = yield* Effect.flip(Fiber.join(run))
        expect(Socket.SocketCloseError.is(failure)).toBe(true)
        expect(failure).toMatchObject({ reason: "Close", code: 4000, closeReason: "done" })
        expect(decoder.decode(yield* readToEnd(peer))).toBe("last words")
      }).pipe(provideRuntime))

    it.scopedLive("a clean EOF from the peer ends run successfully, after the handler effects started", () =>
      Effect.gen(function*() {
        const { accept, options } = yield* transport.listen
        const socket = yield* ReactorSocket.makeNet(options)
        const handled: Array<string> = []
        const run = yield* Effect.fork(
          socket.run((chunk) =>
            Effect.sleep("20 millis").pipe(Effect.zipRight(Effect.sync(() => handled.push(decoder.decode(chunk)))))
          )
        )
        const peer = yield* accept
        yield* peer.writeAll(bytes("bye"))
        yield* peer.shutdown("write")
        expect(yield* Fiber.await(run)).toStrictEqual(Exit.void)
        expect(handled.join("")).toBe("bye")
      }).pipe(provideRuntime))

    it.scopedLive("run is interruptible, and its connection is closed when it ends", () =>
      Effect.gen(function*() {
        const { peer, run } = yield* openRun(transport)
        const exit = yield* Fiber.interrupt(run)
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect((yield* readToEnd(peer)).length).toBe(0)
      }).pipe(provideRuntime))

    it.scopedLive("a failing handler effect fails run and closes the connection", () =>
      Effect.gen(function*() {
        const { accept, options } = yield* transport.listen
        const socket = yield* ReactorSocket.makeNet(options)
        const run = yield* Effect.fork(socket.run(() => Effect.fail("rejected" as const)))
        const peer = yield* accept
        yield* peer.writeAll(bytes("anything"))
        expect(yield* Fiber.await(run)).toStrictEqual(Exit.fail("rejected"))
        expect((yield* readToEnd(peer)).length).toBe(0)
      }).pipe(provideRuntime))

    it.scopedLive("a connect failure fails run with reason Open", () =>
      Effect.gen(function*() {
        const options = yield* transport.unreachable
        const socket = yield* ReactorSocket.makeNet(options)
        const error = yield* Effect.flip(socket.run(() => {}))
        expect(error).toMatchObject({ _tag: "SocketError", reason: "Open" })
      }).pipe(provideRuntime))

    it.scopedLive("hands over every byte in order, each chunk its own copy (1 MiB)", () =>
      Effect.gen(function*() {
        const { accept, options } = yield* transport.listen
        const socket = yield* ReactorSocket.makeNet({ ...options, readBufferSize: 4096 })
        const c = yield* collector
        const run = yield* Effect.fork(socket.run(c.handler))
        const peer = yield* accept
        const payload = new Uint8Array(1024 * 1024).map((_, i) => (i * 7 + (i >> 12)) & 0xff)
        yield* peer.writeAll(payload)
        yield* peer.shutdown("write")
        expect(yield* Fiber.await(run)).toStrictEqual(Exit.void)
        expect(c.chunks.every((chunk) => chunk.length <= 4096)).toBe(true)
        expect(Buffer.from(concat(c.chunks)).equals(Buffer.from(payload))).toBe(true)
      }).pipe(provideRuntime))

    it.scopedLive("concurrent writes are not interleaved", () =>
      Effect.gen(function*() {
        const { peer, run, write } = yield* writerRun(transport)
        const size = 512 * 1024
        const blocks = [1, 2, 3, 4].map((n) => new Uint8Array(size).fill(n))
        const reading = yield* Effect.fork(readExactly(peer, size * blocks.length))
        yield* Effect.forEach(blocks, write, { concurrency: "unbounded", discard: true })
        const received = yield* Fiber.join(reading)
        for (let b = 0; b < blocks.length; b++) {
          const block = received.subarray(b * size, (b + 1) * size)
          expect(block.every((x) => x === block[0])).toBe(true)
        }
        yield* Fiber.interrupt(run)
      }).pipe(provideRuntime))

    it.scopedLive("a write interrupted while it waits for its turn leaves the others in order", () =>
      Effect.gen(function*() {
        const { peer, run, write } = yield* writerRun(transport)
        // The peer does not read yet: the first write fills the socket buffers and holds the connection.
        const big = new Uint8Array(8 * 1024 * 1024).fill(1)
        const first = yield* Effect.fork(write(big))
        yield* awaitSuspended(first)
        const second = yield* Effect.fork(write(new Uint8Array(1024 * 1024).fill(2)))
        yield* awaitSuspended(second)
        const third = yield* Effect.fork(write(new Uint8Array(1024 * 1024).fill(3)))
        yield* awaitSuspended(third)
        expect(first.unsafePoll()).toBeNull()
        yield* Fiber.interrupt(second)
        const received = yield* readExactly(peer, big.length + 1024 * 1024)
        yield* Fiber.join(first)
        yield* Fiber.join(third)
        expect(received.subarray(0, big.length).every((x) => x === 1)).toBe(true)
        expect(received.subarray(big.length).every((x) => x === 3)).toBe(true)
        yield* Fiber.interrupt(run)
      }).pipe(provideRuntime))

    it.scopedLive("strings are written as UTF-8, and the handler's effects see the connection", () =>
      Effect.gen(function*() {
        const { accept, options } = yield* transport.listen
        const socket = yield* ReactorSocket.makeNet(options)
        const write = yield* socket.writer
        const seen = yield* Deferred.make<string>()
        const run = yield* Effect.fork(socket.run(() =>
          // `run`'s type cannot remove the tag from the handler's requirements (as with Node's `NetSocket`).
          Effect.flatMap(
            Effect.serviceOption(ReactorSocket.Connection),
            (conn) => Deferred.succeed(seen, conn._tag === "Some" ? conn.value.remoteAddress._tag : "none")
          )
        ))
        const peer = yield* accept
        yield* write("héllo")
        expect(decoder.decode(yield* readExactly(peer, 6))).toBe("héllo")
        yield* peer.writeAll(bytes("x"))
        expect(yield* Deferred.await(seen)).toBe(transport.name === "tcp" ? "Inet" : "Unix")
        yield* Fiber.interrupt(run)
      }).pipe(provideRuntime))

    it.scopedLive("layerNet provides a Socket usable through Socket.toChannel", () =>
      Effect.gen(function*() {
        const { accept, options } = yield* transport.listen
        const replies = yield* Effect.fork(
          Stream.make("a", "b", "c").pipe(
            Stream.pipeThroughChannel(Socket.makeChannel()),
            Stream.runCollect,
            Effect.provide(ReactorSocket.layerNet(options))
          )
        )
        const peer = yield* accept
        expect(decoder.decode(yield* readToEnd(peer))).toBe("abc")
        yield* peer.writeAll(bytes("ok"))
        yield* peer.shutdown("write")
        expect(text(Chunk.toReadonlyArray(yield* Fiber.join(replies)))).toBe("ok")
      }).pipe(provideRuntime))
  })
}

describe("ReactorSocket options", () => {
  it.scopedLive("openTimeout bounds the connect: run fails with reason OpenTimeout", () =>
    Effect.gen(function*() {
      const socket = yield* ReactorSocket.fromStream(Effect.never, { openTimeout: "30 millis" })
      const error = yield* Effect.flip(socket.run(() => {}))
      expect(error).toMatchObject({ _tag: "SocketError", reason: "OpenTimeout" })
    }).pipe(provideRuntime))

  it.live("bad options fail makeNet and fromStream with an Open SocketError whose cause is InvalidArgument", () =>
    Effect.gen(function*() {
      const bad: ReadonlyArray<unknown> = [
        { port: 1, readBufferSize: 0 },
        { port: 1, readBufferSize: 1.5 },
        { port: 1, readBufferSize: Number.NaN },
        { port: 1, writableHighWaterMark: -1 },
        { port: 1, openTimeout: "soon" },
        { port: 1, openTimeout: -5 },
        { port: 1, openTimeout: Symbol("t") },
        null,
        7
      ]
      for (const options of bad) {
        // Inside the Effect: building it never throws.
        const error = yield* Effect.flip(ReactorSocket.makeNet(options as ReactorSocket.NetConnectOptions))
        expect(error).toMatchObject({ _tag: "SocketError", reason: "Open", cause: { reason: "InvalidArgument" } })
      }
      const fromStream = yield* Effect.flip(ReactorSocket.fromStream(Effect.never, { readBufferSize: 0 }))
      expect(fromStream).toMatchObject({ reason: "Open", cause: { reason: "InvalidArgument" } })
    }).pipe(provideRuntime))
})

describe("ReactorSocket resources", () => {
  it.live("no file descriptor outlives the runtime after runs that succeed, fail and are interrupted", () =>
    Effect.gen(function*() {
      const before = fdCount()
      yield* Effect.scoped(Effect.gen(function*() {
        const { accept, options } = yield* transports[0]!.listen
        const socket = yield* ReactorSocket.makeNet(options)
        for (let i = 0; i < 10; i++) {
          const run = yield* Effect.fork(socket.run(() => {}))
          const peer = yield* accept
          if (i % 2 === 0) yield* peer.shutdown("write")
          else yield* Effect.sleep("1 millis")
          yield* Fiber.interrupt(run)
        }
      })).pipe(Effect.provide(ReactorRuntime.layer))
      yield* eventually(() => fdCount() <= before)
    }))
})

/**
 * A connection whose kernel buffer takes `room` bytes in all through `pollWrite` (then -EAGAIN), whose `writeAll`
 * waits while `full` is closed, and whose sends fail with `failure` when it is set. `sent` lists what went out.
 */
class FakeConnection implements reactorSocket.Connection<IoError> {
  readonly sent: Array<string> = []
  room = Number.POSITIVE_INFINITY
  failure: IoError | undefined = undefined
  readonly drained = Effect.unsafeMakeLatch(true)
  private readonly decoder = new TextDecoder()
  read = () => Effect.die("not read in these tests")
  shutdown = () => Effect.void
  pollWrite = (_waker: Waker.Waker, bytes: Uint8Array): number => {
    if (this.failure !== undefined) return -Os.constants.errno.EPIPE
    const n = Math.min(this.room, bytes.length)
    if (n === 0) return -Os.constants.errno.EAGAIN
    this.room -= n
    this.sent.push(this.decoder.decode(bytes.subarray(0, n)))
    return n
  }
  writeAll = (bytes: Uint8Array): Effect.Effect<void, IoError> =>
    this.failure !== undefined
      ? Effect.fail(this.failure)
      : Effect.zipRight(this.drained.await, Effect.sync(() => void this.sent.push(this.decoder.decode(bytes))))
  removeWaker = () => {}
}

describe("EchoShortcut (the read loop runs an echo's write itself)", () => {
  const setup = () => {
    const conn = new FakeConnection()
    const lock = new reactorSocket.WriteLock(conn)
    const echo = new reactorSocket.EchoShortcut()
    // What the read loop forks; these effects need nothing from the context.
    const forked: Array<Effect.Effect<unknown, unknown>> = []
    // What the socket's writer returns for a chunk, kept by the shortcut as `write` does.
    const write = (chunk: string) => {
      const effect = lock.writeAll(bytes(chunk))
      echo.made(effect, chunk)
      return effect
    }
    const run = (effect: Effect.Effect<unknown, unknown>) =>
      echo.run(effect, lock, (fiber) => forked.push(fiber as Effect.Effect<unknown, unknown>))
    return { conn, lock, echo, forked, write, run }
  }

  it.effect("the write just made is sent at once, without a fiber, and only once", () =>
    Effect.gen(function*() {
      const { conn, forked, run, write } = setup()
      const effect = write("abc")
      run(effect)
      expect(conn.sent).toEqual(["abc"])
      expect(forked).toEqual([])
      // Handed back again, it is no longer the write just made: forked as it is, and sent when that fiber runs.
      run(effect)
      expect(forked).toEqual([effect])
      yield* forked[0]!
      expect(conn.sent).toEqual(["abc", "abc"])
    }))

  it.effect("any other effect is forked as it is: an earlier write, another effect, a CloseEvent's write", () =>
    Effect.gen(function*() {
      const { conn, echo, forked, run, write } = setup()
      const earlier = write("a")
      write("b")
      run(earlier)
      const other = Effect.void
      run(other)
      const close = Effect.void
      echo.made(close, new Socket.CloseEvent())
      run(close)
      expect(forked).toEqual([earlier, other, close])
      expect(conn.sent).toEqual([])
      // With no connection open there is nothing to try: the write just made is forked too.
      const orphan = write("c")
      echo.run(orphan, undefined, (fiber) => forked.push(fiber as Effect.Effect<unknown, unknown>))
      expect(forked.at(-1)).toBe(orphan)
    }))

  it.live("a write the socket takes in part: the rest is forked holding the lock, so later writes go after it", () =>
    Effect.gen(function*() {
      const { conn, forked, lock, run, write } = setup()
      conn.room = 2
      conn.drained.unsafeClose()
      run(write("abcdef"))
      expect(conn.sent).toEqual(["ab"])
      expect(forked).toHaveLength(1)
      const rest = yield* Effect.fork(forked[0]!)
      const later = yield* Effect.fork(lock.writeAll(bytes("XYZ")))
      yield* awaitSuspended(later)
      conn.drained.unsafeOpen()
      yield* Fiber.join(rest)
      yield* Fiber.join(later)
      expect(conn.sent).toEqual(["ab", "cdef", "XYZ"])
    }))

  it.live("with a write in flight, the echo is forked as it is and waits its turn behind it", () =>
    Effect.gen(function*() {
      const { conn, forked, lock, run, write } = setup()
      conn.room = 0
      conn.drained.unsafeClose()
      const first = yield* Effect.fork(lock.writeAll(bytes("first")))
      yield* awaitSuspended(first)
      const echoed = write("echo")
      run(echoed)
      expect(forked).toEqual([echoed])
      const second = yield* Effect.fork(forked[0]!)
      yield* awaitSuspended(second)
      expect(conn.sent).toEqual([])
      conn.drained.unsafeOpen()
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      expect(conn.sent).toEqual(["first", "echo"])
    }))

  it.effect("a send that fails is forked as it is, and its fiber fails with the write's error", () =>
    Effect.gen(function*() {
      const { conn, forked, run, write } = setup()
      conn.failure = ioError.closed("send")
      const effect = write("lost")
      run(effect)
      expect(forked).toEqual([effect])
      const error = yield* Effect.flip(forked[0]!)
      expect(error).toMatchObject({ _tag: "SocketError", reason: "Write", cause: conn.failure })
      expect(conn.sent).toEqual([])
    }))
})
