/**
 * TcpListener: binding (port 0, IPv6, AddressInUse, bad input), accepting until EAGAIN (1000 connections in few
 * turns), the connections stream and its ownership, the future face, and interruption.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as ChildProcess from "node:child_process"
import * as Net from "node:net"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { binding } from "../src/internal/native.js"
import * as Reactor from "../src/Reactor.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as TcpListener from "../src/TcpListener.js"
import * as TcpStream from "../src/TcpStream.js"
import * as Waker from "../src/Waker.js"
import { fdCount, FdScope } from "./utils/fds.js"
import { awaitParked, parkedWakers } from "./utils/registration.js"
import { bytes, eventually, readExactly } from "./utils/sockets.js"

const failureReason = <A, E extends { readonly reason: string }>(exit: Exit.Exit<A, E>): string | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.reason : undefined

const portOf = (listener: TcpListener.TcpListener): number => listener.localAddress.port

describe("TcpListener", () => {
  it.live("port 0 binds a real port, on IPv4 and IPv6", () =>
    Effect.scoped(Effect.gen(function*() {
      const v4 = yield* TcpListener.bind({ port: 0 })
      const v6 = yield* TcpListener.bind({ host: "::1", port: 0 })
      expect(v4.localAddress).toMatchObject({ _tag: "Inet", family: "IPv4", address: "127.0.0.1" })
      expect(v6.localAddress).toMatchObject({ _tag: "Inet", family: "IPv6", address: "::1" })
      expect(portOf(v4)).toBeGreaterThan(0)
      expect(portOf(v6)).toBeGreaterThan(0)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("a bound port is AddressInUse; reusePort lets two listeners share it", () =>
    Effect.scoped(Effect.gen(function*() {
      const before = fdCount()
      const first = yield* TcpListener.bind({ port: 0 })
      const exit = yield* Effect.exit(TcpListener.bind({ port: portOf(first) }))
      expect(failureReason(exit)).toBe("AddressInUse")
      // The error names the address, as Node's do.
      const inUse = yield* Effect.flip(TcpListener.bind({ host: "127.0.0.1", port: portOf(first) }))
      expect([inUse.address, inUse.message]).toEqual([
        `127.0.0.1:${portOf(first)}`,
        `bind EADDRINUSE: address already in use 127.0.0.1:${portOf(first)}`
      ])
      expect(fdCount()).toBe(before + 1)
      const a = yield* TcpListener.bind({ port: 0, reusePort: true })
      const b = yield* TcpListener.bind({ port: portOf(a), reusePort: true })
      expect(portOf(b)).toBe(portOf(a))
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("bad input is a typed error", () =>
    Effect.gen(function*() {
      const reasons = yield* Effect.all(
        [
          TcpListener.bind({ port: 70000 }),
          TcpListener.bind({ port: 0, backlog: -1 }),
          TcpListener.bind({ host: "999.1.1.1", port: 0 }),
          TcpListener.bind({ host: "10.255.255.1", port: 0 })
        ].map((effect) => Effect.scoped(effect).pipe(Effect.flip, Effect.map((error) => error.reason)))
      )
      expect(reasons).toEqual(["InvalidArgument", "InvalidArgument", "InvalidAddress", "AddressNotAvailable"])
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("1000 connections arriving together are all accepted, in few turns", () =>
    Effect.scoped(Effect.gen(function*() {
      const listener = yield* TcpListener.bind({ port: 0, backlog: 2048 })
      const port = portOf(listener)
      const fds = new FdScope()
      yield* Effect.addFinalizer(() => Effect.sync(() => fds.closeAll()))
      for (let i = 0; i < 1000; i++) fds.connecting(port)
      yield* Effect.sleep("50 millis")
      const chunks: Array<number> = []
      let total = 0
      yield* listener.connections.pipe(
        Stream.mapChunks((chunk) => {
          chunks.push(chunk.length)
          return chunk
        }),
        Stream.take(1000),
        Stream.runForEach((connection) => {
          total++
          return connection.close
        })
      )
      expect(total).toBe(1000)
      // accept4 until EAGAIN, 1024 at a time: everything queued comes in one or two chunks.
      expect(chunks.length).toBeLessThanOrEqual(3)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("1000 concurrent clients are all served by an echo server", () =>
    Effect.scoped(Effect.gen(function*() {
      const listener = yield* TcpListener.bind({ port: 0, backlog: 2048 })
      const port = portOf(listener)
      yield* Effect.forkScoped(listener.connections.pipe(
        Stream.runForEach((connection) =>
          Effect.forkDaemon(
            Stream.run(connection.stream(), connection.sink).pipe(Effect.ensuring(connection.close), Effect.ignore)
          )
        )
      ))
      const results = yield* Effect.all(
        Array.from({ length: 1000 }, (_, i) =>
          Effect.scoped(Effect.gen(function*() {
            const client = yield* TcpStream.connect({ port })
            yield* client.writeAll(bytes(`client-${i}`))
            return yield* readExactly(client, `client-${i}`.length)
          }))),
        { concurrency: "unbounded" }
      )
      expect(results.every((echo, i) => echo === `client-${i}`)).toBe(true)
    })).pipe(Effect.provide(ReactorRuntime.layer)), 30_000)

  it.live("connections belong to the listener: closing its scope closes them", () =>
    Effect.gen(function*() {
      const before = fdCount()
      const reactor = yield* Reactor.Reactor
      const registered = reactor.registrations
      const fds = new FdScope()
      yield* Effect.scoped(Effect.gen(function*() {
        const listener = yield* TcpListener.bind({ port: 0 })
        for (let i = 0; i < 5; i++) fds.connecting(portOf(listener))
        // Take two, leave the rest pending in the listener's backlog.
        yield* listener.connections.pipe(Stream.take(2), Stream.runDrain)
      }))
      fds.closeAll()
      expect(reactor.registrations).toBe(registered)
      expect(fdCount()).toBe(before)
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("interrupting a pending accept removes its waker; closing the listener fails accept with Closed", () =>
    Effect.gen(function*() {
      const before = fdCount()
      yield* Effect.scoped(Effect.gen(function*() {
        const listener = yield* TcpListener.bind({ port: 0 })
        const accepting = yield* Effect.fork(Effect.scoped(listener.accept))
        yield* awaitParked(listener)
        yield* Fiber.interrupt(accepting)
        expect(parkedWakers(listener)).toBe(0)
        const again = yield* Effect.fork(Effect.exit(Effect.scoped(listener.accept)))
        yield* awaitParked(listener)
        yield* listener.close
        expect(failureReason(yield* Fiber.join(again))).toBe("Closed")
      }))
      expect(fdCount()).toBe(before)
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("pollAccept: -EAGAIN with the waker parked, then raw fds to adopt with fromFd", () =>
    Effect.scoped(Effect.gen(function*() {
      const listener = yield* TcpListener.bind({ port: 0 })
      let woken = 0
      const waker = Waker.make(() => void woken++)
      const out = new Int32Array(8)
      expect(listener.pollAccept(waker, out)).toBe(-binding.constants.EAGAIN)
      const client = yield* TcpStream.connect({ port: portOf(listener) })
      yield* eventually(() => woken === 1)
      expect(listener.pollAccept(waker, out)).toBe(1)
      const server = yield* TcpStream.fromFd(out[0]!)
      expect(server.remoteAddress).toEqual(client.localAddress)
      yield* client.writeAll(bytes("adopted"))
      expect(yield* readExactly(server, 7)).toBe("adopted")
      listener.removeWaker(waker)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("unsafeFromFd: accepted fds become streams without a Scope; unsafeClose deregisters and closes", () =>
    Effect.scoped(Effect.gen(function*() {
      const listener = yield* TcpListener.bind({ port: 0 })
      const reactor = yield* Reactor.Reactor
      const out = new Int32Array(8)
      const client = yield* TcpStream.connect({ port: portOf(listener) })
      let accepted = 0
      yield* eventually(() => (accepted ||= Math.max(0, listener.pollAccept(Waker.noop, out))) === 1)
      const before = fdCount()
      const registered = reactor.registrations
      const server = TcpStream.unsafeFromFd(reactor, out[0]!, { noDelay: true })
      expect(reactor.registrations).toBe(registered + 1)
      expect(server.remoteAddress).toEqual(client.localAddress)
      yield* client.writeAll(bytes("unsafe"))
      expect(yield* readExactly(server, 6)).toBe("unsafe")
      server.unsafeClose()
      server.unsafeClose()
      expect(server.closed).toBe(true)
      expect(reactor.registrations).toBe(registered)
      expect(fdCount()).toBe(before - 1)
      // The peer sees the close.
      expect(yield* client.read(new Uint8Array(4))).toBe(0)
      // Bad input throws an IoError and registers nothing; a failed adoption leaves the fd to the caller.
      const reasonOf = (f: () => unknown): unknown => {
        try {
          f()
          return "no error"
        } catch (error) {
          return (error as { readonly reason?: unknown }).reason
        }
      }
      const fds = new FdScope()
      yield* Effect.addFinalizer(() => Effect.sync(() => fds.closeAll()))
      const [readEnd] = fds.pipe()
      expect(reasonOf(() => TcpStream.unsafeFromFd(reactor, -1))).toBe("InvalidArgument")
      expect(reasonOf(() => TcpStream.unsafeFromFd(reactor, readEnd))).toBe("Os") // ENOTSOCK
      expect(reasonOf(() => TcpStream.unsafeFromFd(reactor, readEnd, { noDelay: "yes" as never }))).toBe(
        "InvalidArgument"
      )
      expect(reactor.registrations).toBe(registered)
      expect(binding.read(readEnd, new Uint8Array(1))).toBe(-binding.constants.EAGAIN)
    })).pipe(Effect.provide(ReactorRuntime.layer)))
})

/**
 * Runs test/fixtures/accept-storm.ts under `ulimit -n 256` and connects 600 clients to it. Once the server is short of
 * descriptors, measures its CPU over a second, then ends the greeted clients as they come, freeing descriptors, until
 * every client was greeted (the queued connections accepted) or 30 s pass.
 */
const storm = async (mode: "connections" | "platform" | "future") => {
  const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
  const server = ChildProcess.spawn(
    "/bin/sh",
    ["-c", `ulimit -n 256 && exec "${process.execPath}" --import tsx test/fixtures/accept-storm.ts ${mode}`],
    { cwd: root, stdio: ["pipe", "pipe", "pipe"] }
  )
  let stdout = ""
  let stderr = ""
  server.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
  server.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  const emfileLines = () => stderr.split("\n").filter((line) => line.includes("EMFILE"))
  const clients: Array<Net.Socket> = []
  const until = async (condition: () => boolean, ms: number, what: string) => {
    const deadline = performance.now() + ms
    while (!condition()) {
      if (performance.now() > deadline) throw new Error(`${mode}: no ${what} within ${ms} ms; stderr: ${stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
  try {
    await until(() => /port \d+/.test(stdout), 20_000, "port")
    const port = Number(/port (\d+)/.exec(stdout)![1])
    let greeted = 0
    for (let i = 0; i < 600; i++) {
      const client = Net.connect({ host: "127.0.0.1", port })
      client.on("error", () => {})
      client.once("data", () => {
        greeted++
        ;(client as Net.Socket & { greeted?: boolean }).greeted = true
      })
      clients.push(client)
    }
    await until(() => stdout.includes("throttled"), 20_000, "throttling")
    await new Promise((resolve) => setTimeout(resolve, 1000))
    server.stdin.write("cpu\n")
    await until(() => /\{"cpuMs"/.test(stdout), 5000, "CPU report")
    const cpu = JSON.parse(/\{"cpuMs".*\}/.exec(stdout)![0]) as { cpuMs: number; wallMs: number }
    const greetedWhileShort = greeted
    // The first episode has lasted over a second of retries by now (5, 10, 20, ... ms): one report so far.
    const warningsWhileShort = emfileLines().length
    const ended = new Set<Net.Socket>()
    await until(
      () => {
        for (const client of clients) {
          if ((client as Net.Socket & { greeted?: boolean }).greeted === true && !ended.has(client)) {
            ended.add(client)
            client.end()
          }
        }
        return greeted === clients.length
      },
      30_000,
      "greeting for every client"
    )
    const warnings = emfileLines()
    return { cpu, greetedWhileShort, greeted, warnings, warningsWhileShort }
  } finally {
    for (const client of clients) client.destroy()
    server.kill("SIGKILL")
  }
}

describe("TcpListener under descriptor exhaustion (ulimit -n 256, 600 clients)", () => {
  it.each(["connections", "platform", "future"] as const)(
    "%s: backs off without spinning, says so once, and serves the queued connections once descriptors are free",
    async (mode) => {
      const { cpu, greeted, greetedWhileShort, warnings, warningsWhileShort } = await storm(mode)
      // The figures, for the record (not asserted beyond the bounds below: the machine is shared).
      const percent = (100 * cpu.cpuMs / cpu.wallMs).toFixed(1)
      const after = greeted - greetedWhileShort
      console.log(
        `${mode}: server CPU ${percent}% over ${Math.round(cpu.wallMs)} ms while short of descriptors; ` +
          `${greetedWhileShort} greeted then, ${after} queued ones after; ${warnings.length} EMFILE log line(s)`
      )
      // The limit was reached: not every client could be greeted while the descriptors were taken.
      expect(greetedWhileShort).toBeLessThan(600)
      expect(greeted).toBe(600)
      // A listener retrying at once burns about a core (as much CPU as wall time); backing off, a few percent.
      expect(cpu.wallMs).toBeGreaterThan(900)
      expect(cpu.cpuMs / cpu.wallMs).toBeLessThan(0.15)
      // Told once per episode of shortage, not per attempt: the first episode, over a second of doubling retries
      // (at least eight attempts), said so once. Each batch of descriptors freed afterwards may start another
      // episode, as many as the batches the clients happen to end in (six were seen), so the total is not bounded.
      expect(warningsWhileShort).toBe(1)
      expect(warnings.length).toBeGreaterThanOrEqual(1)
    },
    90_000
  )
})
