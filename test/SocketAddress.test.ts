/**
 * SocketAddress: the constructors (the family read from the address), `format` (brackets around IPv6), and the
 * addresses real sockets report, which are the same plain data as the constructed ones.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as SocketAddress from "../src/SocketAddress.js"
import * as TcpListener from "../src/TcpListener.js"
import * as TcpStream from "../src/TcpStream.js"
import * as UdpSocket from "../src/UdpSocket.js"

describe("SocketAddress", () => {
  it("inet reads the family from the address", () => {
    expect(SocketAddress.inet("127.0.0.1", 80)).toStrictEqual({
      _tag: "Inet",
      family: "IPv4",
      address: "127.0.0.1",
      port: 80
    })
    expect(SocketAddress.inet("::1", 443)).toStrictEqual({ _tag: "Inet", family: "IPv6", address: "::1", port: 443 })
    // An IPv4-mapped IPv6 address, and one with a zone: IPv6, spelled as given.
    expect(SocketAddress.inet("::ffff:127.0.0.1", 1).family).toBe("IPv6")
    expect(SocketAddress.inet("fe80::1%lo", 2)).toStrictEqual({
      _tag: "Inet",
      family: "IPv6",
      address: "fe80::1%lo",
      port: 2
    })
    expect(SocketAddress.inet("0.0.0.0", 0).family).toBe("IPv4")
  })

  it("unix keeps the path; an unnamed socket's is empty", () => {
    expect(SocketAddress.unix("/tmp/app.sock")).toStrictEqual({ _tag: "Unix", path: "/tmp/app.sock" })
    expect(SocketAddress.unix("")).toStrictEqual({ _tag: "Unix", path: "" })
  })

  it("format: host:port for IPv4, brackets around IPv6 (as in a URL), the path for Unix", () => {
    expect(SocketAddress.format(SocketAddress.inet("127.0.0.1", 8080))).toBe("127.0.0.1:8080")
    expect(SocketAddress.format(SocketAddress.inet("::1", 80))).toBe("[::1]:80")
    expect(SocketAddress.format(SocketAddress.inet("::", 0))).toBe("[::]:0")
    expect(SocketAddress.format(SocketAddress.inet("fe80::1%lo", 2))).toBe("[fe80::1%lo]:2")
    expect(SocketAddress.format(SocketAddress.unix("/run/app.sock"))).toBe("/run/app.sock")
    expect(SocketAddress.format(SocketAddress.unix(""))).toBe("")
    // The bracketed form is what a URL takes: it parses back to the same host and port.
    const url = new URL(`http://${SocketAddress.format(SocketAddress.inet("::1", 8080))}/`)
    expect([url.hostname, url.port]).toEqual(["[::1]", "8080"])
  })

  it("addresses are plain data: compared by value, printed and serialized as their fields", () => {
    const address = SocketAddress.inet("::1", 9)
    expect(Object.getPrototypeOf(address)).toBe(Object.prototype)
    expect(JSON.parse(JSON.stringify(address))).toStrictEqual(address)
    expect(structuredClone(address)).toStrictEqual(address)
    expect(SocketAddress.inet("::1", 9)).toStrictEqual(address)
    expect(SocketAddress.inet("::1", 10)).not.toStrictEqual(address)
  })

  it.live("the addresses sockets report are the constructors' and format like them, over IPv4 and IPv6", () =>
    Effect.scoped(Effect.gen(function*() {
      for (const host of ["127.0.0.1", "::1"]) {
        const listener = yield* TcpListener.bind({ host, port: 0 })
        const port = listener.localAddress.port
        expect(port).toBeGreaterThan(0)
        expect(listener.localAddress).toStrictEqual(SocketAddress.inet(host, port))
        const [client, server] = yield* Effect.all([TcpStream.connect({ host, port }), listener.accept], {
          concurrency: 2
        })
        expect(client.remoteAddress).toStrictEqual(SocketAddress.inet(host, port))
        expect(server.remoteAddress).toStrictEqual(client.localAddress)
        expect(SocketAddress.format(client.remoteAddress)).toBe(host === "::1" ? `[::1]:${port}` : `127.0.0.1:${port}`)
        const udp = yield* UdpSocket.bind({ host })
        expect(udp.localAddress).toStrictEqual(SocketAddress.inet(host, udp.localAddress.port))
      }
    })).pipe(Effect.provide(ReactorRuntime.layer)))
})
