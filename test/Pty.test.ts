/**
 * Pty: real pseudo-terminals. Raw mode byte by byte without blocking the event loop, canonical mode a line at a
 * time, echo, window size, hang-ups on either side, fd counts, bad input at the Effect face and at the native
 * boundary, a child whose stdin is the terminal side, and the docs example.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import * as ChildProcess from "node:child_process"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import type * as AsyncFd from "../src/AsyncFd.js"
import { binding } from "../src/internal/native.js"
import * as Poller from "../src/Poller.js"
import * as Pty from "../src/Pty.js"
import * as Reactor from "../src/Reactor.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import { runExample } from "./utils/examples.js"
import { fdCount, FdScope } from "./utils/fds.js"
import { runtimeOver } from "./utils/runtime.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const { EAGAIN, EBADF, ENOTTY } = Os.constants.errno
const { ECHO, ICANON, NCCS, TCSADRAIN, TCSANOW } = binding.constants

const failure = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined

const text = (bytes: Uint8Array, n: number): string => Buffer.from(bytes.subarray(0, n)).toString()

/** Reads from `side` until `n` bytes have come (bounded: 64 reads). */
const readBytes = (side: AsyncFd.AsyncFd, n: number) =>
  Effect.gen(function*() {
    const buffer = new Uint8Array(n)
    let filled = 0
    for (let i = 0; i < 64 && filled < n; i++) {
      const got = yield* side.read(buffer.subarray(filled))
      if (got === 0) break
      filled += got
    }
    return text(buffer, filled)
  })

/** Runs `body` in a scope with the runtime, and checks that the process holds as many fds afterwards as before. */
const noLeak = <A, E>(body: Effect.Effect<A, E, ReactorRuntime.ReactorRuntime | Scope.Scope>) =>
  Effect.gen(function*() {
    const before = fdCount()
    const result = yield* Effect.scoped(body).pipe(Effect.provide(ReactorRuntime.layer))
    expect(fdCount()).toBe(before)
    return result
  })

const thrown = (thunk: () => unknown): unknown => {
  try {
    thunk()
  } catch (error) {
    return error
  }
  throw new Error("expected a throw")
}

describe("Pty", () => {
  it.live("raw mode: keys typed into the controller are read one byte at a time while a Node timer runs", () =>
    noLeak(Effect.gen(function*() {
      const pty = yield* Pty.open({ mode: "raw" })
      expect(yield* pty.settings).toEqual({ mode: "raw", echo: false })
      expect(pty.path).toMatch(/^\/dev\/pts\/\d+$/)
      expect(yield* Pty.isTerminal(pty.terminal.fd)).toBe(true)
      // The terminal side is empty: the read waits, and only the timer below can give it a key. Were the wait
      // blocking the thread, the timer could never fire and the read never end.
      let timerFired = false
      const first = yield* Effect.fork(pty.terminal.read(new Uint8Array(1)))
      setTimeout(() => {
        timerFired = true
        expect(binding.write(pty.controller.fd, Buffer.from("abc"))).toBe(3)
      }, 1)
      expect(yield* Fiber.join(first)).toBe(1)
      expect(timerFired).toBe(true)
      const key = new Uint8Array(1)
      const rest: Array<string> = []
      for (let i = 0; i < 2; i++) rest.push(text(key, yield* pty.terminal.read(key)))
      expect(rest).toEqual(["b", "c"])
      // No newline was needed, and nothing is left: the next attempt would block.
      expect(binding.read(pty.terminal.fd, key)).toBe(-EAGAIN)
    })))

  it.live("canonical mode: the line comes after \"\\n\", and echo writes what was typed back to the controller", () =>
    noLeak(Effect.gen(function*() {
      const pty = yield* Pty.open()
      expect(yield* pty.settings).toEqual({ mode: "canonical", echo: true })
      yield* pty.controller.write(Buffer.from("ab"))
      // The echo proves the line discipline has taken "ab" in; still no line for the terminal side.
      expect(yield* readBytes(pty.controller, 2)).toBe("ab")
      expect(binding.read(pty.terminal.fd, new Uint8Array(16))).toBe(-EAGAIN)
      const line = new Uint8Array(16)
      const reading = yield* Effect.fork(pty.terminal.read(line))
      yield* pty.controller.write(Buffer.from("\n"))
      expect(text(line, yield* Fiber.join(reading))).toBe("ab\n")
      // The newline is echoed as CR LF (output processing, ONLCR).
      expect(yield* readBytes(pty.controller, 2)).toBe("\r\n")
    })))

  it.live("echo off: typed input is not written back; echo on in raw mode echoes each key", () =>
    noLeak(Effect.gen(function*() {
      const pty = yield* Pty.open({ echo: false })
      expect(yield* pty.settings).toEqual({ mode: "canonical", echo: false })
      yield* pty.controller.write(Buffer.from("xyz\n"))
      expect(yield* readBytes(pty.terminal, 4)).toBe("xyz\n")
      // Output from the terminal side queues behind any echo: the controller's first bytes are the program's own.
      yield* pty.terminal.write(Buffer.from("done"))
      expect(yield* readBytes(pty.controller, 4)).toBe("done")

      yield* pty.setMode("raw")
      expect(yield* pty.settings).toEqual({ mode: "raw", echo: false })
      yield* pty.setEcho(true)
      expect(yield* pty.settings).toEqual({ mode: "raw", echo: true })
      yield* pty.controller.write(Buffer.from("k"))
      expect(yield* readBytes(pty.controller, 1)).toBe("k")
      expect(yield* readBytes(pty.terminal, 1)).toBe("k")
      // Back to canonical: the attributes the pty was opened with, echo on again.
      yield* pty.setMode("canonical")
      expect(yield* pty.settings).toEqual({ mode: "canonical", echo: true })
    })))

  it.live("window size: set at open, resized, seen from both sides and through the module function", () =>
    noLeak(Effect.gen(function*() {
      const pty = yield* Pty.open({ size: { rows: 24, columns: 80 } })
      expect(yield* pty.windowSize).toEqual({ rows: 24, columns: 80 })
      yield* pty.resize({ rows: 50, columns: 132 })
      expect(yield* Pty.getWindowSize(pty.terminal.fd)).toEqual({ rows: 50, columns: 132 })
      expect(yield* Pty.getWindowSize(pty.controller.fd)).toEqual({ rows: 50, columns: 132 })
    })))

  it.live("hang-ups: without the controller the terminal reads end of file and writes fail with EIO", () =>
    noLeak(Effect.gen(function*() {
      const pty = yield* Pty.open()
      const waiting = yield* Effect.fork(pty.terminal.read(new Uint8Array(8)))
      yield* pty.controller.close
      expect(pty.closed).toBe(true)
      expect(yield* Fiber.join(waiting)).toBe(0)
      expect(yield* pty.terminal.read(new Uint8Array(8))).toBe(0)
      const write = failure(yield* Effect.exit(pty.terminal.write(Buffer.from("x"))))
      expect(write).toMatchObject({ _tag: "IoError", reason: "Os", code: "EIO", syscall: "write" })
      // Settings and size need the controller.
      expect(failure(yield* Effect.exit(pty.settings))).toMatchObject({ reason: "Closed" })
      expect(failure(yield* Effect.exit(pty.resize({ rows: 1, columns: 1 })))).toMatchObject({ reason: "Closed" })
    })))

  it.live("hang-ups: without the terminal side the controller reads fail with EIO; settings still work", () =>
    noLeak(Effect.gen(function*() {
      const pty = yield* Pty.open()
      yield* pty.terminal.close
      const read = failure(yield* Effect.exit(pty.controller.read(new Uint8Array(8))))
      expect(read).toMatchObject({ _tag: "IoError", reason: "Os", code: "EIO", errno: Os.constants.errno.EIO })
      yield* pty.setMode("raw")
      expect(yield* pty.settings).toEqual({ mode: "raw", echo: false })
      yield* pty.resize({ rows: 3, columns: 4 })
      expect(yield* pty.windowSize).toEqual({ rows: 3, columns: 4 })
      yield* pty.close
      yield* pty.close
      expect(failure(yield* Effect.exit(pty.setEcho(true)))).toMatchObject({ reason: "Closed" })
    })))

  it.live("fd counts: fifty ptys opened and released leave none; a pty released early is not closed twice", () =>
    Effect.gen(function*() {
      const before = fdCount()
      yield* Effect.scoped(Effect.gen(function*() {
        const withRuntime = fdCount()
        for (let i = 0; i < 50; i++) yield* Pty.open()
        expect(fdCount()).toBe(withRuntime + 100)
      })).pipe(Effect.provide(ReactorRuntime.layer))
      expect(fdCount()).toBe(before)
      yield* noLeak(Effect.gen(function*() {
        // Runs after the pty's release (finalizers run in reverse): the reused numbers must still be open.
        const fds = new FdScope()
        let reused: ReadonlyArray<number> = []
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            expect(reused.map((fd) => binding.isNonBlocking(fd))).toEqual([1, 1])
            fds.closeAll()
          })
        )
        const withRuntime = fdCount()
        const pty = yield* Pty.open()
        yield* pty.close
        expect(fdCount()).toBe(withRuntime)
        reused = fds.pipe()
        expect([...reused].sort()).toEqual([pty.controller.fd, pty.terminal.fd].sort())
      }))
    }))

  it.live("a failure after the pair exists (a closed reactor) closes both sides", () =>
    Effect.gen(function*() {
      const handle = Poller.unsafeOpen()
      const reactor = Reactor.unsafeMake(handle)
      reactor.close()
      const before = fdCount()
      const exit = yield* Effect.exit(
        Effect.scoped(Pty.open()).pipe(
          Effect.provideService(ReactorRuntime.ReactorRuntime, runtimeOver(handle, reactor))
        )
      )
      expect(failure(exit)).toMatchObject({ _tag: "IoError", reason: "Closed" })
      expect(fdCount()).toBe(before)
      handle.close()
    }))

  it.live("rawMode on a terminal the process did not open: raw for the scope, restored after", () =>
    noLeak(Effect.gen(function*() {
      const pty = yield* Pty.open()
      const fd = pty.terminal.fd
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Pty.rawMode(fd)
        expect(yield* Pty.getSettings(fd)).toEqual({ mode: "raw", echo: false })
      }))
      expect(yield* Pty.getSettings(fd)).toEqual({ mode: "canonical", echo: true })
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Pty.rawMode(fd, { echo: true })
        expect(yield* Pty.getSettings(fd)).toEqual({ mode: "raw", echo: true })
      }))
      expect(yield* Pty.getSettings(fd)).toEqual({ mode: "canonical", echo: true })
    })))

  it.live("bad input is a typed IoError: options, fds, non-terminals", () =>
    noLeak(Effect.gen(function*() {
      const fds = new FdScope()
      yield* Effect.addFinalizer(() => Effect.sync(() => fds.closeAll()))
      const [read, write] = fds.pipe()
      const reasonOf = <A>(
        effect: Effect.Effect<A, { readonly reason: string }, ReactorRuntime.ReactorRuntime | Scope.Scope>
      ) => Effect.map(Effect.exit(effect), (exit) => failure(exit)?.reason)
      expect(yield* reasonOf(Pty.open({ mode: "cooked" as Pty.Mode }))).toBe("InvalidArgument")
      expect(yield* reasonOf(Pty.open({ echo: 1 as unknown as boolean }))).toBe("InvalidArgument")
      expect(yield* reasonOf(Pty.open({ size: { rows: -1, columns: 80 } }))).toBe("InvalidArgument")
      expect(yield* reasonOf(Pty.open({ size: { rows: 1, columns: 65536 } }))).toBe("InvalidArgument")
      expect(yield* reasonOf(Pty.isTerminal(-1))).toBe("InvalidArgument")
      expect(yield* reasonOf(Pty.isTerminal(1.5))).toBe("InvalidArgument")
      expect(yield* Pty.isTerminal(read)).toBe(false)
      fds.close(write)
      expect(yield* reasonOf(Pty.isTerminal(write))).toBe("BadDescriptor")
      expect(failure(yield* Effect.exit(Pty.getSettings(read)))).toMatchObject({ reason: "Os", code: "ENOTTY" })
      expect(failure(yield* Effect.exit(Pty.getWindowSize(read)))).toMatchObject({ code: "ENOTTY" })
      expect(failure(yield* Effect.exit(Effect.scoped(Pty.rawMode(read))))).toMatchObject({ code: "ENOTTY" })
      expect(yield* reasonOf(Effect.scoped(Pty.rawMode(-1)))).toBe("InvalidArgument")
      const pty = yield* Pty.open()
      expect(yield* reasonOf(pty.setMode("cbreak" as Pty.Mode))).toBe("InvalidArgument")
      expect(yield* reasonOf(pty.setEcho("yes" as unknown as boolean))).toBe("InvalidArgument")
      expect(yield* reasonOf(pty.resize({ rows: 1.5, columns: 2 }))).toBe("InvalidArgument")
      expect(yield* reasonOf(pty.resize(null as unknown as Pty.WindowSize))).toBe("InvalidArgument")
      // Nothing was changed by the rejected calls.
      expect(yield* pty.settings).toEqual({ mode: "canonical", echo: true })
    })))

  it("the native calls: -errno for a closed fd or a non-terminal, TypeError/RangeError naming the argument", () => {
    const fds = new FdScope()
    try {
      const [read, write] = fds.pipe()
      const [controller, terminal] = binding.openpty()
      fds.track(controller)
      fds.track(terminal)
      const attributes = binding.tcgetattr(terminal)
      if (typeof attributes === "number") throw new Error(`tcgetattr: ${attributes}`)
      expect(attributes.cc.length).toBe(NCCS)
      expect(attributes.lflag & (ICANON | ECHO)).toBe(ICANON | ECHO)
      expect(binding.ptsname(controller)).toMatch(/^\/dev\/pts\/\d+$/)
      expect(binding.isatty(terminal)).toBe(1)
      expect(binding.isNonBlocking(controller)).toBe(1)
      expect(binding.isNonBlocking(terminal)).toBe(1)
      // A pipe is not a terminal: -ENOTTY, and tcsetattr changes nothing.
      expect(binding.isatty(read)).toBe(-ENOTTY)
      expect(binding.tcgetattr(read)).toBe(-ENOTTY)
      expect(binding.tcsetattr(read, TCSANOW, attributes)).toBe(-ENOTTY)
      expect(binding.ptsname(read)).toBe(-ENOTTY)
      expect(binding.ptsname(terminal)).toBe(-ENOTTY)
      expect(binding.getWindowSize(read)).toBe(-ENOTTY)
      expect(binding.setWindowSize(read, 1, 1)).toBe(-ENOTTY)
      // A closed fd: -EBADF.
      fds.close(write)
      for (
        const result of [
          binding.isatty(write),
          binding.tcgetattr(write),
          binding.tcsetattr(write, TCSANOW, attributes),
          binding.ptsname(write),
          binding.getWindowSize(write),
          binding.setWindowSize(write, 1, 1)
        ]
      ) expect(result).toBe(-EBADF)
      // cfmakeraw is pure: the copy is raw, the original and the terminal are unchanged.
      const raw = binding.cfmakeraw(attributes)
      expect(raw.lflag & (ICANON | ECHO)).toBe(0)
      expect(attributes.lflag & ICANON).toBe(ICANON)
      expect(binding.tcsetattr(terminal, TCSADRAIN, raw)).toBe(0)
      expect((binding.tcgetattr(terminal) as typeof raw).lflag & ICANON).toBe(0)

      const call = (name: keyof typeof binding, ...args: Array<unknown>) => () =>
        Reflect.apply(binding[name] as (...args: Array<unknown>) => unknown, binding, args)
      const expectError = (thunk: () => unknown, type: typeof TypeError | typeof RangeError, pattern: RegExp) => {
        const error = thrown(thunk)
        expect(error).toBeInstanceOf(type)
        expect((error as Error).message).toMatch(pattern)
      }
      for (const name of ["ptsname", "isatty", "tcgetattr", "getWindowSize"] as const) {
        expectError(call(name, -1), RangeError, /"fd"/)
        expectError(call(name, "0"), TypeError, /"fd"/)
      }
      expectError(call("tcsetattr", -1, TCSANOW, attributes), RangeError, /"fd"/)
      expectError(call("tcsetattr", terminal, 99, attributes), RangeError, /"when"/)
      expectError(call("tcsetattr", terminal, "now", attributes), TypeError, /"when"/)
      expectError(call("tcsetattr", terminal, TCSANOW, null), TypeError, /"termios"/)
      expectError(call("tcsetattr", terminal, TCSANOW, { ...attributes, lflag: "8" }), TypeError, /"termios.lflag"/)
      expectError(call("tcsetattr", terminal, TCSANOW, { ...attributes, iflag: -1 }), RangeError, /"termios.iflag"/)
      expectError(
        call("tcsetattr", terminal, TCSANOW, { ...attributes, oflag: 2 ** 32 }),
        RangeError,
        /"termios.oflag"/
      )
      expectError(call("tcsetattr", terminal, TCSANOW, { ...attributes, cflag: 0.5 }), RangeError, /"termios.cflag"/)
      expectError(call("tcsetattr", terminal, TCSANOW, { ...attributes, cc: [1] }), TypeError, /"termios.cc"/)
      expectError(
        call("tcsetattr", terminal, TCSANOW, { ...attributes, cc: new Uint8Array(3) }),
        RangeError,
        /"termios.cc"/
      )
      expectError(call("cfmakeraw", undefined), TypeError, /"termios"/)
      expectError(call("setWindowSize", terminal, -1, 1), RangeError, /"rows"/)
      expectError(call("setWindowSize", terminal, 1, 65536), RangeError, /"columns"/)
      expectError(call("setWindowSize", terminal, 1), TypeError, /"columns"/)
      // None of the rejected calls reached the terminal.
      expect((binding.tcgetattr(terminal) as typeof raw).lflag).toBe(raw.lflag)
    } finally {
      fds.closeAll()
    }
  })

  it(
    "stdin as a tty: a child whose stdin is the terminal side reads the keystrokes typed into the controller",
    async () => {
      const fds = new FdScope()
      const [controller, terminal] = binding.openpty()
      fds.track(controller)
      fds.track(terminal)
      const before = fdCount()
      const child = ChildProcess.spawn(
        process.execPath,
        ["--import", "tsx", Path.join(root, "test", "fixtures", "pty-stdin.ts")],
        { stdio: [terminal, "pipe", "pipe"], cwd: root }
      )
      const killer = setTimeout(() => child.kill("SIGKILL"), 60_000)
      let stdout = ""
      let stderr = ""
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
      try {
        await new Promise<void>((resolve, reject) => {
          const check = () => stdout.includes("ready") && resolve()
          child.stdout!.on("data", check)
          check()
          void exited.then(() => reject(new Error(`the child ended before "ready"; stderr: ${stderr}`)))
        })
        // Node's spawn makes a child's stdio blocking (on the open file description the child shares with us), so the
        // child found fd 0 blocking, and the O_NONBLOCK it set for its scope is visible from here.
        expect(stdout).toContain("ready tty=true mode=raw nonBlocking=0")
        expect(binding.isNonBlocking(terminal)).toBe(1)
        expect(binding.write(controller, Buffer.from("ab\u0003"))).toBe(3)
        expect(binding.write(controller, Buffer.from("q"))).toBe(1)
        expect(await exited).toBe(0)
        // Raw mode: each key on its own, no line needed, Ctrl-C a byte rather than a signal.
        expect(stdout.split("\n").filter((line) => line.startsWith("key "))).toEqual([
          "key \"a\"",
          "key \"b\"",
          "key \"\\u0003\""
        ])
        // The child's scopes gave back what they changed: blocking again, canonical mode with echo.
        expect(stdout).toContain("after mode=canonical echo=true nonBlocking=0")
        expect(binding.isNonBlocking(terminal)).toBe(0)
        const attributes = binding.tcgetattr(controller)
        expect(typeof attributes === "number" ? attributes : attributes.lflag & (ICANON | ECHO)).toBe(ICANON | ECHO)
        expect(fdCount()).toBe(before)
      } finally {
        clearTimeout(killer)
        child.kill("SIGKILL")
        fds.closeAll()
      }
    },
    90_000
  )

  it("docs/examples/pty.ts runs by itself and prints what it shows", async () => {
    const lines = await runExample("pty.ts")
    expect(lines[0]).toMatch(/^opened \/dev\/pts\/\d+: \{"mode":"raw","echo":false\}$/)
    expect(lines.slice(1)).toEqual([
      "raw: waiting for keys...",
      "timer: typing \"hi!\" into the controller",
      "raw: key \"h\"",
      "raw: key \"i\"",
      "raw: key \"!\"",
      "canonical: {\"mode\":\"canonical\",\"echo\":true}",
      "canonical: the controller reads the echo \"ls -l\"",
      "canonical: no \"\\n\" yet, the terminal side still waits: true",
      "canonical: the terminal side reads the line \"ls -l\\n\"",
      "resized: the terminal side sees 40 rows x 120 columns",
      "controller closed: the terminal side reads 0 (end of file)",
      "done"
    ])
  }, 90_000)
})
