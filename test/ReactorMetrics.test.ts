/**
 * ReactorMetrics: each counter against work whose count is known exactly — a reactor and an executor driven by hand
 * over a real poller (pipes), the fake poller for a stale event, a timer queue on a manual clock, every fd kind opened
 * through its public constructor — then the Effect metrics the counters are pushed to (deltas, tags, histograms,
 * the replay bound, the layer), and busy/idle time in both modes, asserted only by what each mode's definition
 * implies (lower bounds the kernel guarantees, and equalities), never by how long anything took.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Metric, Scope } from "effect"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as AsyncFd from "../src/AsyncFd.js"
import * as File from "../src/File.js"
import * as Inotify from "../src/Inotify.js"
import * as Interest from "../src/Interest.js"
import { Executor } from "../src/internal/executor.js"
import * as executorService from "../src/internal/executorService.js"
import { binding } from "../src/internal/native.js"
import * as poller from "../src/internal/poller.js"
import * as internalReactor from "../src/internal/reactor.js"
import { MAX_REPLAY } from "../src/internal/reactorMetrics.js"
import { TypeId as RuntimeTypeId } from "../src/internal/reactorRuntime.js"
import { TimerQueue } from "../src/internal/timerQueue.js"
import * as Pidfd from "../src/Pidfd.js"
import * as Poll from "../src/Poll.js"
import * as PollEvent from "../src/PollEvent.js"
import * as Pty from "../src/Pty.js"
import * as Reactor from "../src/Reactor.js"
import * as ReactorMetrics from "../src/ReactorMetrics.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as Signalfd from "../src/Signalfd.js"
import * as SimpleFuture from "../src/SimpleFuture.js"
import * as TcpListener from "../src/TcpListener.js"
import * as TcpStream from "../src/TcpStream.js"
import * as Timerfd from "../src/Timerfd.js"
import * as UdpSocket from "../src/UdpSocket.js"
import * as UnixListener from "../src/UnixListener.js"
import * as UnixStream from "../src/UnixStream.js"
import * as Waker from "../src/Waker.js"
import { FakePoller } from "./utils/fakePoller.js"
import { FdScope, tempDir } from "./utils/fds.js"

/** A waker that counts its wake-ups. */
const counting = () => {
  const self = { count: 0, waker: Waker.make(() => void self.count++) }
  return self
}

/**
 * A runtime over a real poller whose executor nothing attaches: the test turns the reactor and ticks the executor
 * itself, so every count is known. `now` gives the executor (and its timer queue) a manual clock.
 */
const handRuntime = (
  options: { readonly budget?: number; readonly now?: () => number; readonly backend?: "epoll" | "poll" } = {}
) => {
  const { backend, ...executorOptions } = options
  const handle = poller.unsafeOpen(backend === undefined ? {} : { backend })
  const reactor = new internalReactor.Reactor(handle)
  const executor = new Executor({ io: reactor, ...executorOptions })
  const runtime: ReactorRuntime.ReactorRuntime = {
    [RuntimeTypeId]: RuntimeTypeId,
    poller: poller.fromHandle(handle),
    reactor,
    executor: executorService.fromHandle(executor),
    mode: "dedicated"
  }
  const close = () => {
    executor.close()
    reactor.close()
    handle.close()
  }
  return { handle, reactor, executor, runtime, close }
}

/** The fds open in this process. */
const openFds = (): Set<string> => new Set(Fs.readdirSync("/proc/self/fd"))

const bucketOf = (histogram: ReactorMetrics.Histogram, value: number): number =>
  histogram.counts[histogram.boundaries.indexOf(value)]!

const tagged = <M extends Metric.Metric<any, any, any>>(metric: M, runtime: string, kind?: string): M =>
  (kind === undefined
    ? metric.pipe(Metric.tagged("runtime", runtime))
    : metric.pipe(Metric.tagged("runtime", runtime), Metric.tagged("kind", kind))) as M

describe("the reactor's counters", () => {
  it.each(["epoll", "poll"] as const)("counts turns, the events each returned and the wakers they woke (%s)", (
    backend
  ) => {
    const fds = new FdScope()
    const { close, reactor, runtime } = handRuntime({ backend })
    try {
      const pipes = [fds.pipe(), fds.pipe(), fds.pipe()]
      const wakers = pipes.map(([read]) => {
        const registration = reactor.register(read, Interest.readable)
        const one = counting()
        const two = counting()
        expect(Poll.isPending(registration.pollReadable(one.waker))).toBe(true)
        expect(Poll.isPending(registration.pollReadable(two.waker))).toBe(true)
        return [one, two] as const
      })
      const before = ReactorMetrics.unsafeSnapshot(runtime)
      expect([before.turns, before.events, before.wakes, before.eventsPerTurn.count]).toEqual([0, 0, 0, 0])

      // Two of the three pipes become readable: one turn, two events, four wakers (two per registration).
      binding.write(pipes[0]![1], new Uint8Array([1]))
      binding.write(pipes[2]![1], new Uint8Array([1]))
      reactor.turn(0)
      const after = ReactorMetrics.unsafeSnapshot(runtime)
      expect(after.turns).toBe(1)
      expect(after.events).toBe(2)
      expect(after.wakes).toBe(4)
      expect(wakers.map(([one, two]) => one.count + two.count)).toEqual([2, 0, 2])
      expect(after.eventsPerTurn.count).toBe(1)
      expect(after.eventsPerTurn.sum).toBe(2)
      expect(bucketOf(after.eventsPerTurn, 2)).toBe(1)

      // A turn that finds nothing is a turn, with no event and no wake: the histogram's 0 bucket.
      reactor.turn(0)
      const idle = ReactorMetrics.unsafeSnapshot(runtime)
      expect([idle.turns, idle.events, idle.wakes]).toEqual([2, 2, 4])
      expect(bucketOf(idle.eventsPerTurn, 0)).toBe(1)
      expect(idle.eventsPerTurn.count).toBe(2)
    } finally {
      close()
      fds.closeAll()
    }
  })

  it("puts each turn's event count in its power-of-two bucket: 3 events land in (2, 4]", () => {
    const fds = new FdScope()
    const { close, reactor, runtime } = handRuntime()
    try {
      const pipes = [fds.pipe(), fds.pipe(), fds.pipe()]
      for (const [read] of pipes) reactor.register(read, Interest.readable)
      for (const [, write] of pipes) binding.write(write, new Uint8Array([1]))
      reactor.turn(0)
      const snapshot = ReactorMetrics.unsafeSnapshot(runtime)
      expect(bucketOf(snapshot.eventsPerTurn, 4)).toBe(1)
      expect(bucketOf(snapshot.eventsPerTurn, 2)).toBe(0)
      expect(snapshot.eventsPerTurn.sum).toBe(3)
      // Nobody waited: events without wakes.
      expect(snapshot.wakes).toBe(0)
    } finally {
      close()
      fds.closeAll()
    }
  })

  it("counts a stale event (its key freed since the kernel queued it) as an event, and wakes nobody with it", () => {
    const fake = new FakePoller()
    const reactor = new internalReactor.Reactor(fake)
    const live = reactor.register(10, Interest.readable)
    const gone = reactor.register(11, Interest.readable)
    const woken = counting()
    live.pollReadable(woken.waker)
    gone.deregister()
    fake.inject(gone.key, PollEvent.readable)
    fake.inject(live.key, PollEvent.readable)
    reactor.turn(0)
    expect(reactor.counters.events).toBe(2)
    expect(reactor.counters.wakes).toBe(1)
    expect(woken.count).toBe(1)
    reactor.close()
  })

  it("times only the waits that may block: a wait with a timeout adds at least the timeout, turn(0) nothing", () => {
    const { close, reactor, runtime } = handRuntime()
    try {
      for (let i = 0; i < 3; i++) reactor.turn(0)
      expect(ReactorMetrics.unsafeSnapshot(runtime).idleMs).toBe(0)
      // Nothing is registered: the wait lasts its whole timeout (epoll_wait(2) never returns early without an event).
      reactor.turn(5)
      const snapshot = ReactorMetrics.unsafeSnapshot(runtime)
      expect(snapshot.idleMs).toBeGreaterThanOrEqual(4)
      // Dedicated: the thread is the runtime's, so whatever is not idle is busy.
      expect(snapshot.busyMs + snapshot.idleMs).toBeCloseTo(snapshot.elapsedMs, 6)
      expect(snapshot.utilization).toBeCloseTo(snapshot.busyMs / snapshot.elapsedMs, 9)
    } finally {
      close()
    }
  })
})

describe("the executor's counters", () => {
  const ready = () => SimpleFuture.succeed(1)

  it("counts polls, the run queue, live tasks and the batches that spent their budget with work left", () => {
    const { close, executor, runtime } = handRuntime({ budget: 4 })
    try {
      for (let i = 0; i < 10; i++) executor.spawn(ready())
      const queued = ReactorMetrics.unsafeSnapshot(runtime)
      expect([queued.runQueueDepth, queued.liveTasks, queued.tasksPolled]).toEqual([10, 10, 0])
      executor.tick()
      const first = ReactorMetrics.unsafeSnapshot(runtime)
      expect([first.tasksPolled, first.budgetExhausted, first.runQueueDepth, first.liveTasks]).toEqual([4, 1, 6, 6])
      executor.tick()
      executor.tick()
      // The last batch ran 2 of its 4: the queue emptied before the budget did.
      const last = ReactorMetrics.unsafeSnapshot(runtime)
      expect([last.tasksPolled, last.budgetExhausted, last.runQueueDepth, last.liveTasks]).toEqual([10, 2, 0, 0])
    } finally {
      close()
    }
  })

  it("does not count a batch that spent exactly its budget and left nothing queued", () => {
    const { close, executor, runtime } = handRuntime({ budget: 4 })
    try {
      for (let i = 0; i < 4; i++) executor.spawn(ready())
      expect(executor.tick()).toBe(4)
      const snapshot = ReactorMetrics.unsafeSnapshot(runtime)
      expect([snapshot.tasksPolled, snapshot.budgetExhausted]).toEqual([4, 0])
    } finally {
      close()
    }
  })

  it("counts fiber steps (callbacks) apart from task polls, and no poll for a task cancelled while queued", () => {
    const { close, executor, runtime } = handRuntime()
    try {
      let ran = 0
      for (let i = 0; i < 3; i++) executor.queueCallback(() => void ran++)
      executor.spawn(ready())
      const cancelled = executor.spawn(ready())
      cancelled.cancel()
      executor.tick()
      const snapshot = ReactorMetrics.unsafeSnapshot(runtime)
      expect(ran).toBe(3)
      expect(snapshot.callbacksRun).toBe(3)
      expect(snapshot.tasksPolled).toBe(1)
    } finally {
      close()
    }
  })

  it("counts a task polled again after a wake: Pending, woken, polled once more", () => {
    const { close, executor, runtime } = handRuntime()
    try {
      let polls = 0
      let saved: Waker.Waker | undefined
      executor.spawn(SimpleFuture.fromPoll((waker) => {
        polls++
        saved = waker
        return polls < 2 ? Poll.pending : Poll.ready(undefined)
      }))
      executor.tick()
      executor.tick()
      expect(ReactorMetrics.unsafeSnapshot(runtime).tasksPolled).toBe(1)
      saved!.wake()
      expect(ReactorMetrics.unsafeSnapshot(runtime).runQueueDepth).toBe(1)
      executor.tick()
      expect(ReactorMetrics.unsafeSnapshot(runtime).tasksPolled).toBe(2)
    } finally {
      close()
    }
  })
})

describe("the timer counters", () => {
  it("counts the timers fired and how late each was, in microseconds, on a manual clock", () => {
    let now = 0
    const { close, executor, runtime } = handRuntime({ now: () => now })
    try {
      const woken = counting()
      executor.timer.insert(10, woken.waker)
      executor.timer.insert(20, woken.waker)
      executor.timer.insert(30, woken.waker)
      executor.timer.insert(22, woken.waker).cancel()
      now = 25
      expect(executor.timer.fire()).toBe(2)
      const snapshot = ReactorMetrics.unsafeSnapshot(runtime)
      expect(snapshot.timersFired).toBe(2)
      // 15 ms and 5 ms late: 15000 µs in (8192, 16384], 5000 µs in (4096, 8192]; the cancelled one is not counted.
      expect(snapshot.timerLateness.count).toBe(2)
      expect(snapshot.timerLateness.sum).toBe(20_000)
      expect(bucketOf(snapshot.timerLateness, 16384)).toBe(1)
      expect(bucketOf(snapshot.timerLateness, 8192)).toBe(1)
      expect(ReactorMetrics.quantile(snapshot.timerLateness, 0.5)).toBe(8192)
      expect(ReactorMetrics.quantile(snapshot.timerLateness, 1)).toBe(16384)
      now = 30
      executor.timer.fire()
      const last = ReactorMetrics.unsafeSnapshot(runtime)
      expect(last.timersFired).toBe(3)
      expect(bucketOf(last.timerLateness, 0)).toBe(1)
    } finally {
      close()
    }
  })

  it("puts lateness past the largest boundary in the overflow bucket", () => {
    const queue = new TimerQueue(() => 0)
    queue.insert(0, counting().waker)
    queue.fire(5_000)
    expect(queue.counters.lateness.counts[queue.counters.lateness.counts.length - 1]).toBe(1)
  })
})

describe("the fds counted per kind", () => {
  it.live("counts each kind at its constructor, open and opened, and a closed scope's fds as closed", () =>
    Effect.gen(function*() {
      const before = openFds()
      const dir = yield* tempDir("metrics-")
      const path = Path.join(dir, "data")
      Fs.writeFileSync(path, "x")
      const scope = yield* Scope.make()
      const open = <A, E, R>(effect: Effect.Effect<A, E, R>) => Scope.extend(effect, scope)
      const start = yield* ReactorMetrics.snapshot

      const listener = yield* open(TcpListener.bind({ port: 0 }))
      yield* open(TcpStream.connect({ port: (listener.localAddress as { port: number }).port }))
      yield* open(listener.accept)
      const unixPath = Path.join(dir, "sock")
      const unixListener = yield* open(UnixListener.bind({ path: unixPath }))
      yield* open(UnixStream.connect({ path: unixPath }))
      yield* open(unixListener.accept)
      yield* open(UnixStream.pair())
      // A Unix socket handed over by fd is counted by its family, not by the constructor's name.
      const [left, right] = binding.socketpair()
      yield* open(TcpStream.fromFd(left))
      binding.close(right)
      yield* open(UdpSocket.bind({ port: 0 }))
      yield* open(Timerfd.make())
      yield* open(Signalfd.make(["SIGUSR2"]))
      yield* open(Inotify.make())
      const child = spawn("sleep", ["5"], { stdio: "ignore" })
      yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGKILL")))
      yield* open(Pidfd.fromChildProcess(child))
      yield* open(Pty.open())
      const [read, write] = binding.pipe()
      yield* open(AsyncFd.adopt(read, { interest: Interest.readable }))
      binding.close(write)
      yield* open(File.open(path))
      const [otherRead, otherWrite] = binding.pipe()
      yield* Effect.addFinalizer(() => Effect.sync(() => [otherRead, otherWrite].forEach((fd) => binding.close(fd))))
      yield* open(Reactor.register(otherRead, Interest.readable))

      const during = ReactorMetrics.since(yield* ReactorMetrics.snapshot, start)
      const expected: Record<ReactorMetrics.FdKind, number> = {
        tcp: 2,
        tcpListener: 1,
        unix: 5,
        unixListener: 1,
        udp: 1,
        timerfd: 1,
        signalfd: 1,
        inotify: 1,
        pidfd: 1,
        pty: 2,
        asyncFd: 1,
        file: 1,
        other: 1
      }
      for (const kind of ReactorMetrics.fdKinds) {
        expect({ kind, ...during.fds[kind] }).toEqual({ kind, open: expected[kind], opened: expected[kind] })
      }
      const total = Object.values(expected).reduce((a, b) => a + b, 0)
      expect(during.registrations).toBe(total)

      yield* Scope.close(scope, Exit.void)
      const after = ReactorMetrics.since(yield* ReactorMetrics.snapshot, start)
      for (const kind of ReactorMetrics.fdKinds) {
        expect({ kind, ...after.fds[kind] }).toEqual({ kind, open: 0, opened: expected[kind] })
      }
      expect(after.registrations).toBe(0)
      yield* Effect.sync(() => child.kill("SIGKILL"))
      return before
    }).pipe(
      Effect.scoped,
      Effect.provide(ReactorRuntime.layer),
      // Only fds this test opened are checked: the runner's own come and go meanwhile.
      Effect.map((before) => expect([...openFds()].filter((fd) => !before.has(fd))).toEqual([]))
    ))

  it("counts registrations the reactor's close ends as closed", () => {
    const fds = new FdScope()
    const { close, reactor, runtime } = handRuntime()
    const [read] = fds.pipe()
    reactor.register(read, Interest.readable)
    expect(ReactorMetrics.unsafeSnapshot(runtime).fds.other).toEqual({ open: 1, opened: 1 })
    reactor.close()
    expect(ReactorMetrics.unsafeSnapshot(runtime).fds.other).toEqual({ open: 0, opened: 1 })
    close()
    fds.closeAll()
  })
})

describe("Effect metrics", () => {
  it("pushes what each counter gained since the last push, tagged with the runtime, and sets the gauges", () => {
    const fds = new FdScope()
    const { close, executor, reactor, runtime } = handRuntime()
    try {
      const id = ReactorMetrics.unsafeSnapshot(runtime).runtime
      const value = <In, Out>(metric: Metric.Metric<any, In, Out>, kind?: string) =>
        Effect.runSync(Metric.value(tagged(metric, id, kind)))
      const [read, write] = fds.pipe()
      reactor.register(read, Interest.readable)
      binding.write(write, new Uint8Array([1]))
      reactor.turn(0)
      reactor.turn(0)
      executor.spawn(SimpleFuture.succeed(1))
      executor.spawn(SimpleFuture.succeed(1))
      Effect.runSync(Effect.provideService(ReactorMetrics.update, ReactorRuntime.ReactorRuntime, runtime))
      expect(value(ReactorMetrics.metrics.turns).count).toBe(2)
      expect(value(ReactorMetrics.metrics.events).count).toBe(1)
      expect(value(ReactorMetrics.metrics.runQueueDepth).value).toBe(2)
      expect(value(ReactorMetrics.metrics.registrations).value).toBe(1)
      expect(value(ReactorMetrics.metrics.fdsOpen, "other").value).toBe(1)
      expect(value(ReactorMetrics.metrics.fdsOpened, "other").count).toBe(1)
      const histogram = value(ReactorMetrics.metrics.eventsPerTurn)
      expect([histogram.count, histogram.sum]).toEqual([2, 1])
      // Cumulative buckets: one turn with 0 events, one with 1.
      expect(histogram.buckets.slice(0, 2)).toEqual([[0, 1], [1, 2]])

      // A second push with nothing new adds nothing (a push of totals would double them).
      Effect.runSync(Effect.provideService(ReactorMetrics.update, ReactorRuntime.ReactorRuntime, runtime))
      expect(value(ReactorMetrics.metrics.turns).count).toBe(2)
      expect(value(ReactorMetrics.metrics.eventsPerTurn).count).toBe(2)
      executor.tick()
      reactor.turn(0)
      Effect.runSync(Effect.provideService(ReactorMetrics.update, ReactorRuntime.ReactorRuntime, runtime))
      expect(value(ReactorMetrics.metrics.turns).count).toBe(3)
      expect(value(ReactorMetrics.metrics.tasksPolled).count).toBe(2)
      expect(value(ReactorMetrics.metrics.runQueueDepth).value).toBe(0)
      expect(value(ReactorMetrics.metrics.eventsPerTurn).count).toBe(3)
    } finally {
      close()
      fds.closeAll()
    }
  })

  it("keeps two runtimes' metrics apart, and adds the fiber's metric labels", () => {
    const one = handRuntime()
    const two = handRuntime()
    try {
      one.reactor.turn(0)
      for (let i = 0; i < 3; i++) two.reactor.turn(0)
      const ids = [one, two].map(({ runtime }) => ReactorMetrics.unsafeSnapshot(runtime).runtime)
      expect(ids[0]).not.toBe(ids[1])
      for (const { runtime } of [one, two]) {
        Effect.runSync(
          ReactorMetrics.update.pipe(
            Effect.tagMetrics("service", "metrics-test"),
            Effect.provideService(ReactorRuntime.ReactorRuntime, runtime)
          )
        )
      }
      const turns = (id: string) =>
        Effect.runSync(
          Metric.value(
            ReactorMetrics.metrics.turns.pipe(Metric.tagged("service", "metrics-test"), Metric.tagged("runtime", id))
          )
        ).count
      expect(turns(ids[0]!)).toBe(1)
      expect(turns(ids[1]!)).toBe(3)
    } finally {
      one.close()
      two.close()
    }
  })

  it("replays at most MAX_REPLAY observations per histogram and push, and the rest with the next push", () => {
    const { close, reactor, runtime } = handRuntime()
    try {
      const id = ReactorMetrics.unsafeSnapshot(runtime).runtime
      for (let i = 0; i < MAX_REPLAY + 5; i++) reactor.counters.eventsPerTurn.record(3)
      const push = () =>
        Effect.runSync(Effect.provideService(ReactorMetrics.update, ReactorRuntime.ReactorRuntime, runtime))
      const histogram = () => Effect.runSync(Metric.value(tagged(ReactorMetrics.metrics.eventsPerTurn, id)))
      push()
      expect(histogram().count).toBe(MAX_REPLAY)
      push()
      expect(histogram().count).toBe(MAX_REPLAY + 5)
      // Every observation in its bucket, the sum exact.
      expect(histogram().sum).toBe(3 * (MAX_REPLAY + 5))
      expect(histogram().buckets.find(([boundary]) => boundary === 4)![1]).toBe(MAX_REPLAY + 5)
      expect(histogram().buckets.find(([boundary]) => boundary === 2)![1]).toBe(0)
    } finally {
      close()
    }
  })

  it.live("layer: pushes when it starts and once more when its scope closes", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      // An hour apart: only the first push and the last happen in this test.
      yield* Layer.buildWithScope(ReactorMetrics.layer({ interval: "1 hour" }), scope)
      const { runtime } = yield* ReactorMetrics.snapshot
      const opened = () => Metric.value(tagged(ReactorMetrics.metrics.fdsOpened, runtime, "udp"))
      expect((yield* opened()).count).toBe(0)
      yield* Effect.scoped(UdpSocket.bind({ port: 0 }))
      yield* Effect.scoped(UdpSocket.bind({ port: 0 }))
      expect((yield* opened()).count).toBe(0)
      yield* Scope.close(scope, Exit.void)
      expect((yield* opened()).count).toBe(2)
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it("layer: refuses an interval that is not a positive, finite duration, naming it", () => {
    for (const interval of [-1, 0, "soon", Number.POSITIVE_INFINITY]) {
      expect(() => ReactorMetrics.layer({ interval: interval as never })).toThrow(RangeError)
      expect(() => ReactorMetrics.layer({ interval: interval as never })).toThrow(/"interval"/)
    }
  })
})

describe("time in the integrated mode", () => {
  it.live("counts Node's idle loop as idle, and as busy only the time inside the runtime's callbacks", () =>
    Effect.gen(function*() {
      const fds = new FdScope()
      yield* Effect.addFinalizer(() => Effect.sync(() => fds.closeAll()))
      const start = yield* ReactorMetrics.snapshot
      expect(start.mode).toBe("integrated")
      // Nothing of the runtime's runs while Node's loop waits on its own timers: busy does not move, and idle grows
      // (within a few waits: the runner's own work may keep one wait's loop busy).
      let waited = ReactorMetrics.since(start, start)
      for (let i = 0; i < 10 && waited.idleMs <= 10; i++) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
        waited = ReactorMetrics.since(yield* ReactorMetrics.snapshot, start)
      }
      expect(waited.idleMs).toBeGreaterThan(10)
      expect(waited.busyMs).toBe(0)
      expect(waited.turns).toBe(0)
      // An fd becoming readable is dispatched from Node's loop: a turn, inside a callback the runtime times.
      const [read, write] = fds.pipe()
      const asyncFd = yield* AsyncFd.register(read, { interest: Interest.readable })
      binding.write(write, new Uint8Array([1]))
      yield* asyncFd.readable
      const woke = ReactorMetrics.since(yield* ReactorMetrics.snapshot, start)
      expect(woke.turns).toBeGreaterThan(0)
      expect(woke.busyMs).toBeGreaterThan(0)
      expect(woke.busyMs + woke.idleMs).toBeLessThanOrEqual(woke.elapsedMs + 1e-6)
    }).pipe(Effect.scoped, Effect.provide(ReactorRuntime.layer)))
})

describe("without a runtime", () => {
  it("snapshot and update die with a message that names the layer to provide", () => {
    for (
      const [effect, name] of [[ReactorMetrics.snapshot, "ReactorMetrics.snapshot"], [
        ReactorMetrics.update,
        "ReactorMetrics.update"
      ]] as const
    ) {
      const exit = Effect.runSyncExit(effect as Effect.Effect<unknown>)
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      expect(String(Cause.squash((exit as Exit.Failure<unknown, unknown>).cause))).toContain(name)
      expect(String(Cause.squash((exit as Exit.Failure<unknown, unknown>).cause))).toContain("ReactorRuntime.layer")
    }
  })
})

describe("snapshot helpers", () => {
  const histogram: ReactorMetrics.Histogram = {
    boundaries: [0, 1, 2, 4, Number.POSITIVE_INFINITY],
    counts: [1, 0, 2, 1, 0],
    count: 4,
    sum: 7
  }

  it("quantile: the upper bound of the bucket holding the q-quantile; NaN when empty; RangeError for a bad q", () => {
    expect(ReactorMetrics.quantile(histogram, 0)).toBe(0)
    expect(ReactorMetrics.quantile(histogram, 0.25)).toBe(0)
    expect(ReactorMetrics.quantile(histogram, 0.5)).toBe(2)
    expect(histogram.counts.length).toBe(5)
    expect(ReactorMetrics.quantile(0.99)(histogram)).toBe(4)
    expect(ReactorMetrics.quantile({ ...histogram, counts: [0, 0, 0, 0, 0], count: 0, sum: 0 }, 0.5)).toBeNaN()
    for (const q of [-0.1, 1.5, Number.NaN, "0.5"]) {
      expect(() => ReactorMetrics.quantile(histogram, q as number)).toThrow(RangeError)
    }
  })

  it("mean: the sum over the count, NaN when empty", () => {
    expect(ReactorMetrics.mean(histogram)).toBe(7 / 4)
    expect(ReactorMetrics.mean({ ...histogram, count: 0, sum: 0 })).toBeNaN()
  })

  it("since: refuses snapshots of two runtimes", () => {
    const one = handRuntime()
    const two = handRuntime()
    try {
      const a = ReactorMetrics.unsafeSnapshot(one.runtime)
      const b = ReactorMetrics.unsafeSnapshot(two.runtime)
      expect(() => ReactorMetrics.since(a, b)).toThrow(RangeError)
      one.reactor.turn(0)
      const interval = ReactorMetrics.since(a)(ReactorMetrics.unsafeSnapshot(one.runtime))
      expect(interval.turns).toBe(1)
    } finally {
      one.close()
      two.close()
    }
  })
})
