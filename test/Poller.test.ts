/**
 * The poller's semantics, on real fds, against every backend: what fires, with which key and
 * flags, when, and how often. The Effect face is covered in PollerLayer.test.ts, the native
 * boundary in Poller.boundary.test.ts, threads in Poller.worker.test.ts, and process lifetime and
 * leaks in Poller.lifecycle.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as AsyncFd from "../src/AsyncFd.js"
import * as Interest from "../src/Interest.js"
import { addonPath, binding } from "../src/internal/native.js"
import * as Poller from "../src/Poller.js"
import * as PollEvent from "../src/PollEvent.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import { runExample } from "./utils/examples.js"
import { fdCount, FdScope } from "./utils/fds.js"

const LEVEL = Poller.modeCode("level")
const ONESHOT = Poller.modeCode("oneshot")
const EDGE = Poller.modeCode("edge")
const EDGE_ONESHOT = Poller.modeCode("edgeOneshot")

type Event = readonly [key: number, flags: PollEvent.Flags]

/** The `code` of what `f` throws, or "no error". */
const codeOf = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return (error as { code?: unknown }).code
  }
  return "no error"
}

/**
 * Resolves after `turns` full turns of Node's loop: each `setImmediate` runs in the check phase, after the poll phase
 * that runs the callbacks of watched fds, so a watched poller whose fd is readable is called back at least
 * `turns - 1` times before this resolves.
 */
const loopTurns = async (turns: number): Promise<void> => {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve))
}

describe.each(["epoll", "poll"] as const)("Poller (%s backend)", (backend) => {
  let fds: FdScope
  let poller: Poller.PollerHandle
  const batch = new Uint32Array(2 * 512)

  const wait = (timeoutMs: number, events: Uint32Array = batch): Array<Event> => {
    const count = poller.wait(events, timeoutMs)
    const out: Array<Event> = []
    for (let i = 0; i < count; i++) out.push([events[2 * i]!, events[2 * i + 1]! as PollEvent.Flags])
    return out
  }

  const timed = <A>(f: () => A): [A, number] => {
    const start = process.hrtime.bigint()
    const result = f()
    return [result, Number(process.hrtime.bigint() - start) / 1e6]
  }

  beforeEach(() => {
    fds = new FdScope()
    poller = Poller.unsafeOpen({ backend })
  })

  afterEach(() => {
    poller.close()
    fds.closeAll()
  })

  it("reports its backend and what it supports", () => {
    expect(poller.backend).toBe(backend)
    expect(poller.supportsLevel).toBe(true)
    expect(poller.supportsEdge).toBe(backend === "epoll")
  })

  describe("notify", () => {
    it("a notify before a blocking wait returns at once, ten times in a row, with no event", () => {
      for (let i = 0; i < 10; i++) {
        poller.notify()
        const [events, ms] = timed(() => wait(5000))
        expect(events).toEqual([])
        expect(ms).toBeLessThan(1000)
      }
    })

    it("three notifies before a wait give one wake-up", () => {
      poller.notify()
      poller.notify()
      poller.notify()
      expect(wait(5000)).toEqual([])
      // The three were coalesced into the wake-up above: nothing is left to wake the next wait.
      const [events, ms] = timed(() => wait(30))
      expect(events).toEqual([])
      expect(ms).toBeGreaterThanOrEqual(30)
    })

    it("a notify does not hide a ready source in the same wait or the next", () => {
      const [read, write] = fds.pipe()
      poller.add(read, 9, Interest.readable, LEVEL)
      fds.write(write, "x")
      poller.notify()
      const first = wait(1000)
      const events = first.length > 0 ? first : wait(1000)
      expect(events).toEqual([[9, PollEvent.readable]])
    })
  })

  describe("timeouts", () => {
    it("wait(0) never blocks, and still returns what is ready", () => {
      const [read, write] = fds.pipe()
      poller.add(read, 1, Interest.readable, LEVEL)
      const [nothing, idle] = timed(() => wait(0))
      expect(nothing).toEqual([])
      expect(idle).toBeLessThan(500)
      fds.write(write, "x")
      expect(wait(0)).toEqual([[1, PollEvent.readable]])
    })

    it.each([0.1, 3])("a %s ms wait is never early", (timeoutMs) => {
      for (let i = 0; i < 20; i++) {
        const [events, ms] = timed(() => wait(timeoutMs))
        expect(events).toEqual([])
        expect(ms).toBeGreaterThanOrEqual(timeoutMs)
      }
    })

    it("signals during a 1 s wait give no error and no longer wait", () => {
      // A child blocks its main thread in wait(1000) while this process signals it every 50 ms;
      // epoll_wait and ppoll return EINTR on a handled signal and must resume against the same
      // deadline (signal(7): never restarted automatically).
      const script = `
        const binding = require(${JSON.stringify(addonPath)})
        let signals = 0
        process.on("SIGUSR1", () => { signals++ })
        const poller = new binding.Poller({ backend: ${JSON.stringify(backend)} })
        process.stdout.write("ready\\n")
        const start = process.hrtime.bigint()
        const count = poller.wait(new Uint32Array(2), 1000)
        const ms = Number(process.hrtime.bigint() - start) / 1e6
        setImmediate(() => { process.stdout.write(JSON.stringify({ count, ms, signals }) + "\\n"); poller.close() })
      `
      const result = ChildProcess.spawnSync(process.execPath, ["-e", spawnWithSignals(script)], {
        encoding: "utf8",
        timeout: 20_000
      })
      expect(result.signal).toBeNull()
      expect(result.status).toBe(0)
      const report = JSON.parse(result.stdout.trim().split("\n").pop()!) as {
        count: number
        ms: number
        signals: number
      }
      expect(report.count).toBe(0)
      expect(report.signals).toBeGreaterThan(3)
      expect(report.ms).toBeGreaterThanOrEqual(1000)
      // Restarting the full timeout after each signal would take 1 s more per signal.
      expect(report.ms).toBeLessThan(1900)
    })
  })

  describe("readiness", () => {
    it("readable fires once, with our key, and only after the write", () => {
      const [read, write] = fds.pipe()
      poller.add(read, 42, Interest.readable, ONESHOT)
      expect(wait(20)).toEqual([])
      fds.write(write, "hello")
      expect(wait(1000)).toEqual([[42, PollEvent.readable]])
      expect(wait(20)).toEqual([])
    })

    it("oneshot stays silent until modify re-arms it", () => {
      const [read, write] = fds.pipe()
      poller.add(read, 1, Interest.readable, ONESHOT)
      fds.write(write, "a")
      expect(wait(1000)).toEqual([[1, PollEvent.readable]])
      fds.write(write, "b")
      expect(wait(20)).toEqual([])
      poller.modify(read, 1, Interest.readable, ONESHOT)
      expect(wait(1000)).toEqual([[1, PollEvent.readable]])
      expect(wait(0)).toEqual([])
    })

    it("level keeps reporting until drained", () => {
      const [read, write] = fds.pipe()
      poller.add(read, 3, Interest.readable, LEVEL)
      fds.write(write, "abc")
      for (let i = 0; i < 5; i++) expect(wait(1000)).toEqual([[3, PollEvent.readable]])
      expect(fds.drain(read)).toBe(3)
      expect(wait(20)).toEqual([])
    })

    it("edge reports again only on new data (or is Unsupported)", () => {
      const [read, write] = fds.pipe()
      if (!poller.supportsEdge) {
        expect(codeOf(() => poller.add(read, 4, Interest.readable, EDGE))).toBe("ENOTSUP")
        expect(codeOf(() => poller.add(read, 4, Interest.readable, EDGE_ONESHOT))).toBe("ENOTSUP")
        poller.add(read, 4, Interest.readable, LEVEL)
        expect(codeOf(() => poller.modify(read, 4, Interest.readable, EDGE))).toBe("ENOTSUP")
        return
      }
      poller.add(read, 4, Interest.readable, EDGE)
      fds.write(write, "a")
      expect(wait(1000)).toEqual([[4, PollEvent.readable]])
      // Still unread, but no new edge.
      expect(wait(20)).toEqual([])
      fds.write(write, "b")
      expect(wait(1000)).toEqual([[4, PollEvent.readable]])
      expect(wait(20)).toEqual([])
    })

    it("edge-oneshot reports one edge until re-armed", () => {
      if (!poller.supportsEdge) return expect(poller.supportsEdge).toBe(false)
      const [read, write] = fds.pipe()
      poller.add(read, 5, Interest.readable, EDGE_ONESHOT)
      fds.write(write, "a")
      expect(wait(1000)).toEqual([[5, PollEvent.readable]])
      fds.write(write, "b")
      expect(wait(20)).toEqual([])
      poller.modify(read, 5, Interest.readable, EDGE_ONESHOT)
      expect(wait(1000)).toEqual([[5, PollEvent.readable]])
    })

    it("writable interest fires on a writable fd and readable interest does not", () => {
      const [read, write] = fds.pipe()
      poller.add(write, 6, Interest.writable, ONESHOT)
      poller.add(read, 7, Interest.readable, ONESHOT)
      expect(wait(1000)).toEqual([[6, PollEvent.writable]])
    })

    it("modify replaces interest and key", () => {
      const [a, b] = fds.socketpair()
      poller.add(a, 10, Interest.readable, LEVEL)
      // Writable but not readable: nothing for a readable interest.
      expect(wait(20)).toEqual([])
      poller.modify(a, 11, Interest.writable, LEVEL)
      expect(wait(1000)).toEqual([[11, PollEvent.writable]])
      fds.write(b, "x")
      poller.modify(a, 12, Interest.readable, LEVEL)
      expect(wait(1000)).toEqual([[12, PollEvent.readable]])
      poller.modify(a, 13, Interest.both, LEVEL)
      expect(wait(1000)).toEqual([[13, PollEvent.readable | PollEvent.writable]])
    })

    it("peer close reports readable and hang-up", () => {
      const [a, b] = fds.socketpair()
      poller.add(a, 20, Interest.readable, ONESHOT)
      fds.close(b)
      const events = wait(1000)
      expect(events.length).toBe(1)
      const [key, flags] = events[0]!
      expect(key).toBe(20)
      expect(PollEvent.isReadable(flags)).toBe(true)
      expect(PollEvent.isHangup(flags)).toBe(true)
      expect(PollEvent.isError(flags)).toBe(false)
    })

    it("a failed non-blocking connect reports writable and error", () => {
      const socket = fds.connecting(fds.closedPort())
      poller.add(socket, 21, Interest.writable, ONESHOT)
      const events = wait(2000)
      expect(events.length).toBe(1)
      const [key, flags] = events[0]!
      expect(key).toBe(21)
      expect(PollEvent.isWritable(flags)).toBe(true)
      expect(PollEvent.isError(flags)).toBe(true)
    })

    it("TCP urgent data reports priority", () => {
      const listener = fds.track(binding.socket(4, "stream"))
      expect(binding.bind(listener, "127.0.0.1", 0)).toBe(0)
      expect(binding.listen(listener, 1)).toBe(0)
      const client = fds.connecting(binding.localPort(listener))
      poller.add(listener, 23, Interest.readable, ONESHOT)
      expect(wait(2000)).toEqual([[23, PollEvent.readable]])
      const accepted = new Int32Array(1)
      expect(binding.acceptMany(listener, accepted)).toBe(1)
      const server = fds.track(accepted[0]!)
      poller.add(server, 24, Interest.priority, ONESHOT)
      expect(wait(20)).toEqual([])
      expect(binding.send(client, Buffer.from("!"), 0, 1, binding.constants.MSG_OOB)).toBe(1)
      const events = wait(2000)
      expect(events.length).toBe(1)
      expect(events[0]![0]).toBe(24)
      expect(PollEvent.isPriority(events[0]![1])).toBe(true)
    })

    it("an eventfd is readable once its counter is non-zero", () => {
      const fd = fds.eventfd(0)
      poller.add(fd, 22, Interest.readable, LEVEL)
      expect(wait(20)).toEqual([])
      const one = new Uint8Array(new BigUint64Array([1n]).buffer)
      fds.write(fd, one)
      expect(wait(1000)).toEqual([[22, PollEvent.readable]])
    })
  })

  describe("registrations", () => {
    it("add twice is EEXIST and the first registration still works", () => {
      const [read, write] = fds.pipe()
      poller.add(read, 30, Interest.readable, ONESHOT)
      expect(codeOf(() => poller.add(read, 31, Interest.readable, ONESHOT))).toBe("EEXIST")
      fds.write(write, "x")
      expect(wait(1000)).toEqual([[30, PollEvent.readable]])
    })

    it("delete and modify of an unknown fd are ENOENT", () => {
      const [read] = fds.pipe()
      expect(codeOf(() => poller.delete(read))).toBe("ENOENT")
      expect(codeOf(() => poller.modify(read, 1, Interest.readable, ONESHOT))).toBe("ENOENT")
      poller.add(read, 1, Interest.readable, ONESHOT)
      poller.delete(read)
      expect(codeOf(() => poller.delete(read))).toBe("ENOENT")
    })

    it("an fd that is not open is EBADF", () => {
      const [read] = fds.pipe()
      fds.close(read)
      expect(codeOf(() => poller.add(read, 1, Interest.readable, ONESHOT))).toBe("EBADF")
    })

    it("no events after delete", () => {
      const [read, write] = fds.pipe()
      poller.add(read, 32, Interest.readable, LEVEL)
      fds.write(write, "x")
      expect(wait(1000)).toEqual([[32, PollEvent.readable]])
      poller.delete(read)
      expect(wait(20)).toEqual([])
    })

    it.each([
      ["a regular file", () => Path.join(Os.tmpdir(), `effect-reactor-${process.pid}-${Math.random()}`)],
      ["/dev/null", () => "/dev/null"],
      ["a directory", () => Os.tmpdir()]
    ])("%s is refused with EPERM", (_, path) => {
      const target = path()
      const isTemp = target.includes("effect-reactor-")
      if (isTemp) Fs.writeFileSync(target, "data")
      try {
        const fd = fds.openFile(target)
        expect(codeOf(() => poller.add(fd, 1, Interest.readable, LEVEL))).toBe("EPERM")
        expect(wait(0)).toEqual([])
      } finally {
        if (isTemp) Fs.rmSync(target)
      }
    })

    it("200 sources made ready in random order each fire only their own key", () => {
      const pipes = Array.from({ length: 200 }, () => fds.pipe())
      // Keys unrelated to fd numbers, so a key/fd mix-up cannot pass.
      const keyOf = (i: number) => 1000 + ((i * 7919) % 200) * 3
      pipes.forEach(([read], i) => poller.add(read, keyOf(i), Interest.readable, ONESHOT))
      const order = pipes.map((_, i) => i).sort(() => Math.random() - 0.5)
      for (const i of order) {
        fds.write(pipes[i]![1], "x")
        expect(wait(1000)).toEqual([[keyOf(i), PollEvent.readable]])
      }
      expect(wait(0)).toEqual([])
    })

    it("a batch smaller than the ready set drains over several waits", () => {
      const pipes = Array.from({ length: 50 }, () => fds.pipe())
      pipes.forEach(([read, write], i) => {
        poller.add(read, i, Interest.readable, ONESHOT)
        fds.write(write, "x")
      })
      const small = new Uint32Array(2 * 7)
      const seen: Array<number> = []
      for (let round = 0; round < 20 && seen.length < 50; round++) {
        const events = wait(1000, small)
        expect(events.length).toBeLessThanOrEqual(7)
        expect(events.length).toBeGreaterThan(0)
        for (const [key] of events) seen.push(key)
      }
      expect(seen.sort((a, b) => a - b)).toEqual(pipes.map((_, i) => i))
      expect(wait(0)).toEqual([])
    })

    it("level-triggered sources beyond the batch are not starved", () => {
      const pipes = Array.from({ length: 30 }, () => fds.pipe())
      pipes.forEach(([read, write], i) => {
        poller.add(read, i, Interest.readable, LEVEL)
        fds.write(write, "x")
      })
      const small = new Uint32Array(2 * 4)
      const seen = new Set<number>()
      for (let round = 0; round < 8; round++) for (const [key] of wait(1000, small)) seen.add(key)
      expect(seen.size).toBe(30)
    })

    it("fd-number reuse under a new key fires only the new key", () => {
      const [read, write] = fds.pipe()
      poller.add(read, 50, Interest.readable, LEVEL)
      fds.write(write, "old")
      poller.delete(read)
      fds.close(read)
      fds.close(write)
      // The lowest free number is reused by the next open.
      const [reused, writer] = fds.pipe()
      expect([reused, writer]).toContain(read)
      const target = reused === read ? reused : writer
      const interest = reused === read ? Interest.readable : Interest.writable
      poller.add(target, 51, interest, LEVEL)
      if (target === reused) fds.write(writer, "new")
      expect(wait(1000)).toEqual([[51, reused === read ? PollEvent.readable : PollEvent.writable]])
    })

    // Regression (issue 11): the poll(2) backend kept polling a number closed without a delete, so the file that got
    // the number next had its events reported under the old key.
    it("an fd closed without a delete: the next owner of its number never fires the old key", () => {
      const [read] = fds.pipe()
      poller.add(read, 60, Interest.readable, LEVEL)
      // Only the read end is closed: the old pipe stays quiet (its write end is open).
      fds.close(read)
      const [reused, writer] = fds.pipe()
      expect([reused, writer]).toContain(read)
      // Make the file now behind the number ready: readable data, or a writable pipe end.
      if (reused === read) fds.write(writer, "new")
      expect(wait(50)).toEqual([])
    })

    it("keys span the whole range up to MAX_KEY", () => {
      const [read, write] = fds.pipe()
      poller.add(read, 0xfffffffe, Interest.readable, ONESHOT)
      fds.write(write, "x")
      expect(wait(1000)).toEqual([[0xfffffffe, PollEvent.readable]])
    })
  })

  describe("close", () => {
    it("is idempotent, and every later call is ERR_POLLER_CLOSED", () => {
      const [read] = fds.pipe()
      poller.close()
      poller.close()
      expect(poller.closed).toBe(true)
      expect(codeOf(() => poller.add(read, 1, Interest.readable, ONESHOT))).toBe("ERR_POLLER_CLOSED")
      expect(codeOf(() => poller.modify(read, 1, Interest.readable, ONESHOT))).toBe("ERR_POLLER_CLOSED")
      expect(codeOf(() => poller.delete(read))).toBe("ERR_POLLER_CLOSED")
      expect(codeOf(() => poller.wait(batch, 0))).toBe("ERR_POLLER_CLOSED")
      expect(codeOf(() => poller.notify())).toBe("ERR_POLLER_CLOSED")
      expect(codeOf(() => poller.watch(() => {}))).toBe("ERR_POLLER_CLOSED")
    })
  })

  describe("watch", () => {
    it("runs the callback on Node's loop when a source is ready, without blocking it", async () => {
      const [read, write] = fds.pipe()
      poller.add(read, 60, Interest.readable, ONESHOT)
      const seen: Array<Event> = []
      let timerRan = false
      const done = new Promise<void>((resolve) => {
        poller.watch(() => {
          seen.push(...wait(0))
          if (seen.length > 0) resolve()
        })
      })
      setTimeout(() => {
        timerRan = true
        fds.write(write, "x")
      }, 20)
      await done
      poller.unwatch()
      expect(timerRan).toBe(true)
      expect(seen).toEqual([[60, PollEvent.readable]])
    })

    it("a notify runs the callback once, and it reports no event", async () => {
      let calls = 0
      const events: Array<Event> = []
      const called = new Promise<void>((resolve) => {
        poller.watch(() => {
          calls++
          events.push(...wait(0))
          resolve()
        })
      })
      poller.notify()
      poller.notify()
      await called
      // Turns of the loop that poll the poller's fd again: were the two notifies not coalesced into one wake-up (the
      // poller's fd still readable after the callback's wait), they would call back again.
      await loopTurns(3)
      poller.unwatch()
      expect(calls).toBe(1)
      expect(events).toEqual([])
    })

    it("after unwatch the callback no longer runs", async () => {
      const [read, write] = fds.pipe()
      poller.add(read, 61, Interest.readable, LEVEL)
      let calls = 0
      poller.watch(() => {
        calls++
        wait(0)
      })
      poller.unwatch()
      fds.write(write, "x")
      // Turns of the loop in which the pipe is readable: a watch would have been called back in them.
      await loopTurns(3)
      expect(calls).toBe(0)
      expect(wait(0)).toEqual([[61, PollEvent.readable]])
      // The control: watched again, the same readiness calls back.
      await new Promise<void>((resolve) => {
        poller.watch(() => {
          calls++
          wait(0)
          poller.unwatch()
          resolve()
        })
      })
      expect(calls).toBe(1)
    })
  })
})

// Wraps a child script with a sender: a second process signals the child every 50 ms while it waits.
function spawnWithSignals(script: string): string {
  return `
    const { spawn } = require("node:child_process")
    const child = spawn(process.execPath, ["-e", ${JSON.stringify(script)}], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    let timer
    child.stdout.on("data", (chunk) => {
      out += chunk
      if (out.startsWith("ready\\n") && timer === undefined) {
        let sent = 0
        timer = setInterval(() => { if (++sent > 15) clearInterval(timer); else child.kill("SIGUSR1") }, 50)
      }
    })
    child.on("exit", (code, signal) => { clearInterval(timer); process.stdout.write(out); process.exit(code ?? 1) })
  `
}

describe("nested", () => {
  const backends = ["epoll", "poll"] as const
  const pairs = backends.flatMap((outer) => backends.map((inner) => [outer, inner] as const))

  const waitOn = (poller: Poller.PollerHandle, timeoutMs: number): Array<Event> => {
    const events = new Uint32Array(2 * 16)
    const count = poller.wait(events, timeoutMs)
    const out: Array<Event> = []
    for (let i = 0; i < count; i++) out.push([events[2 * i]!, events[2 * i + 1]! as PollEvent.Flags])
    return out
  }

  /** An inner poller with a pipe under key 7 (oneshot), itself registered in an outer poller under key 1 (level). */
  const withNested = (
    outerBackend: Poller.Backend,
    innerBackend: Poller.Backend,
    body: (nest: {
      readonly outer: Poller.PollerHandle
      readonly inner: Poller.PollerHandle
      readonly read: number
      readonly write: number
    }) => void
  ) => {
    const before = fdCount()
    const fds = new FdScope()
    const inner = Poller.unsafeOpen({ backend: innerBackend })
    const outer = Poller.unsafeOpen({ backend: outerBackend })
    try {
      const [read, write] = fds.pipe()
      inner.add(read, 7, Interest.readable, ONESHOT)
      outer.add(inner.fd, 1, Interest.readable, LEVEL)
      body({ outer, inner, read, write })
      outer.delete(inner.fd)
    } finally {
      outer.close()
      inner.close()
      fds.closeAll()
    }
    expect(fdCount()).toBe(before)
  }

  describe.each(pairs)("outer %s, inner %s", (outerBackend, innerBackend) => {
    it("a ready source of the inner poller makes the outer report the inner's key; the inner's wait(0) has it", () =>
      withNested(outerBackend, innerBackend, ({ outer, inner, read, write }) => {
        expect(waitOn(outer, 0)).toEqual([])
        expect(binding.write(write, Buffer.from("x"))).toBe(1)
        expect(waitOn(outer, 5000)).toEqual([[1, PollEvent.readable]])
        // Level-triggered in the outer: still readable until the inner is drained.
        expect(waitOn(outer, 0)).toEqual([[1, PollEvent.readable]])
        expect(waitOn(inner, 0)).toEqual([[7, PollEvent.readable]])
        // The inner's oneshot entry is disarmed: nothing left to report, and the outer is quiet.
        expect(waitOn(outer, 0)).toEqual([])
        // Re-armed while the pipe still holds the byte: ready again at once.
        inner.modify(read, 7, Interest.readable, ONESHOT)
        expect(waitOn(outer, 5000)).toEqual([[1, PollEvent.readable]])
        expect(waitOn(inner, 0)).toEqual([[7, PollEvent.readable]])
        expect(waitOn(outer, 0)).toEqual([])
      }))

    it("a notify of the inner poller makes its fd readable once; the inner's wait(0) consumes it", () =>
      withNested(outerBackend, innerBackend, ({ outer, inner }) => {
        inner.notify()
        inner.notify()
        expect(waitOn(outer, 5000)).toEqual([[1, PollEvent.readable]])
        expect(waitOn(inner, 0)).toEqual([])
        expect(waitOn(outer, 0)).toEqual([])
      }))

    it.live("through the Reactor: AsyncFd over the inner poller's fd waits readable without blocking Node", () =>
      Effect.gen(function*() {
        const before = fdCount()
        yield* Effect.scoped(Effect.gen(function*() {
          const fds = new FdScope()
          yield* Effect.addFinalizer(() => Effect.sync(() => fds.closeAll()))
          const inner = yield* Poller.make({ backend: innerBackend })
          const [read, write] = fds.pipe()
          yield* inner.add(read, 7, Interest.readable, "oneshot")
          const pollable = yield* AsyncFd.register(yield* inner.fd, { interest: Interest.readable })
          const events = PollEvent.makeBatch(8)
          let attempts = 0
          const drain = pollable.readWith((): Array<number> | AsyncFd.WouldBlock => {
            attempts++
            const count = inner.handle.wait(events, 0)
            if (count === 0) return AsyncFd.WouldBlock
            const keys: Array<number> = []
            PollEvent.forEach(events, count, (key) => keys.push(key))
            return keys
          })
          // Nothing is ready: the drain waits, and only a Node timer can make the pipe readable.
          let timerFired = false
          const waiting = yield* Effect.fork(drain)
          setTimeout(() => {
            timerFired = true
            binding.write(write, Buffer.from("x"))
          }, 1)
          expect(yield* Fiber.join(waiting)).toEqual([7])
          expect(timerFired).toBe(true)
          expect(attempts).toBeGreaterThanOrEqual(2)
          // The readable wait proper: once the inner has nothing to report, the cached readiness goes back, and a
          // notify of the inner poller is what wakes the wait.
          const stale = yield* pollable.readable
          expect(inner.handle.wait(events, 0)).toBe(0)
          pollable.clearReadiness(stale)
          let notified = false
          const readable = yield* Effect.fork(pollable.readable)
          setTimeout(() => {
            notified = true
            inner.handle.notify()
          }, 1)
          yield* Fiber.join(readable)
          expect(notified).toBe(true)
          expect(inner.handle.wait(events, 0)).toBe(0)
        }))
        expect(fdCount()).toBe(before)
      }).pipe(Effect.provide(ReactorRuntime.layerWith({ backend: outerBackend }))))
  })

  describe.each(backends)("the pollable fd (%s)", (backend) => {
    it("is one number, refused by its own poller, ERR_POLLER_CLOSED once closed; no fd is left", () => {
      const before = fdCount()
      const poller = Poller.unsafeOpen({ backend })
      const fd = poller.fd
      expect(Number.isInteger(fd) && fd >= 0).toBe(true)
      expect(poller.fd).toBe(fd)
      // epoll_ctl(2): EINVAL when fd is the epoll fd itself; the poll backend's own eventfd is already taken.
      expect(codeOf(() => poller.add(fd, 1, Interest.readable, LEVEL))).toBe(backend === "epoll" ? "EINVAL" : "EEXIST")
      poller.close()
      expect(codeOf(() => poller.fd)).toBe("ERR_POLLER_CLOSED")
      expect(fdCount()).toBe(before)
    })

    it.live("the service's fd is an Effect; it fails with Closed once the scope has closed the poller", () =>
      Effect.gen(function*() {
        const service = yield* Effect.scoped(Effect.gen(function*() {
          const poller = yield* Poller.make({ backend })
          expect(yield* poller.fd).toBe(poller.handle.fd)
          return poller
        }))
        const exit = yield* Effect.exit(service.fd)
        expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error.reason).toBe("Closed")
      }))
  })

  it("two epoll pollers cannot hold each other (ELOOP)", () => {
    const a = Poller.unsafeOpen({ backend: "epoll" })
    const b = Poller.unsafeOpen({ backend: "epoll" })
    try {
      a.add(b.fd, 1, Interest.readable, LEVEL)
      expect(codeOf(() => b.add(a.fd, 2, Interest.readable, LEVEL))).toBe("ELOOP")
    } finally {
      a.close()
      b.close()
    }
  })

  it("docs/examples/nested-poller.ts runs by itself and prints what it shows", async () => {
    expect(await runExample("nested-poller.ts")).toEqual([
      "the inner poller (poll) waits inside the Reactor (epoll)",
      "inner key 1: \"hello\"",
      "inner key 2: \"world\"",
      "done"
    ])
  }, 90_000)
})

describe("the built addon", () => {
  // Regression (issue 11): epoll_pwait2 was glibc's wrapper (GLIBC_2.35), so an addon built here could not be loaded
  // where glibc is older, although its ENOSYS fallback was written for old kernels. objdump comes with the compiler.
  it("needs no glibc symbol newer than 2.34 and calls epoll_pwait2 without glibc's wrapper", () => {
    const result = ChildProcess.spawnSync("objdump", ["-T", addonPath], { encoding: "utf8" })
    expect(result.status, result.stderr).toBe(0)
    const imports = result.stdout.split("\n").filter((line) => line.includes("*UND*"))
    expect(imports.filter((line) => line.includes("epoll_pwait2"))).toEqual([])
    const versions = imports.flatMap((line) => {
      const match = /GLIBC_(\d+)\.(\d+)/.exec(line)
      return match === null ? [] : [Number(match[1]) * 1000 + Number(match[2])]
    })
    expect(versions.length).toBeGreaterThan(0)
    expect(Math.max(...versions)).toBeLessThan(2035)
  })
})
