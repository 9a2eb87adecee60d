/**
 * TcpStream over real loopback sockets: echo on IPv4 and IPv6, partial writes, half-close, resets, EPIPE, connect
 * failures and timeouts, the future face, interruption, and leaks.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as Executor from "../src/Executor.js"
import { binding } from "../src/internal/native.js"
import * as readSlab from "../src/internal/readSlab.js"
import type { IoError } from "../src/IoError.js"
import * as Reactor from "../src/Reactor.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as SimpleFuture from "../src/SimpleFuture.js"
import * as TcpListener from "../src/TcpListener.js"
import * as TcpStream from "../src/TcpStream.js"
import * as Waker from "../src/Waker.js"
import { runExample } from "./utils/examples.js"
import { fdCount, FdScope } from "./utils/fds.js"
import { awaitParked, cachedReadiness, parkedWakers } from "./utils/registration.js"
import { bytes, connectedPair, eventually, readExactly, text } from "./utils/sockets.js"

const failureReason = <A, E extends { readonly reason: string }>(exit: Exit.Exit<A, E>): string | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.reason : undefined

describe("TcpStream", () => {
  it.each(["127.0.0.1", "::1"])("echoes over %s, and reports both addresses", (host) =>
    Effect.runPromise(
      Effect.scoped(Effect.gen(function*() {
        const listener = yield* TcpListener.bind({ host, port: 0 })
        const port = (listener.localAddress as { port: number }).port
        expect(port).toBeGreaterThan(0)
        const server = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
          const connection = yield* listener.accept
          yield* Stream.run(connection.stream(), connection.sink)
          yield* connection.shutdown("write")
        })))
        const client = yield* TcpStream.connect({ host, port, noDelay: true })
        const family = host === "::1" ? "IPv6" : "IPv4"
        expect(client.remoteAddress).toEqual({ _tag: "Inet", family, address: host, port })
        expect(client.localAddress._tag).toBe("Inet")
        yield* client.writeAll(bytes("hello, "))
        yield* client.writeAll(bytes("world"))
        yield* client.shutdown("write")
        const echoed = yield* Stream.runCollect(client.stream(4))
        expect(text(Chunk.toReadonlyArray(echoed))).toBe("hello, world")
        yield* Fiber.join(server)
      })).pipe(Effect.provide(ReactorRuntime.layer))
    ))

  it.live("works on the poll(2) backend too (oneshot re-arming): a large transfer and a pending read", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      const payload = new Uint8Array(4 * 1024 * 1024).fill(7)
      const writer = yield* Effect.fork(Effect.zipRight(client.writeAll(payload), client.shutdown("write")))
      const total = yield* Stream.runFold(server.stream(), 0, (n, chunk) => n + chunk.length)
      yield* Fiber.join(writer)
      expect(total).toBe(payload.length)
      // The server's read side is at EOF now, so the pending read is the client's: it waits, then the bytes written
      // back wake it through a re-armed registration.
      const reader = yield* Effect.fork(readExactly(client, 4))
      yield* awaitParked(client)
      yield* server.writeAll(bytes("back"))
      expect(yield* Fiber.join(reader)).toBe("back")
    })).pipe(Effect.provide(ReactorRuntime.layerWith({ backend: "poll" }))))

  it.live("reads without suspending when data is there, and 0 at end of stream", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      yield* server.writeAll(bytes("abc"))
      yield* eventually(() => true)
      const buffer = new Uint8Array(8)
      expect(yield* readExactly(client, 3)).toBe("abc")
      yield* server.shutdown("write")
      expect(yield* client.read(buffer)).toBe(0)
      expect(yield* client.read(buffer)).toBe(0)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  // Regression (issue 11): a read into a buffer whose ArrayBuffer had been transferred read 0 bytes, which looks like
  // end of stream; a write of one "sent" nothing.
  it.live("a detached buffer is an InvalidArgument, also when it is detached while the read waits", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      const detached = () => {
        const buffer = new Uint8Array(8)
        structuredClone(buffer.buffer, { transfer: [buffer.buffer] })
        return buffer
      }
      const read = yield* Effect.exit(client.read(detached()))
      expect(failureReason(read)).toBe("InvalidArgument")
      expect(Exit.isFailure(read) && Cause.squash(read.cause)).toMatchObject({
        message: expect.stringMatching(/"buffer" argument must not be detached/)
      })
      expect(failureReason(yield* Effect.exit(client.write(detached())))).toBe("InvalidArgument")
      expect(failureReason(yield* Effect.exit(client.writeAll(detached())))).toBe("InvalidArgument")
      // Detached while the read waits for data: the retry after the wake-up is refused.
      const buffer = new Uint8Array(8)
      const waiting = yield* Effect.fork(Effect.exit(client.read(buffer)))
      yield* awaitParked(client)
      structuredClone(buffer.buffer, { transfer: [buffer.buffer] })
      yield* server.writeAll(bytes("late"))
      expect(failureReason(yield* Fiber.join(waiting))).toBe("InvalidArgument")
      // The stream still works, and the bytes are still there.
      expect(yield* readExactly(client, 4)).toBe("late")
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("writeAll is a description: nothing is sent until it runs, each run sends again, a run after close fails", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      const write = server.writeAll(bytes("ab"))
      expect(Effect.isEffect(write)).toBe(true)
      // Built, not run: nothing reached the client.
      expect(binding.recv(client.fd, new Uint8Array(8))).toBe(-binding.constants.EAGAIN)
      yield* write
      yield* write.pipe(Effect.zipRight(write))
      expect(yield* readExactly(client, 6)).toBe("ababab")
      server.unsafeClose()
      expect(failureReason(yield* Effect.exit(write))).toBe("Closed")
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("readChunk: the next bytes as a chunk, empty at end of stream; one Effect per maxBytes, reused", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      expect(client.readChunk()).toBe(client.readChunk(65536))
      const small = client.readChunk(4)
      expect(client.readChunk(4)).toBe(small)
      yield* server.writeAll(bytes("abcdefghij"))
      const seen: Array<string> = []
      for (let total = 0; total < 10;) {
        const chunk = yield* small
        expect(chunk.length).toBeGreaterThan(0)
        expect(chunk.length).toBeLessThanOrEqual(4)
        seen.push(text([chunk]))
        total += chunk.length
      }
      expect(seen.join("")).toBe("abcdefghij")
      // A pending readChunk waits for the next bytes.
      const pending = yield* Effect.fork(client.readChunk())
      yield* awaitParked(client)
      expect(pending.unsafePoll()).toBeNull()
      yield* server.writeAll(bytes("k"))
      expect(text([yield* Fiber.join(pending)])).toBe("k")
      yield* server.shutdown("write")
      expect((yield* client.readChunk()).length).toBe(0)
      expect((yield* client.readChunk()).length).toBe(0)
      for (
        const bad of [0, -1, 1.5, Number.NaN, "8" as unknown as number, 2 ** 31 - 1, Symbol() as unknown as number]
      ) {
        expect(failureReason(yield* Effect.exit(client.readChunk(bad)))).toBe("InvalidArgument")
      }
      yield* client.close
      expect(failureReason(yield* Effect.exit(client.readChunk()))).toBe("Closed")
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("readChunk: a thousand different sizes share at most 7 slabs; a read past 64 KiB gets a buffer of its own", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      for (let size = 1; size <= 1000; size++) {
        yield* server.writeAll(new Uint8Array([size & 255]))
        const chunk = yield* client.readChunk(size * 61)
        expect(chunk[0]).toBe(size & 255)
      }
      // One slab per power-of-two size class from 1 KiB to 64 KiB (1000 slabs, 1955 MiB, before).
      expect(readSlab.sharedCount()).toBeLessThanOrEqual(7)
      yield* server.writeAll(new Uint8Array(10).fill(7))
      const big = yield* client.readChunk(100_000)
      // A short answer to a large read is copied out: it does not keep the 100 000-byte buffer.
      expect([big.length, big.buffer.byteLength, big[9]]).toEqual([10, 10, 7])
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("readChunk: an answer of up to 4 KiB is a view of the shared slab; a larger one is a buffer of its own", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      // On loopback a write is in the peer's receive queue when writeAll returns: one read takes all of it.
      const readExactChunk = (stream: TcpStream.TcpStream, n: number) =>
        Effect.tap(stream.readChunk(), (chunk) => expect(chunk.length).toBe(n))
      const small = new Uint8Array(readSlab.MAX_VIEW).fill(1)
      const large = new Uint8Array(readSlab.MAX_VIEW + 1).map((_, i) => i % 199)
      yield* server.writeAll(small)
      const view = yield* readExactChunk(client, small.length)
      // A view: its buffer is the slab, shared with every stream's small reads.
      expect(view.buffer.byteLength).toBe(4 * 64 * 1024)
      yield* server.writeAll(large)
      const own = yield* readExactChunk(client, large.length)
      // A buffer of exactly its bytes: keeping it keeps nothing else alive.
      expect([own.byteOffset, own.buffer.byteLength]).toEqual([0, large.length])
      expect(Buffer.from(own).equals(large)).toBe(true)
      // The region it was read into is read into again; the view and the copy keep their bytes.
      yield* server.writeAll(new Uint8Array(8).fill(9))
      expect(yield* readExactChunk(client, 8)).toEqual(new Uint8Array(8).fill(9))
      expect(view.every((byte) => byte === 1)).toBe(true)
      expect(Buffer.from(own).equals(large)).toBe(true)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live.prop(
    "readChunk: two streams read into one slab in turn; every chunk kept stays intact, in order",
    [
      FastCheck.array(FastCheck.uint8Array({ minLength: 1, maxLength: 3000 }), { minLength: 1, maxLength: 40 }),
      FastCheck.integer({ min: 1, max: 2048 })
    ],
    ([messages, maxBytes]) =>
      Effect.scoped(Effect.gen(function*() {
        const a = yield* connectedPair
        const b = yield* connectedPair
        // Both streams read with the same maxBytes, so into the same shared slab; b's bytes are a's, inverted.
        const inverted = messages.map((m) => m.map((byte) => 255 - byte))
        const readAll = (stream: TcpStream.TcpStream, total: number) =>
          Effect.gen(function*() {
            const kept: Array<Uint8Array> = []
            let got = 0
            while (got < total) {
              const chunk = yield* stream.readChunk(maxBytes)
              expect(chunk.length).toBeGreaterThan(0)
              expect(chunk.length).toBeLessThanOrEqual(maxBytes)
              kept.push(chunk)
              got += chunk.length
            }
            return kept
          })
        const total = messages.reduce((n, m) => n + m.length, 0)
        const readers = yield* Effect.fork(Effect.all([readAll(a.server, total), readAll(b.server, total)], {
          concurrency: 2
        }))
        for (let i = 0; i < messages.length; i++) {
          yield* a.client.writeAll(messages[i]!)
          yield* b.client.writeAll(inverted[i]!)
        }
        const [fromA, fromB] = yield* Fiber.join(readers)
        // Checked only now, after every read: a chunk overwritten by a later read of either stream would show here.
        expect(Buffer.concat(fromA).equals(Buffer.concat(messages))).toBe(true)
        expect(Buffer.concat(fromB).equals(Buffer.concat(inverted))).toBe(true)
      })).pipe(Effect.provide(ReactorRuntime.layer)),
    { fastCheck: { numRuns: 25 } }
  )

  it.live("writeAll handles partial writes of a large buffer against a slow reader", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      const size = 8 * 1024 * 1024
      const payload = new Uint8Array(size).map((_, i) => i % 251)
      const writer = yield* Effect.fork(Effect.zipRight(client.writeAll(payload), client.shutdown("write")))
      const received = yield* Stream.runFold(server.stream(7919), { n: 0, ok: true }, (acc, chunk) => {
        for (let i = 0; i < chunk.length; i++) if (chunk[i] !== (acc.n + i) % 251) acc.ok = false
        acc.n += chunk.length
        return acc
      })
      yield* Fiber.join(writer)
      expect(received).toEqual({ n: size, ok: true })
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("stream(chunkSize): chunks of at most chunkSize, in the slab and past it, kept intact until the end", () =>
    Effect.scoped(Effect.gen(function*() {
      // 1000 reads into the shared slab (views); 100 000 into a buffer of the stream's own (copies): in both, every
      // chunk is kept until the end and must still hold its bytes, and the stream ends at end of stream.
      for (const chunkSize of [1000, 100_000]) {
        const { client, server } = yield* connectedPair
        const payload = new Uint8Array(300_000).map((_, i) => (i * 7) % 253)
        const writer = yield* Effect.fork(Effect.zipRight(client.writeAll(payload), client.shutdown("write")))
        const chunks = Chunk.toReadonlyArray(yield* Stream.runCollect(server.stream(chunkSize)))
        yield* Fiber.join(writer)
        expect(chunks.every((chunk) => chunk.length > 0 && chunk.length <= chunkSize)).toBe(true)
        expect(Buffer.concat(chunks).equals(payload)).toBe(true)
      }
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("half-close both ways: each side reads end of stream and can still write", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      yield* client.shutdown("write")
      expect(yield* server.read(new Uint8Array(4))).toBe(0)
      yield* server.writeAll(bytes("late reply"))
      expect(yield* readExactly(client, 10)).toBe("late reply")
      yield* server.shutdown("write")
      expect(yield* client.read(new Uint8Array(4))).toBe(0)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("a peer that closes with unread data resets a pending read (ConnectionReset)", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      const reader = yield* Effect.fork(Effect.exit(client.read(new Uint8Array(16))))
      yield* awaitParked(client)
      // Unread data in the server's receive buffer (its reactor has seen it arrive): close(2) sends RST instead of FIN.
      yield* client.writeAll(bytes("unread"))
      yield* eventually(() => (cachedReadiness(server) & Reactor.readable) !== 0)
      yield* server.close
      const exit = yield* Fiber.join(reader)
      expect(failureReason(exit)).toBe("ConnectionReset")
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("writing to a reset peer fails with BrokenPipe or ConnectionReset, never SIGPIPE", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      yield* client.writeAll(bytes("unread"))
      yield* eventually(() => (cachedReadiness(server) & Reactor.readable) !== 0)
      yield* server.close
      yield* Effect.sleep("10 millis")
      const exit = yield* Effect.exit(Effect.forever(client.writeAll(new Uint8Array(65536))))
      expect(["BrokenPipe", "ConnectionReset"]).toContain(failureReason(exit))
      // Once the reset has been reported, further writes are EPIPE.
      const again = yield* Effect.exit(client.write(bytes("x")))
      expect(failureReason(again)).toBe("BrokenPipe")
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("a write mid-transfer to a peer that goes away fails, does not hang", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      const writer = yield* Effect.fork(Effect.exit(client.writeAll(new Uint8Array(32 * 1024 * 1024))))
      // Mid-transfer: the socket buffers are full and the rest waits for room.
      yield* awaitParked(client, 1, "writable")
      yield* server.close
      const exit = yield* Fiber.join(writer)
      expect(["BrokenPipe", "ConnectionReset"]).toContain(failureReason(exit))
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("connect to a closed port is ConnectionRefused", () =>
    Effect.gen(function*() {
      const port = new FdScope().closedPort()
      const exit = yield* Effect.exit(Effect.scoped(TcpStream.connect({ port })))
      expect(failureReason(exit)).toBe("ConnectionRefused")
      // The error names the address, as Node's do (`connect ECONNREFUSED 127.0.0.1:1`), with what the code means.
      for (const [host, address] of [["127.0.0.1", `127.0.0.1:${port}`], ["::1", `[::1]:${port}`]] as const) {
        const refused = yield* Effect.flip(Effect.scoped(TcpStream.connect({ host, port })))
        expect([refused.reason, refused.address, refused.message]).toEqual([
          "ConnectionRefused",
          address,
          `connect ECONNREFUSED: connection refused ${address}`
        ])
      }
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("connect times out against a full backlog (loopback only)", () =>
    Effect.scoped(Effect.gen(function*() {
      const before = fdCount()
      const listener = yield* TcpListener.bind({ port: 0, backlog: 0 })
      const port = (listener.localAddress as { port: number }).port
      // Fill the accept queue: with nobody accepting, later SYNs are dropped and their connects stay pending.
      const fds = new FdScope()
      yield* Effect.addFinalizer(() => Effect.sync(() => fds.closeAll()))
      for (let i = 0; i < 8; i++) fds.connecting(port)
      yield* Effect.sleep("20 millis")
      const start = Date.now()
      const exit = yield* Effect.exit(Effect.scoped(TcpStream.connect({ port, timeout: "150 millis" })))
      expect(failureReason(exit)).toBe("TimedOut")
      expect(Date.now() - start).toBeLessThan(2000)
      const reactor = yield* Reactor.Reactor
      expect(reactor.registrations).toBe(1)
      fds.closeAll()
      yield* listener.close
      expect(fdCount()).toBe(before)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("bad input is a typed error", () =>
    Effect.gen(function*() {
      const reasons = yield* Effect.all([
        TcpStream.connect({ port: 70000 }),
        TcpStream.connect({ port: -1 }),
        TcpStream.connect({ port: 1.5 }),
        TcpStream.connect({ host: "999.1.1.1", port: 80 }),
        TcpStream.connect({ host: "", port: 80 }),
        TcpStream.connect({ host: "::zz", port: 80 }),
        TcpStream.connect({ port: 80, timeout: "soon" as never }),
        TcpStream.fromFd(-1)
      ].map((effect) => Effect.scoped(effect).pipe(Effect.flip, Effect.map((error) => error.reason))))
      expect(reasons).toEqual([
        "InvalidArgument",
        "InvalidArgument",
        "InvalidArgument",
        "InvalidAddress",
        "InvalidAddress",
        "InvalidAddress",
        "InvalidArgument",
        "InvalidArgument"
      ])
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("a closed stream fails with Closed, and the stream's operations check their arguments", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client } = yield* connectedPair
      const chunked = yield* Effect.exit(Stream.runDrain(client.stream(0)))
      expect(failureReason(chunked)).toBe("InvalidArgument")
      expect(failureReason(yield* Effect.exit(client.shutdown("sideways" as never)))).toBe("InvalidArgument")
      yield* client.close
      yield* client.close
      expect(client.closed).toBe(true)
      const operations: ReadonlyArray<Effect.Effect<unknown, IoError>> = [
        client.read(new Uint8Array(1)),
        client.write(bytes("x")),
        client.writeAll(bytes("x")),
        client.shutdown("both"),
        client.setNoDelay(true)
      ]
      for (const operation of operations) {
        expect(failureReason(yield* Effect.exit(operation))).toBe("Closed")
      }
      expect(client.pollRead(Waker.noop, new Uint8Array(1))).toBeLessThan(0)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("closing a stream fails its pending read with Closed and leaves no waker", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client } = yield* connectedPair
      const reader = yield* Effect.fork(Effect.exit(client.read(new Uint8Array(4))))
      yield* awaitParked(client)
      yield* client.close
      expect(failureReason(yield* Fiber.join(reader))).toBe("Closed")
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("a short read clears the cached readiness, so the next read waits without a syscall that says EAGAIN", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      yield* server.writeAll(bytes("hello"))
      const buffer = new Uint8Array(64)
      expect(yield* client.read(buffer)).toBe(5)
      // Five bytes of 64: the receive buffer was drained, and the cache says so.
      expect(cachedReadiness(client) & Reactor.readable).toBe(0)
      const waker = Waker.make(() => {})
      expect(client.pollRead(waker, buffer)).toBe(-binding.constants.EAGAIN)
      // The next event sets it again and the read goes through.
      yield* server.writeAll(bytes("again"))
      expect(yield* client.read(buffer)).toBe(5)
      client.removeWaker("readable", waker)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("interrupting a pending read or write removes its waker; the scope closes the fd", () =>
    Effect.gen(function*() {
      const before = fdCount()
      yield* Effect.scoped(Effect.gen(function*() {
        const { client, server } = yield* connectedPair
        const reader = yield* Effect.fork(client.read(new Uint8Array(4)))
        yield* awaitParked(client)
        yield* Fiber.interrupt(reader)
        expect(parkedWakers(client)).toBe(0)
        const writer = yield* Effect.fork(Effect.forever(server.writeAll(new Uint8Array(1 << 20))))
        yield* awaitParked(server, 1, "writable")
        yield* Fiber.interrupt(writer)
        expect(parkedWakers(server, "writable")).toBe(0)
        // The socket still works after the interruptions.
        yield* client.writeAll(bytes("ok"))
        expect(yield* readExactly(server, 2)).toBe("ok")
      }))
      const reactor = yield* Reactor.Reactor
      expect(reactor.registrations).toBe(0)
      expect(fdCount()).toBe(before)
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("two fibers reading at once: both are served; interrupting either one, the slot's or the second, leaves no waker", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      // Two reads of one byte, parked in order: the first takes the direction's slot, the second waits with a
      // canceler of its own.
      const twoWaiting = Effect.gen(function*() {
        const first = yield* Effect.fork(client.read(new Uint8Array(1)))
        yield* awaitParked(client, 1)
        const second = yield* Effect.fork(client.read(new Uint8Array(1)))
        yield* awaitParked(client, 2)
        return [first, second] as const
      })
      const [first, second] = yield* twoWaiting
      yield* server.writeAll(bytes("ab"))
      expect([yield* Fiber.join(first), yield* Fiber.join(second)]).toEqual([1, 1])
      expect(parkedWakers(client)).toBe(0)
      // Interrupt the second waiter, then the slot's: each takes its own waker back, the other stays parked.
      const [slotHolder, contender] = yield* twoWaiting
      yield* Fiber.interrupt(contender)
      expect(parkedWakers(client)).toBe(1)
      yield* Fiber.interrupt(slotHolder)
      expect(parkedWakers(client)).toBe(0)
      // And the other way round: the slot's waiter goes first; the second is still served.
      const [a, b] = yield* twoWaiting
      yield* Fiber.interrupt(a)
      expect(parkedWakers(client)).toBe(1)
      yield* server.writeAll(bytes("c"))
      expect(yield* Fiber.join(b)).toBe(1)
      expect(parkedWakers(client)).toBe(0)
      yield* server.writeAll(bytes("d"))
      expect(yield* readExactly(client, 1)).toBe("d")
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("interrupting a pending connect closes its socket at once", () =>
    Effect.scoped(Effect.gen(function*() {
      const listener = yield* TcpListener.bind({ port: 0, backlog: 0 })
      const port = (listener.localAddress as { port: number }).port
      const fds = new FdScope()
      yield* Effect.addFinalizer(() => Effect.sync(() => fds.closeAll()))
      for (let i = 0; i < 8; i++) fds.connecting(port)
      yield* Effect.sleep("20 millis")
      const before = fdCount()
      const reactor = yield* Reactor.Reactor
      const registered = reactor.registrations
      const connecting = yield* Effect.fork(Effect.scoped(TcpStream.connect({ port })))
      yield* eventually(() => reactor.registrations === registered + 1)
      yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(connecting)
      expect(reactor.registrations).toBe(registered)
      expect(fdCount()).toBe(before)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("the future face: readFuture and writeAllFuture on the executor, dropping removes the waker", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, server } = yield* connectedPair
      const buffer = new Uint8Array(16)
      const reading = yield* Effect.fork(Executor.run(client.readFuture(buffer)))
      yield* awaitParked(client)
      yield* Executor.run(server.writeAllFuture(bytes("future")))
      const n = yield* Fiber.join(reading)
      expect(text([buffer.subarray(0, n)])).toBe("future")
      const pending = yield* Effect.fork(Executor.run(client.readFuture(buffer)))
      yield* awaitParked(client)
      yield* Fiber.interrupt(pending)
      expect(parkedWakers(client)).toBe(0)
      // pollRead directly: -EAGAIN with the waker parked, then the count once data arrives.
      let woken = 0
      const waker = Waker.make(() => void woken++)
      const first = client.pollRead(waker, buffer)
      expect(first).toBe(-binding.constants.EAGAIN)
      yield* server.writeAll(bytes("x"))
      yield* eventually(() => woken === 1)
      expect(client.pollRead(waker, buffer, 0, 4)).toBe(1)
      const exit = yield* Effect.exit(SimpleFuture.toEffect(SimpleFuture.succeed(1)))
      expect(Exit.isSuccess(exit)).toBe(true)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("10k connect/close cycles leak no fd and no registration", () =>
    Effect.scoped(Effect.gen(function*() {
      const listener = yield* TcpListener.bind({ port: 0, backlog: 4096 })
      const port = (listener.localAddress as { port: number }).port
      const reactor = yield* Reactor.Reactor
      const server = yield* Effect.fork(listener.connections.pipe(Stream.runForEach((connection) => connection.close)))
      const before = fdCount()
      const registered = reactor.registrations
      for (let round = 0; round < 100; round++) {
        yield* Effect.all(
          Array.from({ length: 100 }, () => Effect.scoped(TcpStream.connect({ port }))),
          { concurrency: "unbounded", discard: true }
        )
      }
      yield* eventually(() => fdCount() === before && reactor.registrations === registered)
      yield* Fiber.interrupt(server)
    })).pipe(Effect.provide(ReactorRuntime.layer)), 60_000)

  it.live.prop(
    "random chunkings of a byte stream arrive intact and in order",
    [FastCheck.array(FastCheck.uint8Array({ minLength: 0, maxLength: 70000 }), { maxLength: 12 })],
    ([chunks]) =>
      Effect.scoped(Effect.gen(function*() {
        const { client, server } = yield* connectedPair
        const total = chunks.reduce((n, chunk) => n + chunk.length, 0)
        const writer = yield* Effect.fork(
          Effect.zipRight(Stream.run(Stream.fromIterable(chunks), client.sink), client.shutdown("write"))
        )
        const received = yield* Stream.runCollect(server.stream(1000))
        yield* Fiber.join(writer)
        const joined = Buffer.concat(Chunk.toReadonlyArray(received))
        expect(joined.length).toBe(total)
        expect(joined.equals(Buffer.concat(chunks))).toBe(true)
      })).pipe(Effect.provide(ReactorRuntime.layer)),
    { fastCheck: { numRuns: 25 } }
  )
})

describe("TcpStream example", () => {
  it("docs/examples/tcp-echo.ts runs by itself and prints what it shows", async () => {
    expect(await runExample("tcp-echo.ts")).toEqual([
      "server: listening on 127.0.0.1, on a port the kernel chose",
      "server: a connection from 127.0.0.1",
      "client: sent \"hello\", got back \"hello\"",
      "client: sent \"from effect-reactor\", got back \"from effect-reactor\"",
      "client: sent \"over 127.0.0.1\", got back \"over 127.0.0.1\"",
      "client: done; half-closing (shutdown write)",
      "server: the client half-closed after 41 bytes; closing the connection",
      "client: read 0 bytes: the server closed the connection",
      "done: the scope closed the listener, its connections and the server's fibers"
    ])
  }, 90_000)
})
