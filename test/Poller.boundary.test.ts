/**
 * The native boundary never crashes: a fast-check fuzz in a child process throws arbitrary values and
 * receivers at every method, getter, the constructor and every module function (a crash fails this
 * test, not the runner), then targeted cases pin the error each bad argument gets.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { addonPath, binding } from "../src/internal/native.js"
import { expectError, thrown } from "./utils/boundary.js"
import { runChild } from "./utils/child.js"

const fixtures = Path.join(Path.dirname(fileURLToPath(import.meta.url)), "fixtures")
const { MAX_KEY } = binding.constants
const { EVENT_READABLE, INTEREST_READABLE, MODE_LEVEL, MODE_ONESHOT } = binding.constants

const fdCount = (): number => Fs.readdirSync("/proc/self/fd").length

/** Runs a fixture script in its own node process; kills it (SIGKILL) after `timeoutMs`. */
const runFixture = (args: ReadonlyArray<string>, timeoutMs: number) => runChild(args, timeoutMs, fixtures)

/** A Uint32Array whose buffer has been transferred away. */
const detached = (length: number): Uint32Array => {
  const buffer = new ArrayBuffer(length * 4)
  const array = new Uint32Array(buffer)
  structuredClone(buffer, { transfer: [buffer] })
  return array
}

// New module functions must reach their syscalls in the fuzz, not only their argument checks.
const reachedToo = ["binding.inotifyInit", "binding.inotifyAddWatch", "binding.pidfdOpen", "binding.pidfdWaitExit"]
// The timer and signal calls must reach their syscalls too (threadSigmask: a carrier answered by a thread).
const reachedSignals = [
  "binding.timerfdCreate",
  "binding.timerfdSettime",
  "binding.timerfdGettime",
  "binding.signalfd",
  "binding.sigmask",
  "binding.threadSigmask"
]

const seed = Number(process.env.BOUNDARY_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
const runs = Number(process.env.BOUNDARY_FUZZ_RUNS ?? 2000)

const methodNames = ["add", "modify", "delete", "wait", "notify", "close", "watch", "unwatch", "ref", "unref"] as const
const getterNames = ["backend", "supportsEdge", "supportsLevel", "closed", "notifyToken", "fd"] as const
// The O_NONBLOCK, pty and terminal calls, and the pollable fd getter, must reach their syscalls too.
const reachedTerminals = [
  "binding.setNonBlocking",
  "binding.isNonBlocking",
  "binding.openpty",
  "binding.ptsname",
  "binding.isatty",
  "binding.tcgetattr",
  "binding.tcsetattr",
  "binding.cfmakeraw",
  "binding.getWindowSize",
  "binding.setWindowSize",
  "get fd"
]
// The file calls must reach the thread pool too (a handle whose open has finished is in every run).
const reachedFiles = [
  "binding.fileOpen",
  "binding.fileRead",
  "binding.fileWrite",
  "binding.fileSync",
  "binding.fileStat",
  "binding.fileDrain",
  "binding.fileTake",
  "binding.fileClose"
]
const getter = (name: string) => Object.getOwnPropertyDescriptor(binding.Poller.prototype, name)!.get!

describe.each(["epoll", "poll"] as const)("Poller boundary fuzz (%s)", (backend) => {
  it(`survives ${runs} random call sequences in a child process`, async () => {
    const child = await runFixture(
      ["--expose-gc", Path.join(fixtures, "boundary-fuzz.mjs"), String(seed), String(runs), backend],
      60_000
    )
    const context = `seed ${seed} (rerun with BOUNDARY_FUZZ_SEED=${seed})\nstderr:\n${child.stderr.slice(-4000)}`
    expect({ timedOut: child.timedOut, code: child.code, signal: child.signal }, context).toEqual({
      timedOut: false,
      code: 0,
      signal: null
    })
    const report = JSON.parse(child.stdout.trim().split("\n").pop()!)
    // A violation is reported with fast-check's shrunk call sequence.
    expect({ error: report.error, counterexample: report.counterexample }, context).toEqual({
      error: null,
      counterexample: null
    })
    expect(report.fdsAfter, `fds leaked; ${context}`).toBe(report.fdsBefore)
    // The fuzz must reach the syscalls, not only the argument checks.
    expect(report.calls).toBeGreaterThan(runs * 10)
    for (
      const name of [
        "add",
        "modify",
        "delete",
        "wait",
        "watch",
        "notify",
        "binding.notifyToken",
        ...reachedToo,
        ...reachedSignals,
        ...reachedTerminals,
        ...reachedFiles
      ]
    ) {
      expect(report.returned[name] ?? 0, `successful ${name} calls`).toBeGreaterThan(0)
    }
    expect(report.throws["Error:ERR_POLLER_CLOSED"] ?? 0).toBeGreaterThan(0)
  }, 90_000)
})

describe.each(["epoll", "poll"] as const)("Poller boundary (%s)", (backend) => {
  const open = () => new binding.Poller({ backend })

  it("names the argument in every argument error", () => {
    const poller = open()
    const [read, write] = binding.pipe()
    const socket = binding.socket(4, "stream")
    try {
      const add = (...args: Array<unknown>) => () => Reflect.apply(poller.add, poller, args)
      const modify = (...args: Array<unknown>) => () => Reflect.apply(poller.modify, poller, args)
      const wait = (...args: Array<unknown>) => () => Reflect.apply(poller.wait, poller, args)
      const fn = (name: keyof typeof binding, ...args: Array<unknown>) => () =>
        Reflect.apply(binding[name] as (...args: Array<unknown>) => unknown, binding, args)

      for (const make of [add, modify]) {
        expectError(make("3", 1, 1, 0), TypeError, /"fd"/)
        expectError(make(undefined, 1, 1, 0), TypeError, /"fd"/)
        expectError(make(-1, 1, 1, 0), RangeError, /"fd"/)
        expectError(make(1.5, 1, 1, 0), RangeError, /"fd"/)
        expectError(make(2 ** 31, 1, 1, 0), RangeError, /"fd"/)
        expectError(make(NaN, 1, 1, 0), RangeError, /"fd"/)
        expectError(make(read, "1", 1, 0), TypeError, /"key"/)
        expectError(make(read, 1n, 1, 0), TypeError, /"key"/)
        expectError(make(read, -1, 1, 0), RangeError, /"key"/)
        expectError(make(read, 0.5, 1, 0), RangeError, /"key"/)
        expectError(make(read, MAX_KEY + 1, 1, 0), RangeError, /"key"/)
        expectError(make(read, Infinity, 1, 0), RangeError, /"key"/)
        expectError(make(read, 1, null, 0), TypeError, /"interest"/)
        expectError(make(read, 1, 8, 0), RangeError, /"interest"/)
        expectError(make(read, 1, -1, 0), RangeError, /"interest"/)
        expectError(make(read, 1, 1, "level"), TypeError, /"mode"/)
        expectError(make(read, 1, 1, null), TypeError, /"mode"/)
        expectError(make(read, 1, 1, 4), RangeError, /"mode"/)
        expectError(make(read, 1, 1, -1), RangeError, /"mode"/)
      }
      expectError(() => Reflect.apply(poller.delete, poller, []), TypeError, /"fd"/)
      expectError(() => poller.delete(-1), RangeError, /"fd"/)

      expectError(wait(new Int32Array(4), 0), TypeError, /"events"/)
      expectError(wait(new Float64Array(4), 0), TypeError, /"events"/)
      expectError(wait([0, 0, 0, 0], 0), TypeError, /"events"/)
      expectError(wait(new DataView(new ArrayBuffer(16)), 0), TypeError, /"events"/)
      expectError(wait(new Proxy(new Uint32Array(4), {}), 0), TypeError, /"events"/)
      expectError(wait(undefined, 0), TypeError, /"events"/)
      expectError(wait(new Uint32Array(0), 0), RangeError, /"events"/)
      expectError(wait(new Uint32Array(1), 0), RangeError, /"events"/)
      expectError(wait(detached(8), 0), RangeError, /"events"/)
      expectError(wait(new Uint32Array(4), "0"), TypeError, /"timeoutMs"/)
      expectError(wait(new Uint32Array(4), undefined), TypeError, /"timeoutMs"/)
      expectError(wait(new Uint32Array(4), 0n), TypeError, /"timeoutMs"/)
      expectError(wait(new Uint32Array(4), NaN), RangeError, /"timeoutMs"/)
      expectError(wait(new Uint32Array(4), -2), RangeError, /"timeoutMs"/)
      expectError(wait(new Uint32Array(4), -0.5), RangeError, /"timeoutMs"/)
      expectError(wait(new Uint32Array(4), -Infinity), RangeError, /"timeoutMs"/)

      expectError(() => Reflect.apply(poller.watch, poller, [1]), TypeError, /"callback"/)
      expectError(() => Reflect.apply(poller.watch, poller, []), TypeError, /"callback"/)
      expectError(() => Reflect.apply(poller.watch, poller, [{}]), TypeError, /"callback"/)

      expectError(() => Reflect.construct(binding.Poller, [1]), TypeError, /"options"/)
      expectError(() => Reflect.construct(binding.Poller, [null]), TypeError, /"options"/)
      expectError(() => Reflect.construct(binding.Poller, [{ backend: 1 }]), TypeError, /"options.backend"/)
      expectError(() => Reflect.construct(binding.Poller, [{ backend: null }]), TypeError, /"options.backend"/)
      expectError(() => Reflect.construct(binding.Poller, [{ backend: "kqueue" }]), RangeError, /"options.backend"/)
      expectError(() => Reflect.construct(binding.Poller, [{ backend: "poll\0" }]), RangeError, /"options.backend"/)
      // Regression: a host with an embedded NUL used to bind the part before it.
      const socket = binding.socket(4, "stream")
      try {
        expectError(() => binding.bind(socket, "127.0.0.1\0junk", 0), TypeError, /"host".*null bytes/)
        expectError(() => binding.connect(socket, "127.0.0.1\0", 1), TypeError, /"host"/)
      } finally {
        binding.close(socket)
      }

      expectError(fn("notifyToken", "1"), TypeError, /"token"/)
      expectError(fn("notifyToken"), TypeError, /"token"/)
      expectError(fn("notifyToken", -1), RangeError, /"token"/)
      expectError(fn("notifyToken", 2 ** 53), RangeError, /"token"/)
      expectError(fn("notifyToken", 1.5), RangeError, /"token"/)
      expectError(fn("eventfd", -1), RangeError, /"initval"/)
      expectError(fn("eventfd", "1"), TypeError, /"initval"/)
      expectError(fn("eventfd", 2 ** 32), RangeError, /"initval"/)
      expectError(fn("socket", 5, "stream"), RangeError, /"family"/)
      expectError(fn("socket", "4", "stream"), TypeError, /"family"/)
      expectError(fn("socket", 4, 1), TypeError, /"type"/)
      expectError(fn("socket", 4, "raw"), RangeError, /"type"/)
      for (const name of ["close", "read", "write", "bind", "listen", "connect", "localPort", "socketError"] as const) {
        expectError(fn(name, "3"), TypeError, /"fd"/)
        expectError(fn(name, -1), RangeError, /"fd"/)
        expectError(fn(name, 2 ** 31), RangeError, /"fd"/)
        expectError(fn(name, NaN), RangeError, /"fd"/)
      }
      expectError(fn("read", read, [1, 2]), TypeError, /"buffer"/)
      expectError(fn("read", read, new Uint16Array(2)), TypeError, /"buffer"/)
      expectError(fn("write", write, "text"), TypeError, /"buffer"/)
      expectError(fn("write", write, new DataView(new ArrayBuffer(2))), TypeError, /"buffer"/)
      expectError(fn("bind", socket, 127, 0), TypeError, /"host"/)
      expectError(fn("bind", socket, "127.0.0.1", 65536), RangeError, /"port"/)
      expectError(fn("bind", socket, "127.0.0.1", "80"), TypeError, /"port"/)
      expectError(fn("connect", socket, "127.0.0.1", -1), RangeError, /"port"/)
      expectError(fn("connect", socket, undefined, 1), TypeError, /"host"/)
      expectError(fn("listen", socket, -1), RangeError, /"backlog"/)
      expectError(fn("listen", socket, "1"), TypeError, /"backlog"/)
      for (const name of ["timerfdSettime", "timerfdGettime"] as const) {
        expectError(fn(name, "3"), TypeError, /"fd"/)
        expectError(fn(name, -1), RangeError, /"fd"/)
      }
      for (const name of ["inotifyAddWatch", "inotifyRmWatch", "pidfdWaitExit", "pidfdSendSignal"] as const) {
        expectError(fn(name, "3"), TypeError, /"fd"/)
        expectError(fn(name, -1), RangeError, /"fd"/)
      }
      expectError(fn("inotifyAddWatch", read, 1, 2), TypeError, /"path"/)
      expectError(fn("inotifyAddWatch", read, ".\0junk", 2), TypeError, /"path".*null bytes/)
      expectError(fn("inotifyAddWatch", read, ".", -1), RangeError, /"mask"/)
      expectError(fn("inotifyAddWatch", read, ".", 2 ** 32), RangeError, /"mask"/)
      expectError(fn("inotifyAddWatch", read, ".", "2"), TypeError, /"mask"/)
      expectError(fn("inotifyRmWatch", read, -1), RangeError, /"wd"/)
      expectError(fn("inotifyRmWatch", read, 1.5), RangeError, /"wd"/)
      expectError(fn("pidfdOpen", 0), RangeError, /"pid"/)
      expectError(fn("pidfdOpen", -1), RangeError, /"pid"/)
      expectError(fn("pidfdOpen", "1"), TypeError, /"pid"/)
      expectError(fn("pidfdSendSignal", read, 65), RangeError, /"signal"/)
      expectError(fn("pidfdSendSignal", read, -1), RangeError, /"signal"/)
      expectError(fn("pidfdSendSignal", read, "SIGTERM"), TypeError, /"signal"/)
      // Thin syscalls on an fd of the wrong kind: -errno, never a throw.
      const { EBADF, EINVAL } = Os.constants.errno
      expect(fn("inotifyAddWatch", read, ".", 2)()).toBe(-EINVAL)
      expect(fn("inotifyRmWatch", read, 1)()).toBe(-EINVAL)
      expect(fn("pidfdWaitExit", read)()).toBe(-EBADF)
      expect(fn("pidfdSendSignal", read, 0)()).toBe(-EBADF)
    } finally {
      poller.close()
      binding.close(read)
      binding.close(write)
      binding.close(socket)
    }
  })

  it("accepts MAX_KEY, reports it as the key, and rejects MAX_KEY + 1", () => {
    expect(MAX_KEY).toBe(2 ** 32 - 2)
    const poller = open()
    const [read, write] = binding.pipe()
    try {
      expectError(() => poller.add(read, MAX_KEY + 1, INTEREST_READABLE, MODE_LEVEL), RangeError, /"key"/)
      poller.add(read, MAX_KEY, INTEREST_READABLE, MODE_LEVEL)
      expectError(() => poller.modify(read, MAX_KEY + 1, INTEREST_READABLE, MODE_LEVEL), RangeError, /"key"/)
      expect(binding.write(write, new Uint8Array([1]))).toBe(1)
      const events = new Uint32Array(8)
      expect(poller.wait(events, 5000)).toBe(1)
      expect([events[0], events[1]! & EVENT_READABLE]).toEqual([MAX_KEY, EVENT_READABLE])
      poller.modify(read, MAX_KEY, INTEREST_READABLE, MODE_LEVEL)
      poller.delete(read)
    } finally {
      poller.close()
      binding.close(read)
      binding.close(write)
    }
  })

  it("rejects a one-element batch and never writes past the batch", () => {
    const poller = open()
    const pipes = [binding.pipe(), binding.pipe()]
    try {
      expectError(() => poller.wait(new Uint32Array(1), 0), RangeError, /"events"/)
      pipes.forEach(([read, write], key) => {
        poller.add(read, key, INTEREST_READABLE, MODE_LEVEL)
        binding.write(write, new Uint8Array([1]))
      })
      // Two ready fds, room for one pair: a length-3 view over a sentinel-filled buffer.
      const backing = new Uint32Array(6).fill(0xdeadbeef)
      expect(poller.wait(backing.subarray(1, 4), 1000)).toBe(1)
      expect([backing[0], backing[3], backing[4], backing[5]]).toEqual([0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef])
      expect([0, 1]).toContain(backing[1])
      // A batch on a SharedArrayBuffer is a Uint32Array like any other.
      const shared = new Uint32Array(new SharedArrayBuffer(32))
      expect(poller.wait(shared, 1000)).toBe(2)
    } finally {
      poller.close()
      for (const [read, write] of pipes) {
        binding.close(read)
        binding.close(write)
      }
    }
  })

  it("refuses to be called without new", () => {
    expectError(() => Reflect.apply(binding.Poller, undefined, [{ backend }]), TypeError, /new/)
    const poller = open()
    try {
      expectError(() => Reflect.apply(binding.Poller, poller, [{ backend }]), TypeError, /new/)
    } finally {
      poller.close()
    }
  })

  it("throws an Illegal invocation TypeError for every wrong receiver", () => {
    const poller = open()
    const proxy = new Proxy(poller, {})
    const receivers: Array<unknown> = [
      {},
      binding.Poller.prototype,
      Object.create(binding.Poller.prototype),
      undefined,
      null,
      1,
      "poller",
      Symbol("poller"),
      proxy,
      () => {},
      binding.Poller,
      new Uint32Array(4),
      binding
    ]
    try {
      for (const receiver of receivers) {
        for (const name of methodNames) {
          const error = thrown(() => Reflect.apply(binding.Poller.prototype[name], receiver, [3, 1, 1, 0]))
          expect(error, name).toBeInstanceOf(TypeError)
          expect((error as Error).message, name).toBe("Illegal invocation")
        }
        for (const name of getterNames) {
          const error = thrown(() => Reflect.apply(getter(name), receiver, []))
          expect(error, name).toBeInstanceOf(TypeError)
          expect((error as Error).message, name).toBe("Illegal invocation")
        }
      }
      // The proxy did not reach the poller behind it.
      expect(poller.closed).toBe(false)
    } finally {
      poller.close()
    }
  })

  it("after close every method but close throws ERR_POLLER_CLOSED; the getters still answer", () => {
    const poller = open()
    const token = poller.notifyToken
    const supportsEdge = poller.supportsEdge
    const [read, write] = binding.pipe()
    try {
      poller.close()
      const calls: Record<string, () => unknown> = {
        add: () => poller.add(read, 1, INTEREST_READABLE, MODE_ONESHOT),
        modify: () => poller.modify(read, 1, INTEREST_READABLE, MODE_ONESHOT),
        delete: () => poller.delete(read),
        wait: () => poller.wait(new Uint32Array(4), 0),
        waitForever: () => poller.wait(new Uint32Array(4), -1),
        notify: () => poller.notify(),
        watch: () => poller.watch(() => {}),
        unwatch: () => poller.unwatch(),
        ref: () => poller.ref(),
        unref: () => poller.unref()
      }
      for (const [name, call] of Object.entries(calls)) {
        const error = thrown(call) as Error & { code?: unknown; errno?: unknown; syscall?: unknown }
        expect(error, name).toBeInstanceOf(Error)
        expect(error, name).not.toBeInstanceOf(TypeError)
        expect(error.code, name).toBe("ERR_POLLER_CLOSED")
      }
      expect(poller.close()).toBeUndefined()
      expect(poller.close()).toBeUndefined()
      expect(poller.closed).toBe(true)
      expect(poller.backend).toBe(backend)
      expect(poller.supportsEdge).toBe(supportsEdge)
      expect(poller.supportsLevel).toBe(true)
      expect(poller.notifyToken).toBe(token)
      // A closed poller's fd number may belong to another file by now: asking for it is an error.
      expect(thrown(() => poller.fd)).toMatchObject({ code: "ERR_POLLER_CLOSED", syscall: "fd" })
    } finally {
      binding.close(read)
      binding.close(write)
    }
  })

  it("reports a failed syscall as an Error with errno, code and syscall", () => {
    const poller = open()
    const [read, write] = binding.pipe()
    const syscall = backend === "epoll" ? "epoll_ctl" : "poll"
    try {
      // The largest fd number the boundary accepts; nothing is open there.
      const badFd = thrown(() => poller.add(2 ** 31 - 1, 1, INTEREST_READABLE, MODE_ONESHOT))
      expect(badFd).toMatchObject({ errno: 9, code: "EBADF", syscall })
      expect(badFd).not.toBeInstanceOf(TypeError)
      expect(thrown(() => poller.delete(read))).toMatchObject({ errno: 2, code: "ENOENT", syscall })
      expect(thrown(() => poller.modify(read, 1, INTEREST_READABLE, MODE_ONESHOT))).toMatchObject({
        code: "ENOENT",
        syscall
      })
      poller.add(read, 1, INTEREST_READABLE, MODE_ONESHOT)
      expect(thrown(() => poller.add(read, 2, INTEREST_READABLE, MODE_ONESHOT))).toMatchObject({
        errno: 17,
        code: "EEXIST",
        syscall
      })
    } finally {
      poller.close()
      binding.close(read)
      binding.close(write)
    }
  })

  it("propagates what an options.backend getter throws, and leaks no fd", () => {
    const before = fdCount()
    const sentinel = new Error("from the getter")
    const options = {
      get backend(): string {
        throw sentinel
      }
    }
    expect(thrown(() => new binding.Poller(options as never))).toBe(sentinel)
    const trap = new Proxy({}, {
      get: () => {
        throw sentinel
      }
    })
    expect(thrown(() => new binding.Poller(trap))).toBe(sentinel)
    expect(fdCount()).toBe(before)
    // A proxy that answers is read like the object it stands for.
    const poller = new binding.Poller(new Proxy({ backend }, {}))
    expect(poller.backend).toBe(backend)
    poller.close()
    expect(fdCount()).toBe(before)
  })

  it("does not wake a closed poller's token or a token never issued", () => {
    const poller = open()
    const token = poller.notifyToken
    expect(Number.isSafeInteger(token) && token > 0).toBe(true)
    expect(binding.notifyToken(token)).toBe(true)
    poller.close()
    expect(binding.notifyToken(token)).toBe(false)
    expect(binding.notifyToken(0)).toBe(false)
    expect(binding.notifyToken(2 ** 53 - 1)).toBe(false)
  })
})

describe("sendMany", () => {
  // Regression: the pointer of each buffer was taken while later elements were still to be read, and reading one can
  // run a getter that detaches (and frees) an earlier buffer: sendmsg then read freed memory (here: sent 5 bytes).
  it("reads every element before it takes a pointer; a detached buffer is a TypeError", () => {
    const [a, b] = binding.socketpair()
    try {
      const first = new Uint8Array(4).fill(7)
      const list = [first, new Uint8Array([9])]
      Object.defineProperty(list, 1, {
        get() {
          structuredClone(first.buffer, { transfer: [first.buffer] })
          return new Uint8Array([9])
        }
      })
      expectError(() => binding.sendMany(a, list), TypeError, /"buffers" argument must not be detached/)
      expect(binding.recv(b, new Uint8Array(16))).toBe(-binding.constants.EAGAIN)
      expect(binding.sendMany(a, [new Uint8Array([1, 2]), new Uint8Array([3])])).toBe(3)
    } finally {
      binding.close(a)
      binding.close(b)
    }
  })
})

describe("byte arguments", () => {
  // The message naming the argument is built only when the check fails (it once cost a heap allocation per send and
  // recv): each failure still names its argument and says what was wrong, and a good call after it still works.
  it("name the argument and say what was wrong, and leave the fd usable", () => {
    const [a, b] = binding.socketpair()
    try {
      const gone = new Uint8Array(4)
      structuredClone(gone.buffer, { transfer: [gone.buffer] })
      expectError(() => binding.send(a, "text" as never), TypeError, /^The "buffer" argument must be a Uint8Array$/)
      expectError(
        () => binding.recv(a, new Uint16Array(4) as never),
        TypeError,
        /^The "buffer" argument must be a Uint8Array$/
      )
      expectError(
        () => binding.send(a, gone),
        TypeError,
        /^The "buffer" argument must not be detached \(its buffer was transferred\)$/
      )
      expectError(
        () => binding.sendMany(a, [new Uint8Array(1), [1] as never]),
        TypeError,
        /^The "buffers" argument must be an array of Uint8Arrays$/
      )
      expect(binding.send(a, new Uint8Array([5, 6]))).toBe(2)
      const into = new Uint8Array(8)
      expect(binding.recv(b, into)).toBe(2)
      expect([...into.subarray(0, 2)]).toEqual([5, 6])
    } finally {
      binding.close(a)
      binding.close(b)
    }
  })
})

describe("fd creators", () => {
  // Regression: pipe, socketpair and openpty created their fds, then built the [a, b] result; when that threw (here a
  // setter on Array.prototype; also an allocation failure or a terminating Worker), both fds stayed open.
  it("close the fds they created when their result cannot be built", () => {
    const sentinel = new Error("from a setter on Array.prototype")
    const creators = { pipe: binding.pipe, socketpair: binding.socketpair, openpty: binding.openpty }
    const before = fdCount()
    Object.defineProperty(Array.prototype, 0, {
      configurable: true,
      set() {
        throw sentinel
      }
    })
    const errors: Record<string, unknown> = {}
    try {
      for (const [name, create] of Object.entries(creators)) {
        errors[name] = thrown(() => Reflect.apply(create, binding, []))
      }
    } finally {
      Reflect.deleteProperty(Array.prototype, 0)
    }
    expect(errors).toEqual({ pipe: sentinel, socketpair: sentinel, openpty: sentinel })
    expect(fdCount()).toBe(before)
  })
})

describe("module init", () => {
  // Regression: a Worker ending while it loaded the addon aborted the whole process (1 Worker in ~100 of the
  // worker-torture run): N-API calls fail once a Worker's environment stops, and both node-addon-api's error
  // constructor (a fatal error) and its module wrapper (a C++ exception rethrown out of the callback) gave up.
  it("a Worker that exits while the addon initializes ends alone", async () => {
    const script = `
      const { Worker } = require("node:worker_threads")
      // A setter that Init's exports.Set("Poller") runs: the worker exits in the middle of the addon's init.
      const code = 'Object.defineProperty(Object.prototype, "Poller", { set() { process.exit(0) } }); ' +
        'require(' + JSON.stringify(${JSON.stringify(addonPath)}) + ')'
      const exits = Array.from({ length: 5 }, () => new Promise((resolve) => {
        new Worker(code, { eval: true }).once("exit", resolve)
      }))
      Promise.all(exits).then((codes) => console.log(JSON.stringify(codes)))
    `
    const child = await runChild(["-e", script], 20_000)
    expect({ code: child.code, signal: child.signal, stdout: child.stdout.trim() }, child.stderr).toEqual({
      code: 0,
      signal: null,
      stdout: "[0,0,0,0,0]"
    })
  })
})
