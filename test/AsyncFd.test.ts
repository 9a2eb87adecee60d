/**
 * AsyncFd: readiness and try-wait-retry on a pipe and an eventfd, ownership (register vs adopt), errors, and
 * interruption.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as AsyncFd from "../src/AsyncFd.js"
import * as Interest from "../src/Interest.js"
import { binding } from "../src/internal/native.js"
import * as Reactor from "../src/Reactor.js"
import * as Runtime from "../src/Runtime.js"
import { fdCount, FdScope } from "./utils/fds.js"
import { eventually } from "./utils/sockets.js"

const failureReason = <A, E extends { readonly reason: string }>(exit: Exit.Exit<A, E>): string | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.reason : undefined

const fdScope = Effect.acquireRelease(Effect.sync(() => new FdScope()), (fds) => Effect.sync(() => fds.closeAll()))

describe("AsyncFd", () => {
  it.live("a pipe: read waits for the writer, write fills and waits for the reader, EOF is 0", () =>
    Effect.scoped(Effect.gen(function*() {
      const fds = yield* fdScope
      const [readEnd, writeEnd] = fds.pipe()
      const reader = yield* AsyncFd.register(readEnd, { interest: Interest.readable })
      const writer = yield* AsyncFd.register(writeEnd, { interest: Interest.writable })
      const buffer = new Uint8Array(16)
      const pending = yield* Effect.fork(reader.read(buffer))
      yield* Effect.sleep("10 millis")
      yield* writer.write(Buffer.from("pipe"))
      expect(yield* Fiber.join(pending)).toBe(4)
      // Fill the pipe until write would block, then drain: the blocked write completes.
      const chunk = new Uint8Array(65536)
      let written = 0
      for (;;) {
        const n = binding.write(writeEnd, chunk)
        if (n < 0) break
        written += n
      }
      const blocked = yield* Effect.fork(writer.write(chunk))
      yield* Effect.sleep("10 millis")
      expect(blocked.unsafePoll()).toBeNull()
      expect(fds.drain(readEnd)).toBe(written)
      expect(yield* Fiber.join(blocked)).toBeGreaterThan(0)
      fds.drain(readEnd)
      fds.close(writeEnd)
      expect(yield* reader.read(buffer)).toBe(0)
    })).pipe(Effect.provide(Runtime.layer)))

  it.live("an eventfd: readWith retries on WouldBlock; readable and clearReadiness", () =>
    Effect.scoped(Effect.gen(function*() {
      const fds = yield* fdScope
      const efd = fds.eventfd(0)
      const asyncFd = yield* AsyncFd.register(efd, { interest: Interest.readable })
      const counter = new Uint8Array(8)
      let attempts = 0
      const next = asyncFd.readWith((fd) => {
        attempts++
        const n = binding.read(fd, counter)
        return n === -binding.constants.EAGAIN ? AsyncFd.WouldBlock : Number(Buffer.from(counter).readBigUInt64LE())
      })
      const waiting = yield* Effect.fork(next)
      yield* Effect.sleep("10 millis")
      const add = Buffer.alloc(8)
      add.writeBigUInt64LE(3n)
      binding.write(efd, add)
      expect(yield* Fiber.join(waiting)).toBe(3)
      expect(attempts).toBe(2)
      // readable returns at once while readiness is cached; after EAGAIN, clearReadiness makes it wait again.
      binding.write(efd, add)
      const readiness = yield* asyncFd.readable
      expect(Reactor.isReadable(readiness)).toBe(true)
      expect(binding.read(efd, counter)).toBe(8)
      expect(binding.read(efd, counter)).toBe(-binding.constants.EAGAIN)
      asyncFd.clearReadiness(readiness)
      const again = yield* Effect.fork(asyncFd.readable)
      yield* Effect.sleep("10 millis")
      expect(again.unsafePoll()).toBeNull()
      binding.write(efd, add)
      yield* Fiber.join(again)
    })).pipe(Effect.provide(Runtime.layer)))

  it.live("register leaves the fd open; adopt closes it; interruption leaves no waker", () =>
    Effect.gen(function*() {
      const before = fdCount()
      const reactor = yield* Reactor.Reactor
      const fds = new FdScope()
      const [readEnd, writeEnd] = fds.pipe()
      yield* Effect.scoped(Effect.gen(function*() {
        const asyncFd = yield* AsyncFd.register(readEnd, { interest: Interest.readable })
        const waiting = yield* Effect.fork(asyncFd.read(new Uint8Array(4)))
        const registration = asyncFd.registration as unknown as { waiters: Array<Array<unknown>> }
        yield* eventually(() => registration.waiters[0]!.length === 1)
        yield* Fiber.interrupt(waiting)
        expect(registration.waiters[0]!.length).toBe(0)
        const ready = yield* Effect.fork(asyncFd.readable)
        yield* eventually(() => registration.waiters[0]!.length === 1)
        yield* Fiber.interrupt(ready)
        expect(registration.waiters[0]!.length).toBe(0)
      }))
      expect(reactor.registrations).toBe(0)
      expect(fdCount()).toBe(before + 2)
      yield* Effect.scoped(AsyncFd.adopt(readEnd))
      expect(fdCount()).toBe(before + 1)
      binding.close(writeEnd)
      expect(fdCount()).toBe(before)
    }).pipe(Effect.provide(Runtime.layer)))

  it.live("errors: a regular file is Unsupported, a closed fd BadDescriptor, bad arguments InvalidArgument", () =>
    Effect.scoped(Effect.gen(function*() {
      const fds = yield* fdScope
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-reactor-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
      Fs.writeFileSync(Path.join(dir, "file"), "x")
      const file = fds.openFile(Path.join(dir, "file"))
      expect(failureReason(yield* Effect.exit(AsyncFd.register(file)))).toBe("Unsupported")
      const [readEnd, writeEnd] = fds.pipe()
      fds.close(writeEnd)
      expect(failureReason(yield* Effect.exit(AsyncFd.register(writeEnd)))).toBe("BadDescriptor")
      expect(failureReason(yield* Effect.exit(AsyncFd.register(-1)))).toBe("InvalidArgument")
      expect(failureReason(yield* Effect.exit(AsyncFd.register(readEnd, { interest: 0 as Interest.Interest }))))
        .toBe("InvalidArgument")
      const readOnly = yield* AsyncFd.register(readEnd, { interest: Interest.readable })
      expect(failureReason(yield* Effect.exit(readOnly.write(new Uint8Array(1))))).toBe("InvalidArgument")
      expect(failureReason(yield* Effect.exit(readOnly.writable))).toBe("InvalidArgument")
      const twice = yield* Effect.exit(AsyncFd.register(readEnd))
      expect(Exit.isFailure(twice) && twice.cause._tag === "Fail" && twice.cause.error.code).toBe("EEXIST")
      yield* readOnly.close
      expect(failureReason(yield* Effect.exit(readOnly.read(new Uint8Array(1))))).toBe("Closed")
      expect(failureReason(yield* Effect.exit(readOnly.readable))).toBe("Closed")
    })).pipe(Effect.provide(Runtime.layer)))
})
