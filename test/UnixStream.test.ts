/**
 * Unix domain stream sockets: echo, half-close, addresses, errors, socket file lifecycle, socketpair adoption.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { binding } from "../src/internal/native.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as UnixListener from "../src/UnixListener.js"
import * as UnixStream from "../src/UnixStream.js"
import { fdCount, FdScope, tempDir } from "./utils/fds.js"
import { bytes, readExactly, text } from "./utils/sockets.js"

const failureReason = <A, E extends { readonly reason: string }>(exit: Exit.Exit<A, E>): string | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.reason : undefined

const unixDir = tempDir("effect-reactor-")

describe("UnixStream", () => {
  it.live("echo with half-close, addresses, and the socket file removed on release", () =>
    Effect.gen(function*() {
      const before = fdCount()
      const path = yield* Effect.scoped(Effect.gen(function*() {
        const dir = yield* unixDir
        const path = Path.join(dir, "echo.sock")
        yield* Effect.scoped(Effect.gen(function*() {
          const listener = yield* UnixListener.bind({ path })
          expect(listener.localAddress).toEqual({ _tag: "Unix", path })
          expect(Fs.existsSync(path)).toBe(true)
          const server = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
            const connection = yield* listener.accept
            yield* Stream.run(connection.stream(), connection.sink)
            yield* connection.shutdown("write")
          })))
          const client = yield* UnixStream.connect({ path })
          expect(client.remoteAddress).toEqual({ _tag: "Unix", path })
          expect(client.localAddress).toEqual({ _tag: "Unix", path: "" })
          expect(failureReason(yield* Effect.exit(client.setNoDelay(true)))).toBe("Unsupported")
          yield* client.writeAll(bytes("over unix"))
          yield* client.shutdown("write")
          const echoed = yield* Stream.runCollect(client.stream(3))
          expect(text(Chunk.toReadonlyArray(echoed))).toBe("over unix")
          yield* Fiber.join(server)
        }))
        expect(Fs.existsSync(path)).toBe(false)
        return path
      }))
      expect(path.length).toBeGreaterThan(0)
      expect(fdCount()).toBe(before)
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("errors: missing path, nobody listening, existing path, bad path", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* unixDir
      const missing = Path.join(dir, "missing.sock")
      expect(failureReason(yield* Effect.exit(UnixStream.connect({ path: missing })))).toBe("NotFound")
      // A socket file nobody listens on (as a process that died leaves it): ECONNREFUSED.
      const stale = Path.join(dir, "stale.sock")
      const raw = binding.socket(1, "stream")
      expect(binding.bind(raw, stale)).toBe(0)
      binding.close(raw)
      expect(failureReason(yield* Effect.exit(UnixStream.connect({ path: stale })))).toBe("ConnectionRefused")
      // Errors name the path, as Node's do.
      const refused = yield* Effect.flip(UnixStream.connect({ path: stale }))
      expect([refused.address, refused.message]).toEqual([stale, `connect ECONNREFUSED: connection refused ${stale}`])
      const taken = Path.join(dir, "taken.sock")
      yield* UnixListener.bind({ path: taken })
      const inUse = yield* Effect.flip(UnixListener.bind({ path: taken }))
      expect([inUse.reason, inUse.message]).toEqual([
        "AddressInUse",
        `bind EADDRINUSE: address already in use ${taken}`
      ])
      expect(Fs.existsSync(taken)).toBe(true)
      expect(failureReason(yield* Effect.exit(UnixStream.connect({ path: "" })))).toBe("InvalidAddress")
      expect(failureReason(yield* Effect.exit(UnixStream.connect({ path: "x".repeat(200) })))).toBe("InvalidAddress")
      expect(failureReason(yield* Effect.exit(UnixListener.bind({ path: Path.join(dir, "no", "dir.sock") })))).toBe(
        "NotFound"
      )
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("pair: connected both ways, half-close seen as end of stream, both fds closed with the scope", () =>
    Effect.gen(function*() {
      const before = fdCount()
      yield* Effect.scoped(Effect.gen(function*() {
        const [left, right] = yield* UnixStream.pair()
        expect(fdCount()).toBe(before + 2)
        expect([left.localAddress._tag, right.remoteAddress._tag]).toEqual(["Unix", "Unix"])
        yield* left.writeAll(bytes("ping"))
        expect(yield* readExactly(right, 4)).toBe("ping")
        yield* right.writeAll(bytes("pong"))
        expect(yield* readExactly(left, 4)).toBe("pong")
        yield* left.shutdown("write")
        expect(yield* right.read(new Uint8Array(4))).toBe(0)
      }))
      expect(fdCount()).toBe(before)
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("a socketpair end is adopted with fromFd", () =>
    Effect.scoped(Effect.gen(function*() {
      const fds = new FdScope()
      const [a, b] = fds.socketpair()
      const left = yield* UnixStream.fromFd(a)
      const right = yield* UnixStream.fromFd(b)
      yield* left.writeAll(bytes("pair"))
      expect(yield* readExactly(right, 4)).toBe("pair")
      yield* right.close
      yield* left.close
    })).pipe(Effect.provide(ReactorRuntime.layer)))
})
