/**
 * `ReactorSocketServer`: the server's address, its handlers, and who closes which connection when — over TCP
 * (127.0.0.1) and Unix sockets (in a temporary directory), with raw peers built from our streams.
 */
import * as Socket from "@effect/platform/Socket"
import * as SocketServer from "@effect/platform/SocketServer"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as V8 from "node:v8"
import * as Vm from "node:vm"
import type { IoError } from "../src/IoError.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as ReactorSocket from "../src/ReactorSocket.js"
import * as ReactorSocketServer from "../src/ReactorSocketServer.js"
import * as TcpStream from "../src/TcpStream.js"
import * as UnixStream from "../src/UnixStream.js"
import { runExample } from "./utils/examples.js"
import { fdCount } from "./utils/fds.js"

type Peer = TcpStream.TcpStream | UnixStream.UnixStream

interface Transport {
  readonly name: string
  readonly options: () => ReactorSocketServer.ListenOptions
  /** How a client reaches the server at `address`. */
  readonly reach: (address: SocketServer.Address) => ReactorSocket.NetConnectOptions
}

const transports: ReadonlyArray<Transport> = [
  {
    name: "tcp",
    options: () => ({ host: "127.0.0.1", port: 0 }),
    reach: (address) => address._tag === "TcpAddress" ? { host: address.hostname, port: address.port } : address
  },
  {
    name: "unix",
    options: () => ({ path: Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "reactor-server-")), "server.sock") }),
    reach: (address) => address._tag === "UnixAddress" ? { path: address.path } : { path: "/nonexistent" }
  }
]

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const bytes = (text: string): Uint8Array => encoder.encode(text)

const connect = (
  options: ReactorSocket.NetConnectOptions
): Effect.Effect<Peer, IoError, ReactorRuntime.ReactorRuntime | Scope.Scope> =>
  "path" in options ? UnixStream.connect({ path: options.path }) : TcpStream.connect(options)

/** Reads until EOF or a reset (bounded: 16 MiB, 5 s); a reset counts as the end here. */
const readToEnd = (peer: Peer): Effect.Effect<string, IoError | Error> =>
  Effect.gen(function*() {
    let out = ""
    const buffer = new Uint8Array(65536)
    for (let i = 0; i < 10_000 && out.length < 16 * 1024 * 1024; i++) {
      const n = yield* peer.read(buffer).pipe(
        Effect.catchIf((error) => error.reason === "ConnectionReset", () => Effect.succeed(0))
      )
      if (n === 0) return out
      out += decoder.decode(buffer.subarray(0, n))
    }
    return yield* Effect.fail(new Error("readToEnd: no EOF within bounds"))
  }).pipe(Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("readToEnd: timed out") }))

const eventually = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1000 && !condition(); i++) yield* Effect.sleep("5 millis")
    expect(condition()).toBe(true)
  })

/** An echo handler: what it reads it writes back, and it half-closes when the peer does. */
const echo = (socket: Socket.Socket) =>
  Effect.scoped(Effect.gen(function*() {
    const write = yield* socket.writer
    yield* socket.run(write)
  }))

const provideRuntime = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(Effect.timeout("10 seconds"), Effect.provide(ReactorRuntime.layer))

for (const transport of transports) {
  describe(`ReactorSocketServer over ${transport.name}`, () => {
    it.scopedLive("address is the real bound address", () =>
      Effect.gen(function*() {
        const options = transport.options()
        const server = yield* ReactorSocketServer.make(options)
        if ("path" in options) {
          expect(server.address).toStrictEqual({ _tag: "UnixAddress", path: options.path })
        } else {
          expect(server.address._tag).toBe("TcpAddress")
          expect(server.address).toMatchObject({ hostname: "127.0.0.1" })
          expect(server.address._tag === "TcpAddress" && server.address.port > 0).toBe(true)
        }
        // Something listens there.
        const peer = yield* connect(transport.reach(server.address))
        expect(peer.closed).toBe(false)
      }).pipe(provideRuntime))

    it.scopedLive("run hands each connection to the handler; an echo round-trips through our client socket", () =>
      Effect.gen(function*() {
        const server = yield* ReactorSocketServer.make(transport.options())
        yield* Effect.forkScoped(server.run(echo))
        for (const message of ["one", "two", "three"]) {
          const socket = yield* ReactorSocket.makeNet(transport.reach(server.address))
          // Writes the message, half-closes at the end of the input, and reads until the server closes.
          const reply = yield* Stream.make(message).pipe(
            Stream.pipeThroughChannel(Socket.toChannel(socket)),
            Stream.decodeText(),
            Stream.mkString,
            Stream.runHead
          )
          expect(reply).toStrictEqual(Option.some(message))
        }
      }).pipe(provideRuntime))

    it.scopedLive("an echo of 8 MiB sent before the peer reads anything comes back whole and in order", () =>
      Effect.gen(function*() {
        const server = yield* ReactorSocketServer.make(transport.options())
        yield* Effect.forkScoped(server.run(echo))
        const peer = yield* connect(transport.reach(server.address))
        const size = 8 * 1024 * 1024
        const payload = new Uint8Array(size).map((_, i) => (i ^ (i >> 8) ^ (i >> 16)) & 0xff)
        // The echo's writes fill both socket buffers long before the peer reads: the server must keep reading.
        yield* Effect.forkScoped(Effect.zipRight(peer.writeAll(payload), peer.shutdown("write")))
        yield* Effect.sleep("50 millis")
        const back = new Uint8Array(size)
        let offset = 0
        for (let i = 0; i < 100_000 && offset < size; i++) {
          const n = yield* peer.read(back.subarray(offset))
          if (n === 0) break
          offset += n
        }
        expect(offset).toBe(size)
        expect(Buffer.from(back).equals(Buffer.from(payload))).toBe(true)
      }).pipe(provideRuntime))

    it.scopedLive("a connection whose handler never calls run is closed when the handler ends", () =>
      Effect.gen(function*() {
        const server = yield* ReactorSocketServer.make(transport.options())
        const handled = yield* Deferred.make<void>()
        yield* Effect.forkScoped(server.run(() => Deferred.succeed(handled, undefined)))
        const peer = yield* connect(transport.reach(server.address))
        yield* Deferred.await(handled)
        expect(yield* readToEnd(peer)).toBe("")
      }).pipe(provideRuntime))

    it.scopedLive("a connection is closed when the handler's run ends, and a second run fails with Close", () =>
      Effect.gen(function*() {
        const server = yield* ReactorSocketServer.make(transport.options())
        const second = yield* Deferred.make<unknown>()
        yield* Effect.forkScoped(server.run((socket) =>
          Effect.gen(function*() {
            const write = yield* socket.writer
            yield* socket.run(() => write(new Socket.CloseEvent())).pipe(Effect.ignore)
            yield* Deferred.succeed(second, yield* Effect.flip(socket.run(() => {})))
            // Still inside the handler: the connection must already be closed.
            yield* Effect.never
          }).pipe(Effect.scoped)
        ))
        const peer = yield* connect(transport.reach(server.address))
        yield* peer.writeAll(bytes("close please"))
        expect(yield* readToEnd(peer)).toBe("")
        expect(yield* Deferred.await(second)).toMatchObject({ _tag: "SocketError", reason: "Close" })
      }).pipe(provideRuntime))

    it.scopedLive("closing the server's scope closes connections held by handlers and ones not yet accepted", () =>
      Effect.gen(function*() {
        const serverScope = yield* Scope.make()
        const options = transport.options()
        const server = yield* Scope.extend(ReactorSocketServer.make(options), serverScope)
        const reach = transport.reach(server.address)
        // Before `run`: the connection completes in the kernel and waits for an owner.
        const waiting = yield* connect(reach)
        yield* waiting.writeAll(bytes("hello?"))
        // A handler that holds its connection and never runs it.
        const held = yield* Deferred.make<void>()
        yield* server.run(() => Effect.zipRight(Deferred.succeed(held, undefined), Effect.never)).pipe(
          Effect.forkIn(serverScope)
        )
        yield* Deferred.await(held)
        const holding = yield* connect(reach)
        yield* Effect.sleep("20 millis")
        yield* Scope.close(serverScope, Exit.void)
        expect(yield* readToEnd(waiting)).toBe("")
        expect(yield* readToEnd(holding)).toBe("")
        // And nothing listens any more.
        const refused = yield* Effect.flip(connect(reach))
        expect(refused._tag).toBe("IoError")
      }).pipe(provideRuntime))

    it.scopedLive("closing the server's scope ends a run forked elsewhere quietly and closes its connections", () =>
      Effect.gen(function*() {
        const serverScope = yield* Scope.make()
        const server = yield* Scope.extend(ReactorSocketServer.make(transport.options()), serverScope)
        const held = yield* Deferred.make<void>()
        // Forked in the test's scope, not the server's.
        const running = yield* Effect.forkScoped(
          server.run(() => Effect.zipRight(Deferred.succeed(held, undefined), Effect.never))
        )
        const peer = yield* connect(transport.reach(server.address))
        yield* Deferred.await(held)
        yield* Scope.close(serverScope, Exit.void)
        expect(yield* readToEnd(peer)).toBe("")
        // No SocketServerError: the run ends as interrupted, with nothing to report.
        const exit = yield* Fiber.await(running)
        expect(Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)).toBe(true)
      }).pipe(provideRuntime))

    it.scopedLive("connections accepted while run was active are closed when run is interrupted", () =>
      Effect.gen(function*() {
        const server = yield* ReactorSocketServer.make(transport.options())
        const handlers = yield* Deferred.make<void>()
        let started = 0
        const running = yield* Effect.forkScoped(server.run(() =>
          Effect.zipRight(
            Effect.suspend(() => ++started === 2 ? Deferred.succeed(handlers, undefined) : Effect.void),
            Effect.never
          )
        ))
        const reach = transport.reach(server.address)
        const a = yield* connect(reach)
        const b = yield* connect(reach)
        yield* Deferred.await(handlers)
        yield* Fiber.interrupt(running)
        expect(yield* readToEnd(a)).toBe("")
        expect(yield* readToEnd(b)).toBe("")
        // The listener is the server's: a new run serves new connections.
        yield* Effect.forkScoped(server.run(echo))
        const c = yield* connect(reach)
        yield* c.writeAll(bytes("again"))
        yield* c.shutdown("write")
        expect(yield* readToEnd(c)).toBe("again")
      }).pipe(provideRuntime))

    it.scopedLive("a failing handler does not stop the server", () =>
      Effect.gen(function*() {
        const server = yield* ReactorSocketServer.make(transport.options())
        let calls = 0
        yield* Effect.forkScoped(server.run((socket) => ++calls === 1 ? Effect.die("first handler") : echo(socket)))
        const reach = transport.reach(server.address)
        const first = yield* connect(reach)
        expect(yield* readToEnd(first)).toBe("")
        const second = yield* connect(reach)
        yield* second.writeAll(bytes("still serving"))
        yield* second.shutdown("write")
        expect(yield* readToEnd(second)).toBe("still serving")
      }).pipe(provideRuntime))

    it.scopedLive("layer provides the SocketServer service", () =>
      Effect.gen(function*() {
        const address = yield* Effect.scoped(
          Effect.map(SocketServer.SocketServer, (server) => server.address).pipe(
            Effect.provide(ReactorSocketServer.layer(transport.options()))
          )
        )
        expect(address._tag).toBe(transport.name === "tcp" ? "TcpAddress" : "UnixAddress")
      }).pipe(provideRuntime))
  })
}

describe("ReactorSocketServer errors and resources", () => {
  it.scopedLive("binding an address in use fails with reason Open", () =>
    Effect.gen(function*() {
      const first = yield* ReactorSocketServer.make({ host: "127.0.0.1", port: 0 })
      const port = first.address._tag === "TcpAddress" ? first.address.port : 0
      const error = yield* Effect.flip(ReactorSocketServer.make({ host: "127.0.0.1", port }))
      expect(error).toMatchObject({ _tag: "SocketServerError", reason: "Open" })
    }).pipe(provideRuntime))

  it.scopedLive("noDelay: accepted connections are served with TCP_NODELAY set", () =>
    Effect.gen(function*() {
      const server = yield* ReactorSocketServer.make({ host: "127.0.0.1", port: 0, noDelay: true })
      yield* Effect.forkScoped(server.run(echo))
      const peer = yield* connect(transports[0]!.reach(server.address))
      yield* peer.writeAll(bytes("small"))
      yield* peer.shutdown("write")
      expect(yield* readToEnd(peer)).toBe("small")
    }).pipe(provideRuntime))

  it.live("no file descriptor outlives the server after served, held and waiting connections", () =>
    Effect.gen(function*() {
      const before = fdCount()
      yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* ReactorSocketServer.make({ host: "127.0.0.1", port: 0 })
        const reach = transports[0]!.reach(server.address)
        yield* Effect.forkScoped(server.run((socket) => Effect.zipRight(echo(socket), Effect.never)))
        for (let i = 0; i < 10; i++) {
          const peer = yield* connect(reach)
          if (i % 2 === 0) {
            yield* peer.writeAll(bytes("x"))
            yield* peer.shutdown("write")
          }
        }
        yield* Effect.sleep("20 millis")
      })).pipe(Effect.provide(ReactorRuntime.layer))
      yield* eventually(() => fdCount() <= before)
    }))
})

describe("ReactorSocketServer example", () => {
  it("docs/examples/chat.ts runs by itself: each client's transcript", async () => {
    expect(await runExample("chat.ts")).toEqual([
      "alice received:",
      "  welcome, alice",
      "  * bob joined",
      "  * carol joined",
      "  bob: hello alice",
      "  * carol left",
      "  bob: bye carol",
      "bob received:",
      "  welcome, bob",
      "  * carol joined",
      "  alice: hi both",
      "  * carol left",
      "  * alice left",
      "carol received:",
      "  welcome, carol",
      "  alice: hi both",
      "  bob: hello alice",
      "done"
    ])
  }, 90_000)
})

/** The bytes of ArrayBuffers this process holds after a full collection (exposed on demand: `--expose-gc`). */
const liveArrayBuffers = (): number => {
  V8.setFlagsFromString("--expose-gc")
  ;(Vm.runInNewContext("gc") as () => void)()
  return process.memoryUsage().arrayBuffers
}

describe("ReactorSocketServer options", () => {
  it.scopedLive("bad options fail make at once (reason Open, cause InvalidArgument), before any connection", () =>
    Effect.gen(function*() {
      for (const options of [{ port: 0, readBufferSize: 0 }, { port: 0, writableHighWaterMark: 2 ** 31 }, null, "x"]) {
        const error = yield* Effect.flip(ReactorSocketServer.make(options as ReactorSocketServer.ListenOptions))
        expect(error).toMatchObject({ _tag: "SocketServerError", reason: "Open", cause: { reason: "InvalidArgument" } })
      }
    }).pipe(provideRuntime))
})

describe("ReactorSocketServer backpressure", () => {
  it.scopedLive("a peer that never reads the echo: the connection stops reading, memory stays flat, others go on", () =>
    Effect.gen(function*() {
      const server = yield* ReactorSocketServer.make({ host: "127.0.0.1", port: 0 })
      yield* Effect.forkScoped(server.run(echo))
      const port = (server.address as SocketServer.TcpAddress).port
      const before = liveArrayBuffers()
      // Offers up to 128 MiB in 1 MiB writes for 3 s, reading nothing back.
      const hog = yield* TcpStream.connect({ host: "127.0.0.1", port })
      const block = new Uint8Array(1024 * 1024).fill(120)
      let offered = 0
      yield* Effect.whileLoop({
        while: () => offered < 128 * 1024 * 1024,
        body: () => Effect.map(hog.writeAll(block), () => (offered += block.length)),
        step: () => {}
      }).pipe(Effect.timeout("3 seconds"), Effect.ignore)
      const grown = liveArrayBuffers() - before
      // The kernel's buffers on both sides hold a few MiB; the server itself holds about its high-water mark.
      expect(offered).toBeLessThan(48 * 1024 * 1024)
      expect(grown).toBeLessThan(16 * 1024 * 1024)
      // Meanwhile another connection is served at once.
      const other = yield* TcpStream.connect({ host: "127.0.0.1", port })
      yield* other.writeAll(bytes("still here"))
      const reply = new Uint8Array(10)
      let got = 0
      while (got < 10) got += yield* other.read(reply.subarray(got)).pipe(Effect.timeout("2 seconds"))
      expect(decoder.decode(reply)).toBe("still here")
    }).pipe(provideRuntime))
})
