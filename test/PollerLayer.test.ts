import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Scope } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Worker } from "node:worker_threads"
import * as Interest from "../src/Interest.js"
import { addonPath, binding } from "../src/internal/native.js"
import { timeoutMillis } from "../src/internal/poller.js"
import * as Poller from "../src/Poller.js"
import type * as PollerError from "../src/PollerError.js"
import * as PollEvent from "../src/PollEvent.js"
import * as PollMode from "../src/PollMode.js"

const fdCount = (): number => Fs.readdirSync("/proc/self/fd").length

/** A non-blocking pipe owned by the scope: both ends closed when it closes. */
const pipe = Effect.acquireRelease(
  Effect.sync(() => binding.pipe()),
  ([read, write]) =>
    Effect.sync(() => {
      binding.close(read)
      binding.close(write)
    })
)

/** A regular file opened for reading, owned by the scope. */
const regularFile = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-reactor-"))
    const path = Path.join(dir, "file")
    Fs.writeFileSync(path, "data")
    return { dir, fd: Fs.openSync(path, "r") }
  }),
  ({ dir, fd }) =>
    Effect.sync(() => {
      Fs.closeSync(fd)
      Fs.rmSync(dir, { recursive: true, force: true })
    })
)

const write = (fd: number, text: string) => binding.write(fd, new TextEncoder().encode(text))

const reasonOf = <A, R>(effect: Effect.Effect<A, PollerError.PollerError, R>) =>
  Effect.map(Effect.flip(effect), (error) => error.reason)

const pairs = (events: Uint32Array, count: number): Array<[number, number]> => {
  const seen: Array<[number, number]> = []
  PollEvent.forEach(events, count, (key, flags) => seen.push([key, flags]))
  return seen
}

describe("Poller.layer", () => {
  it.effect("opens an epoll poller on Linux", () =>
    Effect.gen(function*() {
      const poller = yield* Poller.Poller
      expect(poller.backend).toBe("epoll")
      expect(poller.handle.backend).toBe("epoll")
      expect(poller.handle.closed).toBe(false)
    }).pipe(Effect.provide(Poller.layer)))

  it.effect("closes the poller when the layer is released", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Poller.layer, scope)
      const poller = yield* Effect.provide(Poller.Poller, context)
      expect(poller.handle.closed).toBe(false)
      yield* Scope.close(scope, Exit.void)
      expect(poller.handle.closed).toBe(true)
    }))
})

describe("Poller", () => {
  it("decodes timeouts to native milliseconds", () => {
    expect(timeoutMillis(0)).toBe(0)
    expect(Object.is(timeoutMillis(-0), 0)).toBe(true)
    expect(timeoutMillis(2.5)).toBe(2.5)
    expect(timeoutMillis("forever")).toBe(-1)
    expect(timeoutMillis(Infinity)).toBe(-1)
    expect(timeoutMillis(Duration.infinity)).toBe(-1)
    expect(timeoutMillis("3 seconds")).toBe(3000)
    expect(timeoutMillis("250 micros")).toBe(0.25)
    expect(timeoutMillis(Duration.seconds(2))).toBe(2000)
    expect(timeoutMillis(1_500_000n)).toBe(1.5)
    expect(timeoutMillis([1, 500_000])).toBe(1000.5)
    const bad: ReadonlyArray<unknown> = [NaN, -1, -Infinity, -1n, "-1 millis", "soon", "", [NaN, 0], [0, -1], [1]]
    for (const timeout of [...bad, {}, null, Object.create(null)]) {
      expect(timeoutMillis(timeout as Poller.Timeout)).toBeUndefined()
    }
  })

  it("modeCode gives the native codes", () => {
    for (const mode of PollMode.modes) {
      const expected = {
        oneshot: binding.constants.MODE_ONESHOT,
        level: binding.constants.MODE_LEVEL,
        edge: binding.constants.MODE_EDGE,
        edgeOneshot: binding.constants.MODE_EDGE_ONESHOT
      }[mode]
      expect(Poller.modeCode(mode)).toBe(expected)
    }
  })

  it("unsafeOpen returns the native poller itself", () => {
    const handle = Poller.unsafeOpen({ backend: "poll" })
    try {
      expect(handle).toBeInstanceOf(binding.Poller)
      expect(handle.backend).toBe("poll")
    } finally {
      handle.close()
    }
    expect(handle.closed).toBe(true)
    // Closing twice is a no-op.
    handle.close()
  })

  it("unsafeOpen throws for an unknown backend", () => {
    expect(() => Poller.unsafeOpen({ backend: "kqueue" as Poller.Backend })).toThrow(RangeError)
  })

  it.effect("make fails with InvalidArgument for an unknown backend, and leaks nothing", () =>
    Effect.gen(function*() {
      const before = fdCount()
      const error = yield* Effect.flip(Effect.scoped(Poller.make({ backend: "kqueue" as Poller.Backend })))
      expect(error.reason).toBe("InvalidArgument")
      expect(fdCount()).toBe(before)
    }))

  it.effect("opening and closing pollers leaks no fd", () =>
    Effect.gen(function*() {
      const before = fdCount()
      for (let i = 0; i < 20; i++) {
        yield* Effect.scoped(Poller.make({ backend: i % 2 === 0 ? "epoll" : "poll" }))
      }
      expect(fdCount()).toBe(before)
    }))
})

describe.each(["epoll", "poll"] as const)("Poller (%s)", (backend) => {
  const layer = Poller.layerWith({ backend })
  const scopedPoller = Poller.make({ backend })

  it.effect("layerWith opens the requested backend", () =>
    Effect.gen(function*() {
      const poller = yield* Poller.Poller
      expect(poller.backend).toBe(backend)
      expect(poller.supportsEdge).toBe(backend === "epoll")
      expect(poller.supportsLevel).toBe(true)
      expect(poller.notifier.token).toBe(poller.handle.notifyToken)
    }).pipe(Effect.provide(layer)))

  it.effect("closing the scope closes the poller; later operations fail with Closed", () =>
    Effect.gen(function*() {
      const events = PollEvent.makeBatch(4)
      const poller = yield* Effect.scoped(
        Effect.tap(scopedPoller, (poller) => Effect.sync(() => expect(poller.handle.closed).toBe(false)))
      )
      expect(poller.handle.closed).toBe(true)
      yield* Effect.scoped(Effect.gen(function*() {
        const [read] = yield* pipe
        expect(yield* reasonOf(poller.add(read, 1, Interest.readable))).toBe("Closed")
        expect(yield* reasonOf(poller.modify(read, 1, Interest.readable))).toBe("Closed")
        // Closed wins over a mode the backend cannot do.
        expect(yield* reasonOf(poller.add(read, 1, Interest.readable, "edge"))).toBe("Closed")
        expect(yield* reasonOf(poller.delete(read))).toBe("Closed")
      }))
      expect(yield* reasonOf(poller.wait(events, 0))).toBe("Closed")
      expect(yield* reasonOf(poller.notify)).toBe("Closed")
      expect(Poller.notifyFrom(poller.notifier)).toBe(false)
    }))

  it.scoped("wait reports a readable pipe under its key", () =>
    Effect.gen(function*() {
      const poller = yield* scopedPoller
      const [read, writeEnd] = yield* pipe
      const events = PollEvent.makeBatch(8)
      yield* poller.add(read, 42, Interest.readable)
      expect(yield* poller.wait(events, 0)).toBe(0)
      expect(write(writeEnd, "x")).toBe(1)
      const count = yield* poller.wait(events, 5000)
      expect(pairs(events, count)).toEqual([[42, PollEvent.readable]])
      yield* poller.delete(read)
    }))

  it.scoped("oneshot disarms after one report and modify re-arms", () =>
    Effect.gen(function*() {
      const poller = yield* scopedPoller
      const [read, writeEnd] = yield* pipe
      const events = PollEvent.makeBatch(8)
      write(writeEnd, "x")
      yield* poller.add(read, 7, Interest.readable, "oneshot")
      expect(pairs(events, yield* poller.wait(events, 1000))).toEqual([[7, PollEvent.readable]])
      expect(yield* poller.wait(events, 0)).toBe(0)
      yield* poller.modify(read, 8, Interest.readable)
      expect(pairs(events, yield* poller.wait(events, 1000))).toEqual([[8, PollEvent.readable]])
      yield* poller.delete(read)
    }))

  it.scoped("level keeps reporting a ready fd", () =>
    Effect.gen(function*() {
      const poller = yield* scopedPoller
      const [read, writeEnd] = yield* pipe
      const events = PollEvent.makeBatch(8)
      write(writeEnd, "x")
      yield* poller.add(read, 3, Interest.readable, "level")
      expect(yield* poller.wait(events, 1000)).toBe(1)
      expect(yield* poller.wait(events, 1000)).toBe(1)
      yield* poller.delete(read)
    }))

  it.scoped("wait accepts every timeout form", () =>
    Effect.gen(function*() {
      const poller = yield* scopedPoller
      const events = PollEvent.makeBatch(1)
      const timeouts: ReadonlyArray<Poller.Timeout> = [0, 0.5, 0n, "1 millis", [0, 100_000], -0, Duration.zero]
      for (const timeout of timeouts) {
        expect(yield* poller.wait(events, timeout)).toBe(0)
      }
    }))

  it.scoped("wait blocks for the timeout when nothing is ready", () =>
    Effect.gen(function*() {
      const poller = yield* scopedPoller
      const events = PollEvent.makeBatch(1)
      for (const timeout of [50, "50 millis", Duration.millis(50), 50_000_000n] as const) {
        const start = performance.now()
        expect(yield* poller.wait(events, timeout)).toBe(0)
        expect(performance.now() - start).toBeGreaterThanOrEqual(49)
      }
    }))

  it.scoped("add of a regular file fails with Unsupported", () =>
    Effect.gen(function*() {
      const poller = yield* scopedPoller
      const { fd } = yield* regularFile
      const error = yield* Effect.flip(poller.add(fd, 1, Interest.readable))
      expect(error.reason).toBe("Unsupported")
      expect(error.code).toBe("EPERM")
      // The message says what the fd is and what to use instead; the handle throws the same error.
      expect(error.message).toBe(
        `EPERM: fd ${fd} is a regular file, which a poller cannot wait on (it is always ready); use File for it, ` +
          `which runs its IO on libuv's thread pool, ${error.syscall}`
      )
      expect(() => poller.handle.add(fd, 1, Interest.readable, 0)).toThrow(error.message)
    }))

  it.scoped("adding an fd twice fails with AlreadyExists", () =>
    Effect.gen(function*() {
      const poller = yield* scopedPoller
      const [read] = yield* pipe
      yield* poller.add(read, 1, Interest.readable)
      const error = yield* Effect.flip(poller.add(read, 2, Interest.readable))
      expect(error.reason).toBe("AlreadyExists")
      expect(error.code).toBe("EEXIST")
      yield* poller.delete(read)
    }))

  it.scoped("delete and modify of an unregistered fd fail with NotFound", () =>
    Effect.gen(function*() {
      const poller = yield* scopedPoller
      const [read] = yield* pipe
      expect(yield* reasonOf(poller.delete(read))).toBe("NotFound")
      expect(yield* reasonOf(poller.modify(read, 1, Interest.readable))).toBe("NotFound")
      yield* poller.add(read, 1, Interest.readable)
      yield* poller.delete(read)
      expect(yield* reasonOf(poller.delete(read))).toBe("NotFound")
    }))

  it.scoped("add of an fd that is not open fails with BadDescriptor", () =>
    Effect.gen(function*() {
      const poller = yield* scopedPoller
      const error = yield* Effect.flip(poller.add(1_000_000, 1, Interest.readable))
      expect(error.reason).toBe("BadDescriptor")
      expect(error.errno).toBe(Os.constants.errno.EBADF)
    }))

  it.scoped("bad arguments fail with InvalidArgument, never a crash", () =>
    Effect.gen(function*() {
      const poller = yield* scopedPoller
      const [read] = yield* pipe
      const events = PollEvent.makeBatch(1)
      expect(yield* reasonOf(poller.add(-1, 1, Interest.readable))).toBe("InvalidArgument")
      expect(yield* reasonOf(poller.add(1.5, 1, Interest.readable))).toBe("InvalidArgument")
      expect(yield* reasonOf(poller.add(read, -1, Interest.readable))).toBe("InvalidArgument")
      expect(yield* reasonOf(poller.add(read, binding.constants.MAX_KEY + 1, Interest.readable))).toBe(
        "InvalidArgument"
      )
      expect(yield* reasonOf(poller.add(read, 1, 8 as Interest.Interest))).toBe("InvalidArgument")
      expect(yield* reasonOf(poller.add(read, 1, Interest.readable, "sometimes" as PollMode.PollMode))).toBe(
        "InvalidArgument"
      )
      expect(yield* reasonOf(poller.delete(-1))).toBe("InvalidArgument")
      for (const timeout of [NaN, -1, -0.5, -1n, "-1 millis", "soon", [NaN, 0], [-1, 0], Object.create(null)]) {
        expect(yield* reasonOf(poller.wait(events, timeout as Poller.Timeout))).toBe("InvalidArgument")
      }
      expect(yield* reasonOf(poller.wait(new Uint32Array(0), 0))).toBe("InvalidArgument")
      expect(yield* reasonOf(poller.wait([0, 0] as unknown as Uint32Array, 0))).toBe("InvalidArgument")
      // Nothing was registered along the way.
      expect(yield* reasonOf(poller.delete(read))).toBe("NotFound")
    }))

  it.scoped("edge modes are Unsupported exactly when the backend lacks them", () =>
    Effect.gen(function*() {
      const poller = yield* scopedPoller
      const [read] = yield* pipe
      for (const mode of ["edge", "edgeOneshot"] as const) {
        if (poller.supportsEdge) {
          yield* poller.add(read, 1, Interest.readable, mode)
          yield* poller.modify(read, 1, Interest.readable, mode)
          yield* poller.delete(read)
        } else {
          const added = yield* Effect.flip(poller.add(read, 1, Interest.readable, mode))
          expect([added.reason, added.code]).toEqual(["Unsupported", "ENOTSUP"])
          yield* poller.add(read, 1, Interest.readable)
          const modified = yield* Effect.flip(poller.modify(read, 1, Interest.readable, mode))
          expect([modified.reason, modified.code]).toEqual(["Unsupported", "ENOTSUP"])
          yield* poller.delete(read)
        }
      }
    }))

  it.scoped("notify wakes a blocked wait, and is not reported as an event", () =>
    Effect.gen(function*() {
      const poller = yield* scopedPoller
      const events = PollEvent.makeBatch(4)
      yield* poller.notify
      const start = performance.now()
      expect(yield* poller.wait(events, 5000)).toBe(0)
      expect(performance.now() - start).toBeLessThan(4000)
    }))

  it.scoped("the notifier is cloneable and wakes a wait", () =>
    Effect.gen(function*() {
      const poller = yield* scopedPoller
      const events = PollEvent.makeBatch(4)
      const notifier = structuredClone(poller.notifier)
      expect(notifier).toEqual(poller.notifier)
      expect(Poller.notifyFrom(notifier)).toBe(true)
      const start = performance.now()
      expect(yield* poller.wait(events, "forever")).toBe(0)
      expect(performance.now() - start).toBeLessThan(4000)
    }))

  it.scoped("a Worker wakes a wait blocked on the main thread", () =>
    Effect.gen(function*() {
      const poller = yield* scopedPoller
      const events = PollEvent.makeBatch(4)
      const source = `
        const { parentPort, workerData } = require("node:worker_threads")
        const binding = require(workerData.addonPath)
        parentPort.once("message", (notifier) => {
          // Give the main thread time to block in wait.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100)
          parentPort.postMessage(binding.notifyToken(notifier.token))
        })
      `
      const worker = yield* Effect.acquireRelease(
        Effect.sync(() => new Worker(source, { eval: true, workerData: { addonPath } })),
        (worker) => Effect.promise(() => worker.terminate())
      )
      const result = new Promise<boolean>((resolve) => worker.once("message", resolve))
      yield* Effect.async<void>((resume) => {
        worker.once("online", () => resume(Effect.void))
      })
      worker.postMessage(poller.notifier)
      const start = performance.now()
      // No deadline short of the test's: only the worker's notify can end this wait early.
      expect(yield* poller.wait(events, 10_000)).toBe(0)
      expect(performance.now() - start).toBeLessThan(8000)
      expect(yield* Effect.promise(() => result)).toBe(true)
    }))
})
