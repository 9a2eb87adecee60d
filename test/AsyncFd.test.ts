/**
 * AsyncFd: readiness and try-wait-retry on a pipe and an eventfd, ownership (register vs adopt), errors, and
 * interruption; `AsyncFd.pipe`, its ends and their closing.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as AsyncFd from "../src/AsyncFd.js"
import * as Interest from "../src/Interest.js"
import { binding } from "../src/internal/native.js"
import * as Reactor from "../src/Reactor.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import { fdCount, FdScope } from "./utils/fds.js"
import { awaitParked, parkedWakers } from "./utils/registration.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

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
      // The read has found the pipe empty and waits: the write below is what ends it.
      yield* awaitParked(reader)
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
      yield* awaitParked(writer, 1, "writable")
      expect(blocked.unsafePoll()).toBeNull()
      expect(fds.drain(readEnd)).toBe(written)
      expect(yield* Fiber.join(blocked)).toBeGreaterThan(0)
      fds.drain(readEnd)
      fds.close(writeEnd)
      expect(yield* reader.read(buffer)).toBe(0)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

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
      // One attempt said WouldBlock and the read waits; the write below makes the second attempt succeed.
      yield* awaitParked(asyncFd)
      expect(attempts).toBe(1)
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
      yield* awaitParked(asyncFd)
      expect(again.unsafePoll()).toBeNull()
      binding.write(efd, add)
      yield* Fiber.join(again)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("register leaves the fd open; adopt closes it; interruption leaves no waker", () =>
    Effect.gen(function*() {
      const before = fdCount()
      const reactor = yield* Reactor.Reactor
      const fds = new FdScope()
      const [readEnd, writeEnd] = fds.pipe()
      yield* Effect.scoped(Effect.gen(function*() {
        const asyncFd = yield* AsyncFd.register(readEnd, { interest: Interest.readable })
        const waiting = yield* Effect.fork(asyncFd.read(new Uint8Array(4)))
        yield* awaitParked(asyncFd)
        yield* Fiber.interrupt(waiting)
        expect(parkedWakers(asyncFd)).toBe(0)
        const ready = yield* Effect.fork(asyncFd.readable)
        yield* awaitParked(asyncFd)
        yield* Fiber.interrupt(ready)
        expect(parkedWakers(asyncFd)).toBe(0)
      }))
      expect(reactor.registrations).toBe(0)
      expect(fdCount()).toBe(before + 2)
      yield* Effect.scoped(AsyncFd.adopt(readEnd))
      expect(fdCount()).toBe(before + 1)
      binding.close(writeEnd)
      expect(fdCount()).toBe(before)
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("errors: a regular file is Unsupported, a closed fd BadDescriptor, bad arguments InvalidArgument", () =>
    Effect.scoped(Effect.gen(function*() {
      const fds = yield* fdScope
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-reactor-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
      Fs.writeFileSync(Path.join(dir, "file"), "x")
      const file = fds.openFile(Path.join(dir, "file"))
      const unsupported = yield* Effect.flip(AsyncFd.register(file))
      expect(unsupported.reason).toBe("Unsupported")
      expect(unsupported.message).toContain(`fd ${file} is a regular file`)
      expect(unsupported.message).toContain("use File")
      const directory = fds.openFile(dir)
      const refused = yield* Effect.flip(AsyncFd.register(directory))
      expect([refused.reason, refused.message]).toEqual([
        "Unsupported",
        `EPERM: fd ${directory} is a directory, which a poller cannot wait on (it is always ready); use File for the ` +
        `files in it, ${refused.syscall}`
      ])
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
    })).pipe(Effect.provide(ReactorRuntime.layer)))
})

describe("AsyncFd nonBlocking", () => {
  const { EBADF } = Os.constants.errno

  it.live("register leaves O_NONBLOCK alone unless asked; \"set\" sets it for the scope and clears it after", () =>
    Effect.gen(function*() {
      const before = fdCount()
      const fds = new FdScope()
      const [readEnd, writeEnd] = fds.pipe()
      expect(binding.setNonBlocking(readEnd, false)).toBe(0)
      expect(binding.isNonBlocking(readEnd)).toBe(0)
      yield* Effect.scoped(Effect.gen(function*() {
        yield* AsyncFd.register(readEnd, { interest: Interest.readable })
        expect(binding.isNonBlocking(readEnd)).toBe(0)
      }))
      yield* Effect.scoped(Effect.gen(function*() {
        const reader = yield* AsyncFd.register(readEnd, { interest: Interest.readable, nonBlocking: "set" })
        expect(binding.isNonBlocking(readEnd)).toBe(1)
        // The read waits for the writer without blocking the thread: only a Node timer can write.
        const pending = yield* Effect.fork(reader.read(new Uint8Array(8)))
        setTimeout(() => void binding.write(writeEnd, Buffer.from("tick")), 1)
        expect(yield* Fiber.join(pending)).toBe(4)
      }))
      expect(binding.isNonBlocking(readEnd)).toBe(0)
      // An fd that was non-blocking already is left as it was.
      expect(binding.isNonBlocking(writeEnd)).toBe(1)
      yield* Effect.scoped(AsyncFd.register(writeEnd, { interest: Interest.writable, nonBlocking: "set" }))
      expect(binding.isNonBlocking(writeEnd)).toBe(1)
      fds.closeAll()
      expect(fdCount()).toBe(before)
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("adopt sets O_NONBLOCK by default, \"leave\" does not; a failed register gives the flag back", () =>
    Effect.gen(function*() {
      const before = fdCount()
      const fds = new FdScope()
      const [readEnd] = fds.pipe()
      const [otherRead, otherWrite] = binding.pipe()
      binding.setNonBlocking(readEnd, false)
      binding.setNonBlocking(otherRead, false)
      yield* Effect.scoped(Effect.gen(function*() {
        const adopted = yield* AsyncFd.adopt(otherRead, { interest: Interest.readable })
        expect(binding.isNonBlocking(adopted.fd)).toBe(1)
        const left = yield* AsyncFd.register(readEnd, { interest: Interest.readable, nonBlocking: "leave" })
        expect(binding.isNonBlocking(left.fd)).toBe(0)
        // Registered twice: EEXIST, and the flag "set" turned on for the second attempt is off again.
        const twice = yield* Effect.exit(AsyncFd.register(readEnd, { interest: Interest.readable, nonBlocking: "set" }))
        expect(Exit.isFailure(twice) && twice.cause._tag === "Fail" && twice.cause.error.code).toBe("EEXIST")
        expect(binding.isNonBlocking(readEnd)).toBe(0)
      }))
      // The adopted end is closed with its scope.
      expect(binding.isNonBlocking(otherRead)).toBe(-EBADF)
      binding.close(otherWrite)
      fds.closeAll()
      expect(fdCount()).toBe(before)
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("errors: a closed fd is BadDescriptor, an unknown nonBlocking InvalidArgument, and adopt closes the fd", () =>
    Effect.scoped(Effect.gen(function*() {
      const fds = yield* fdScope
      const [readEnd, writeEnd] = fds.pipe()
      fds.close(writeEnd)
      expect(failureReason(yield* Effect.exit(AsyncFd.register(writeEnd, { nonBlocking: "set" })))).toBe(
        "BadDescriptor"
      )
      expect(failureReason(yield* Effect.exit(AsyncFd.adopt(writeEnd)))).toBe("BadDescriptor")
      const unknown = { nonBlocking: "always" as "set" }
      expect(failureReason(yield* Effect.exit(AsyncFd.register(readEnd, unknown)))).toBe("InvalidArgument")
      // A regular file cannot be registered: adopt closes it all the same, and its flag was put back first.
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-reactor-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
      Fs.writeFileSync(Path.join(dir, "file"), "x")
      const before = fdCount()
      const file = Fs.openSync(Path.join(dir, "file"), "r")
      expect(failureReason(yield* Effect.exit(AsyncFd.adopt(file)))).toBe("Unsupported")
      expect(fdCount()).toBe(before)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it("the native calls: 0 or -errno, and TypeError/RangeError naming the argument", () => {
    const fds = new FdScope()
    try {
      const [readEnd, writeEnd] = fds.pipe()
      expect(binding.setNonBlocking(readEnd, true)).toBe(0)
      expect(binding.setNonBlocking(readEnd, false)).toBe(0)
      expect(binding.setNonBlocking(readEnd, false)).toBe(0)
      expect(binding.isNonBlocking(readEnd)).toBe(0)
      // The pipe's other end is another open file description: unchanged.
      expect(binding.isNonBlocking(writeEnd)).toBe(1)
      fds.close(writeEnd)
      expect(binding.setNonBlocking(writeEnd, true)).toBe(-EBADF)
      expect(binding.isNonBlocking(writeEnd)).toBe(-EBADF)
      const call = (name: "setNonBlocking" | "isNonBlocking", ...args: Array<unknown>) => {
        try {
          Reflect.apply(binding[name], binding, args)
        } catch (error) {
          return error
        }
        return undefined
      }
      expect(call("setNonBlocking", -1, true)).toBeInstanceOf(RangeError)
      expect(call("isNonBlocking", 2 ** 31)).toBeInstanceOf(RangeError)
      expect(call("isNonBlocking", "0")).toBeInstanceOf(TypeError)
      const notBoolean = call("setNonBlocking", readEnd, 1)
      expect(notBoolean).toBeInstanceOf(TypeError)
      expect((notBoolean as Error).message).toMatch(/"on"/)
      expect(binding.isNonBlocking(readEnd)).toBe(0)
    } finally {
      fds.closeAll()
    }
  })
})

describe("AsyncFd.pipe", () => {
  /** The fd flags of `fd` (FD_CLOEXEC is in the `flags` line of /proc/self/fdinfo as 02000000). */
  const closeOnExec = (fd: number): boolean => {
    const flags = /^flags:\s+([0-7]+)$/m.exec(Fs.readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))
    return flags !== null && (parseInt(flags[1]!, 8) & 0o2000000) !== 0
  }

  it.live("needs no runtime: non-blocking, close-on-exec ends node:fs reads and writes; the scope closes both", () =>
    Effect.gen(function*() {
      const before = fdCount()
      yield* Effect.scoped(Effect.gen(function*() {
        const pipe = yield* AsyncFd.pipe()
        expect(fdCount()).toBe(before + 2)
        expect([binding.isNonBlocking(pipe.readFd), binding.isNonBlocking(pipe.writeFd)]).toEqual([1, 1])
        expect([closeOnExec(pipe.readFd), closeOnExec(pipe.writeFd)]).toEqual([true, true])
        const buffer = Buffer.alloc(8)
        expect(() => Fs.readSync(pipe.readFd, buffer)).toThrow(expect.objectContaining({ code: "EAGAIN" }))
        expect(Fs.writeSync(pipe.writeFd, "ping")).toBe(4)
        expect(buffer.toString("utf8", 0, Fs.readSync(pipe.readFd, buffer))).toBe("ping")
      }))
      expect(fdCount()).toBe(before)
    }))

  it.live("an end registered in the reactor: the read waits for the writer; closeWrite is end of file", () =>
    Effect.scoped(Effect.gen(function*() {
      const pipe = yield* AsyncFd.pipe()
      const reader = yield* AsyncFd.register(pipe.readFd, { interest: Interest.readable })
      const buffer = new Uint8Array(16)
      const pending = yield* Effect.fork(reader.read(buffer))
      yield* awaitParked(reader)
      expect(pending.unsafePoll()).toBeNull()
      Fs.writeSync(pipe.writeFd, "later")
      expect(yield* Fiber.join(pending)).toBe(5)
      yield* pipe.closeWrite
      expect(yield* reader.read(buffer)).toBe(0)
    })).pipe(Effect.provide(ReactorRuntime.layer)))

  it.live("closeRead and closeWrite close once: a number reused after them is not closed by the scope", () =>
    Effect.gen(function*() {
      const before = fdCount()
      const fds = new FdScope()
      try {
        const reused = yield* Effect.scoped(Effect.gen(function*() {
          const pipe = yield* AsyncFd.pipe()
          yield* pipe.closeWrite
          yield* pipe.closeWrite
          expect(fdCount()).toBe(before + 1)
          // The kernel hands out the lowest free number: the write end's.
          const eventfd = fds.eventfd()
          expect(eventfd).toBe(pipe.writeFd)
          yield* pipe.closeRead
          yield* pipe.closeRead
          return eventfd
        }))
        expect(fdCount()).toBe(before + 1)
        expect(binding.isNonBlocking(reused)).toBe(1)
      } finally {
        fds.closeAll()
      }
      expect(fdCount()).toBe(before)
    }))

  it("out of fds: an IoError with code EMFILE (in a child with a low fd limit), and nothing leaks", () => {
    const script = [
      "import { Effect } from \"effect\"",
      "import { readdirSync } from \"node:fs\"",
      "import { AsyncFd } from \"effect-reactor\"",
      "const count = () => readdirSync(\"/proc/self/fd\").length",
      "const before = count()",
      "const exit = await Effect.runPromiseExit(",
      "  Effect.scoped(Effect.forEach(Array.from({ length: 300 }), () => AsyncFd.pipe()))",
      ")",
      "const error = exit._tag === \"Failure\" && exit.cause._tag === \"Fail\" ? exit.cause.error : undefined",
      "console.log(JSON.stringify({ reason: error?.reason, code: error?.code, leaked: count() - before }))"
    ].join("\n")
    // The shell lowers the limit, then becomes the node child. Not too low: loading the modules (a cold tsx cache, in
    // a fresh clone) opens many files at once, and 100 ran out there before the test began.
    const result = spawnSync("/bin/sh", [
      "-c",
      "ulimit -n 256 && exec \"$0\" \"$@\"",
      process.execPath,
      "--conditions=effect-reactor-source",
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script
    ], { cwd: root, encoding: "utf8", timeout: 30_000 })
    expect({ code: result.status, stderr: result.stderr }).toEqual({ code: 0, stderr: "" })
    expect(JSON.parse(result.stdout)).toEqual({ reason: "Os", code: "EMFILE", leaked: 0 })
  })
})
