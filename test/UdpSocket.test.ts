/**
 * UdpSocket: round trips with sender addresses (Inet ones), connect and truncation, each on IPv4 and IPv6; errors,
 * interruption. There is no future face (no `pollReceive`/`pollSend`): UDP is served through Effect only.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as SocketAddress from "../src/SocketAddress.js"
import * as UdpSocket from "../src/UdpSocket.js"
import { runExample } from "./utils/examples.js"
import { fdCount } from "./utils/fds.js"
import { awaitParked, parkedWakers } from "./utils/registration.js"
import { bytes } from "./utils/sockets.js"

const failureReason = <A, E extends { readonly reason: string }>(exit: Exit.Exit<A, E>): string | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.reason : undefined

const hosts = ["127.0.0.1", "::1"]

describe("UdpSocket", () => {
  it.each(hosts)("round trip with addresses over %s", (host) =>
    Effect.runPromise(
      Effect.scoped(Effect.gen(function*() {
        const a = yield* UdpSocket.bind({ host })
        const b = yield* UdpSocket.bind({ host })
        const receiving = yield* Effect.fork(Effect.gen(function*() {
          const buffer = new Uint8Array(64)
          const datagram = yield* b.receive(buffer)
          return { text: Buffer.from(buffer.subarray(0, datagram.bytes)).toString(), from: datagram.from }
        }))
        // The receive waits for the datagram sent below.
        yield* awaitParked(b)
        expect(yield* a.send(bytes("ping"), { host, port: b.localAddress.port })).toBe(4)
        const got = yield* Fiber.join(receiving)
        expect(got.text).toBe("ping")
        expect(got.from).toEqual(a.localAddress)
        // Reply to the sender's address as reported: an Inet address, a target as it is.
        yield* b.send(bytes("pong"), got.from)
        const buffer = new Uint8Array(64)
        const reply = yield* a.receive(buffer)
        expect(Buffer.from(buffer.subarray(0, reply.bytes)).toString()).toBe("pong")
        expect(reply.from).toEqual(b.localAddress)
      })).pipe(Effect.provide(ReactorRuntime.layer))
    ))

  it.live.each(hosts)(
    "connect fixes the peer over %s: send without an address, remoteAddress set",
    (host) =>
      Effect.scoped(Effect.gen(function*() {
        const a = yield* UdpSocket.bind({ host })
        const b = yield* UdpSocket.bind({ host })
        expect(failureReason(yield* Effect.exit(a.send(bytes("nowhere"))))).toBe("NotConnected")
        yield* a.connect({ host, port: b.localAddress.port })
        expect(a.remoteAddress).toEqual(SocketAddress.inet(host, b.localAddress.port))
        yield* a.send(bytes("connected"))
        const buffer = new Uint8Array(64)
        const datagram = yield* b.receive(buffer)
        expect(datagram.bytes).toBe(9)
        expect(datagram.from).toEqual(a.localAddress)
        // An address a socket reports is a target as it is.
        expect(b.remoteAddress).toBeUndefined()
        yield* b.connect(a.localAddress)
        expect(b.remoteAddress).toEqual(a.localAddress)
      })).pipe(Effect.provide(ReactorRuntime.layer))
  )

  // Regression (issue 11): a datagram longer than the buffer arrived cut, reported like a short datagram.
  it.live.each(hosts)(
    "a datagram longer than the buffer is reported truncated over %s; one that fits is not",
    (host) =>
      Effect.scoped(Effect.gen(function*() {
        const a = yield* UdpSocket.bind({ host })
        const b = yield* UdpSocket.bind({ host })
        yield* a.send(bytes("0123456789"), b.localAddress)
        yield* a.send(bytes("0123"), b.localAddress)
        const buffer = new Uint8Array(4)
        const long = yield* b.receive(buffer)
        expect({ bytes: long.bytes, truncated: long.truncated, text: Buffer.from(buffer).toString() }).toEqual({
          bytes: 4,
          truncated: true,
          text: "0123"
        })
        expect(long.from).toEqual(a.localAddress)
        // The rest of the long datagram is gone: the next receive is the next datagram, whole.
        const exact = yield* b.receive(buffer)
        expect({ bytes: exact.bytes, truncated: exact.truncated }).toEqual({ bytes: 4, truncated: false })
      })).pipe(Effect.provide(ReactorRuntime.layer))
  )

  it.live("bad input and a closed socket are typed errors", () =>
    Effect.scoped(Effect.gen(function*() {
      expect(failureReason(yield* Effect.exit(UdpSocket.bind({ port: 70000 })))).toBe("InvalidArgument")
      expect(failureReason(yield* Effect.exit(UdpSocket.bind({ host: "999.1.1.1" })))).toBe("InvalidAddress")
      const a = yield* UdpSocket.bind()
      const inUse = yield* Effect.flip(UdpSocket.bind({ port: a.localAddress.port }))
      expect([inUse.reason, inUse.address]).toEqual(["AddressInUse", `127.0.0.1:${a.localAddress.port}`])
      expect(inUse.message).toBe(`bind EADDRINUSE: address already in use 127.0.0.1:${a.localAddress.port}`)
      expect(failureReason(yield* Effect.exit(a.send(bytes("x"), { port: 70000 })))).toBe("InvalidArgument")
      expect(failureReason(yield* Effect.exit(a.send(bytes("x"), { host: "1.2.3.999", port: 1 })))).toBe(
        "InvalidAddress"
      )
      // Targets that are no address are InvalidArgument inside the Effect, never a throw.
      for (const to of [9, null, "127.0.0.1", Symbol("to")]) {
        expect(failureReason(yield* Effect.exit(a.send(bytes("x"), to as never)))).toBe("InvalidArgument")
        expect(failureReason(yield* Effect.exit(a.connect(to as never)))).toBe("InvalidArgument")
      }
      expect(failureReason(yield* Effect.exit(UdpSocket.bind(null as never)))).toBe("InvalidArgument")
      yield* a.close
      expect(failureReason(yield* Effect.exit(a.receive(new Uint8Array(4))))).toBe("Closed")
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("interrupting a pending receive removes its waker; the scope closes the fd", () =>
    Effect.gen(function*() {
      const before = fdCount()
      yield* Effect.scoped(Effect.gen(function*() {
        const a = yield* UdpSocket.bind()
        const receiving = yield* Effect.fork(a.receive(new Uint8Array(4)))
        yield* awaitParked(a)
        yield* Fiber.interrupt(receiving)
        expect(parkedWakers(a)).toBe(0)
      }))
      expect(fdCount()).toBe(before)
    }).pipe(Effect.provide(ReactorRuntime.layer)))
})

describe("UdpSocket example", () => {
  it("docs/examples/udp.ts runs by itself and prints what it shows", async () => {
    expect(await runExample("udp.ts")).toEqual([
      "b got \"ping\" (4 bytes) from a",
      "a got \"pong\" (4 bytes) from b",
      "b connected: its peer is a",
      "a got \"no address needed\" (17 bytes) from b",
      "b got \"from a\" (6 bytes) from a",
      "b never got c's datagram: it is connected to a",
      "b got \"one\" (3 bytes) from a",
      "b got \"two\" (3 bytes) from a",
      "a sent 33 bytes; b receives them into a 12-byte buffer:",
      "b got \"a datagram l\" (12 bytes, truncated: the rest is lost) from a",
      "done"
    ])
  }, 90_000)
})
