/**
 * UdpSocket: round trips with sender addresses (Inet ones) on IPv4 and IPv6, connect, errors, interruption.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as UdpSocket from "../src/UdpSocket.js"
import { fdCount } from "./utils/fds.js"
import { bytes, eventually } from "./utils/sockets.js"
import { runExample } from "./utils/examples.js"

const failureReason = <A, E extends { readonly reason: string }>(exit: Exit.Exit<A, E>): string | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.reason : undefined

describe("UdpSocket", () => {
  it.each(["127.0.0.1", "::1"])("round trip with addresses over %s", (host) =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const a = yield* UdpSocket.bind({ host })
      const b = yield* UdpSocket.bind({ host })
      const receiving = yield* Effect.fork(Effect.gen(function*() {
        const buffer = new Uint8Array(64)
        const datagram = yield* b.receive(buffer)
        return { text: Buffer.from(buffer.subarray(0, datagram.bytes)).toString(), from: datagram.from }
      }))
      yield* Effect.sleep("5 millis")
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
    })).pipe(Effect.provide(ReactorRuntime.layer))))

  it.live("connect fixes the peer: send without an address, remoteAddress set", () =>
    Effect.scoped(Effect.gen(function*() {
      const a = yield* UdpSocket.bind()
      const b = yield* UdpSocket.bind()
      expect(failureReason(yield* Effect.exit(a.send(bytes("nowhere"))))).toBe("NotConnected")
      yield* a.connect({ port: b.localAddress.port })
      expect(a.remoteAddress).toEqual({ _tag: "Inet", family: "IPv4", address: "127.0.0.1", port: b.localAddress.port })
      yield* a.send(bytes("connected"))
      const buffer = new Uint8Array(64)
      const datagram = yield* b.receive(buffer)
      expect(datagram.bytes).toBe(9)
      expect(datagram.from).toEqual(a.localAddress)
      // The peer's own address is a target too.
      yield* b.connect(b.remoteAddress ?? a.localAddress)
      expect(b.remoteAddress).toEqual(a.localAddress)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  // Regression (issue 11): a datagram longer than the buffer arrived cut, reported like a short datagram.
  it.live("a datagram longer than the buffer is reported truncated; one that fits is not", () =>
    Effect.scoped(Effect.gen(function*() {
      const a = yield* UdpSocket.bind()
      const b = yield* UdpSocket.bind()
      yield* a.send(bytes("0123456789"), { port: b.localAddress.port })
      yield* a.send(bytes("0123"), { port: b.localAddress.port })
      const buffer = new Uint8Array(4)
      const long = yield* b.receive(buffer)
      expect({ bytes: long.bytes, truncated: long.truncated, text: Buffer.from(buffer).toString() }).toEqual({
        bytes: 4,
        truncated: true,
        text: "0123"
      })
      // The rest of the long datagram is gone: the next receive is the next datagram, whole.
      const exact = yield* b.receive(buffer)
      expect({ bytes: exact.bytes, truncated: exact.truncated }).toEqual({ bytes: 4, truncated: false })
    })).pipe(Effect.provide(ReactorRuntime.layer)))

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
        const registration = (a as unknown as { source: { registration: { waiters: Array<Array<unknown>> } } }).source
          .registration
        const receiving = yield* Effect.fork(a.receive(new Uint8Array(4)))
        yield* eventually(() => registration.waiters[0]!.length === 1)
        yield* Fiber.interrupt(receiving)
        expect(registration.waiters[0]!.length).toBe(0)
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
