/**
 * UnixListener: bind (a Unix address, a socket file that lives exactly as long as the listener), accept and the
 * connections stream, AddressInUse for any existing path (left as it was), errors that name the path, bad input,
 * interruption and fd counts.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { binding } from "../src/internal/native.js"
import type { IoError } from "../src/IoError.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as SocketAddress from "../src/SocketAddress.js"
import * as UnixListener from "../src/UnixListener.js"
import * as UnixStream from "../src/UnixStream.js"
import { interruptParked } from "./utils/boundary.js"
import { closesItsFds, tempDir } from "./utils/fds.js"
import { awaitParked } from "./utils/registration.js"
import { bytes, readExactly } from "./utils/sockets.js"

/** The reason `effect` fails with (a success fails the test). */
const reasonOf = <A, R>(effect: Effect.Effect<A, IoError, R>) =>
  Effect.map(Effect.flip(effect), (error) => error.reason)

const listenerDir = tempDir("effect-reactor-listener-")

describe("UnixListener", () => {
  it.live("bind: a Unix address, a socket file while it listens, gone after release", () =>
    closesItsFds(Effect.gen(function*() {
      const path = Path.join(yield* listenerDir, "app.sock")
      yield* Effect.scoped(Effect.gen(function*() {
        const listener = yield* UnixListener.bind({ path })
        const address: SocketAddress.Unix = listener.localAddress
        expect(address).toStrictEqual(SocketAddress.unix(path))
        expect(SocketAddress.format(address)).toBe(path)
        expect(Fs.statSync(path).isSocket()).toBe(true)
        expect(listener.closed).toBe(false)
      }))
      expect(Fs.existsSync(path)).toBe(false)
      // Closing early removes the file at once; the release that follows does nothing more and does not fail.
      yield* Effect.scoped(Effect.gen(function*() {
        const listener = yield* UnixListener.bind({ path, backlog: 1 })
        yield* listener.close
        expect(listener.closed).toBe(true)
        expect(Fs.existsSync(path)).toBe(false)
        expect(yield* reasonOf(Effect.scoped(listener.accept))).toBe("Closed")
      }))
      // The path is free again.
      yield* Effect.scoped(UnixListener.bind({ path }))
      expect(Fs.existsSync(path)).toBe(false)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("accept: each client a connection with Unix addresses, bytes both ways, in the order they connected", () =>
    Effect.scoped(Effect.gen(function*() {
      const path = Path.join(yield* listenerDir, "accept.sock")
      const listener = yield* UnixListener.bind({ path })
      const names = ["first", "second", "third"]
      const clients = yield* Effect.forEach(
        names,
        (name) => Effect.tap(UnixStream.connect({ path }), (client) => client.writeAll(bytes(name)))
      )
      for (const [i, name] of names.entries()) {
        const connection = yield* listener.accept
        // The server end is named by the listener's path; the client end is unnamed.
        expect(connection.localAddress).toStrictEqual(SocketAddress.unix(path))
        expect(connection.remoteAddress).toStrictEqual(SocketAddress.unix(""))
        expect(yield* readExactly(connection, name.length)).toBe(name)
        yield* connection.writeAll(bytes(`ok ${i}`))
        expect(yield* readExactly(clients[i]!, 4)).toBe(`ok ${i}`)
      }
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("connections: a stream of the clients; those it handed out close with the listener", () =>
    closesItsFds(Effect.gen(function*() {
      const path = Path.join(yield* listenerDir, "stream.sock")
      const listener = yield* UnixListener.bind({ path })
      const clients = yield* Effect.forEach([0, 1, 2], () => UnixStream.connect({ path }))
      const served = yield* Stream.runCollect(Stream.take(listener.connections, 3))
      expect(served.length).toBe(3)
      for (const connection of served) expect(connection.localAddress).toStrictEqual(SocketAddress.unix(path))
      yield* listener.close
      // Each client reads the end of the stream: its server end was closed with the listener.
      for (const client of clients) expect(yield* client.read(new Uint8Array(1))).toBe(0)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("an existing path is AddressInUse, named in the error, and left as it was", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* listenerDir
      const expectInUse = (path: string) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(UnixListener.bind({ path }))
          expect({ reason: error.reason, syscall: error.syscall, address: error.address, message: error.message })
            .toEqual({
              reason: "AddressInUse",
              syscall: "bind",
              address: path,
              message: `bind EADDRINUSE: address already in use ${path}`
            })
        })
      // Another listener's socket: it keeps its file and keeps accepting.
      const taken = Path.join(dir, "taken.sock")
      const owner = yield* UnixListener.bind({ path: taken })
      yield* expectInUse(taken)
      expect(Fs.statSync(taken).isSocket()).toBe(true)
      const client = yield* UnixStream.connect({ path: taken })
      yield* client.writeAll(bytes("still here"))
      expect(yield* readExactly(yield* owner.accept, 10)).toBe("still here")
      // A socket file nobody listens on (a process that died leaves one): bind does not take it over.
      const stale = Path.join(dir, "stale.sock")
      const raw = binding.socket(1, "stream")
      expect(binding.bind(raw, stale)).toBe(0)
      binding.close(raw)
      yield* expectInUse(stale)
      expect(Fs.statSync(stale).isSocket()).toBe(true)
      // A regular file: its contents untouched.
      const file = Path.join(dir, "file.txt")
      Fs.writeFileSync(file, "keep me")
      yield* expectInUse(file)
      expect(Fs.readFileSync(file, "utf8")).toBe("keep me")
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("errors name the path: a missing directory is NotFound, a bad path InvalidAddress; a bad backlog", () =>
    closesItsFds(Effect.gen(function*() {
      const dir = yield* listenerDir
      const missing = Path.join(dir, "no", "such", "dir.sock")
      const notFound = yield* Effect.flip(UnixListener.bind({ path: missing }))
      expect([notFound.reason, notFound.address]).toEqual(["NotFound", missing])
      expect(notFound.message).toBe(`bind ENOENT: no such file or directory ${missing}`)
      // Too long for sun_path (108 bytes with its NUL), empty, or with a NUL inside: refused before any syscall.
      for (const path of ["", Path.join(dir, "x".repeat(120)), `${dir}/a\0b`]) {
        const error = yield* Effect.flip(UnixListener.bind({ path }))
        expect(error.reason, JSON.stringify(path)).toBe("InvalidAddress")
        // Quoted (a long one cut after 64 characters, as messages quote any value).
        expect(error.message).toContain(JSON.stringify(path).slice(0, 64))
      }
      for (const path of [undefined, 7, null]) {
        expect(yield* reasonOf(UnixListener.bind({ path } as never))).toBe("InvalidAddress")
      }
      for (const backlog of [-1, 1.5, Number.NaN]) {
        const path = Path.join(dir, "backlog.sock")
        expect(yield* reasonOf(UnixListener.bind({ path, backlog }))).toBe("InvalidArgument")
        // Refused before bind: no file was made.
        expect(Fs.existsSync(path)).toBe(false)
      }
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("interrupting a pending accept leaves no waker; closing the listener fails one with Closed", () =>
    Effect.scoped(Effect.gen(function*() {
      const listener = yield* UnixListener.bind({ path: Path.join(yield* listenerDir, "pending.sock") })
      yield* interruptParked(listener, Effect.scoped(listener.accept))
      const pending = yield* Effect.fork(reasonOf(Effect.scoped(listener.accept)))
      yield* awaitParked(listener)
      yield* listener.close
      expect(yield* Fiber.join(pending)).toBe("Closed")
    })).pipe(Effect.provide(ReactorRuntime.layer)))
})
