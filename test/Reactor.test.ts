/**
 * The reactor: keys with generations, readiness per direction with ticks, wakers, re-arming, deregistration and
 * closing, first against the fake poller (to deliver exactly the events a race needs, stale keys included), then
 * against both real backends on pipes and socket pairs, then through its Effect face.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Interest from "../src/Interest.js"
import { Executor } from "../src/internal/executor.js"
import { FutureBase } from "../src/internal/future.js"
import { binding } from "../src/internal/native.js"
import * as internal from "../src/internal/reactor.js"
import * as slab from "../src/internal/slab.js"
import * as Poll from "../src/Poll.js"
import * as Poller from "../src/Poller.js"
import type * as PollerError from "../src/PollerError.js"
import * as PollEvent from "../src/PollEvent.js"
import * as Reactor from "../src/Reactor.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as Waker from "../src/Waker.js"
import { FakePoller } from "./utils/fakePoller.js"
import { fdCount, FdScope } from "./utils/fds.js"

const EDGE = Poller.modeCode("edge")
const ONESHOT = Poller.modeCode("oneshot")
const R = PollEvent.readable
const W = PollEvent.writable

/** A waker that counts its wake-ups. */
const counter = () => {
  const self = {
    count: 0,
    waker: Waker.make(() => {
      self.count++
    })
  }
  return self
}

/**
 * A waker for `task`, labelled: two wakers of one task `willWake` each other (as two polls of one task hand in two
 * waker objects), and each logs its own label, so a test sees which of them was kept.
 */
const taskWaker = (task: string, label: string, log: Array<string>): Waker.Waker => {
  const waker = {
    [Waker.TypeId]: Waker.TypeId,
    task,
    wake: () => {
      log.push(label)
    },
    willWake: (other: Waker.Waker) => (other as unknown as { task?: string }).task === task
  }
  return waker as Waker.Waker
}

/**
 * A read as a future: wait for readable readiness, read, clear on EAGAIN and wait again. Dropping it (a cancelled
 * task) takes its waker back, as an interrupted wait must.
 */
class ReadFuture extends FutureBase<number, never> {
  private waker: Waker.Waker | undefined = undefined
  constructor(readonly registration: Reactor.Registration) {
    super()
  }

  poll(waker: Waker.Waker): Poll.Poll<Exit.Exit<number, never>> {
    const buffer = Buffer.alloc(64)
    for (;;) {
      const readiness = this.registration.pollReadable(waker)
      if (Poll.isPending(readiness)) {
        this.waker = waker
        return readiness
      }
      const n = binding.read(this.registration.fd, buffer)
      if (n !== -binding.constants.EAGAIN) {
        this.finished = true
        return Poll.ready(Exit.succeed(n))
      }
      this.registration.clearReadiness(readiness.value)
    }
  }

  protected override onDrop(): void {
    if (this.waker !== undefined) this.registration.removeWaker("readable", this.waker)
  }
}

const readyOf = (poll: Poll.Poll<Reactor.Readiness>): Reactor.Readiness => {
  if (!Poll.isReady(poll)) throw new Error("expected Ready, got Pending")
  return poll.value
}

describe("slab keys", () => {
  it("packs (generation << 24) | index and never yields the notify key", () => {
    expect(slab.keyOf(5, 3)).toBe((3 << 24) + 5)
    expect(slab.keyOf(slab.MAX_ENTRIES - 1, 255)).toBe(0xfffffffe)
    expect(slab.indexOf(0xfffffffe)).toBe(0xfffffe)
    expect(slab.generationOf(0xfffffffe)).toBe(255)
  })

  it("reuses the last freed slot with the next generation, wrapping after 256", () => {
    const s = new slab.Slab<string>(4)
    const a = s.insert(() => "a")
    const b = s.insert(() => "b")
    expect([a, b]).toEqual([0, 1])
    expect(s.remove(a)).toBe("a")
    expect(s.get(a)).toBeUndefined()
    expect(s.remove(a)).toBeUndefined()
    const c = s.insert(() => "c")
    expect(c).toBe(slab.keyOf(0, 1))
    expect(s.get(a)).toBeUndefined()
    expect(s.get(c)).toBe("c")
    let key = c
    for (let i = 0; i < 255; i++) {
      s.remove(key)
      key = s.insert(() => "again")
    }
    expect(slab.generationOf(key)).toBe(0)
    expect(slab.indexOf(key)).toBe(0)
    expect(s.size).toBe(2)
  })

  it("refuses entries beyond its capacity, and a throwing constructor leaves it unchanged", () => {
    const s = new slab.Slab<number>(2)
    expect(() =>
      s.insert(() => {
        throw new Error("boom")
      })
    ).toThrow("boom")
    expect(s.size).toBe(0)
    expect(s.insert(() => 1)).toBe(0)
    expect(s.insert(() => 2)).toBe(1)
    expect(s.insert(() => 3)).toBe(-1)
    expect(s.values()).toEqual([1, 2])
    expect(() => new slab.Slab(slab.MAX_ENTRIES + 1)).toThrow(RangeError)
  })
})

describe("Reactor (fake poller)", () => {
  let fake: FakePoller
  let reactor: internal.Reactor

  const open = (supportsEdge: boolean, options?: { readonly events?: number; readonly capacity?: number }) => {
    fake = new FakePoller({ supportsEdge })
    reactor = new internal.Reactor(fake, options)
  }

  beforeEach(() => open(true))

  describe("registering", () => {
    it("registers edge-triggered with the full interest where the backend has edges", () => {
      const registration = reactor.register(10, Interest.both)
      expect(fake.calls).toEqual([{ op: "add", fd: 10, key: registration.key, interest: Interest.both, mode: EDGE }])
      expect(reactor.registrations).toBe(1)
      expect(registration.fd).toBe(10)
      expect(registration.interest).toBe(Interest.both)
      expect(registration.closed).toBe(false)
      expect(reactor.backend).toBe("epoll")
    })

    it("registers oneshot on a backend without edges", () => {
      open(false)
      const registration = reactor.register(10, Interest.readable)
      expect(fake.calls).toEqual([
        { op: "add", fd: 10, key: registration.key, interest: Interest.readable, mode: ONESHOT }
      ])
    })

    it("gives keys from the slab: a freed slot comes back with the next generation", () => {
      const a = reactor.register(10, Interest.readable)
      const b = reactor.register(11, Interest.readable)
      expect([a.key, b.key]).toEqual([0, 1])
      a.deregister()
      const c = reactor.register(12, Interest.readable)
      expect(c.key).toBe((1 << 24) | 0)
    })

    it("frees the key when the poller refuses the fd", () => {
      reactor.register(10, Interest.readable)
      expect(() => reactor.register(10, Interest.readable)).toThrow(expect.objectContaining({ code: "EEXIST" }))
      expect(reactor.registrations).toBe(1)
      // The refused key's slot is free again, one generation on.
      expect(reactor.register(11, Interest.readable).key).toBe((1 << 24) | 1)
    })

    it("rejects an invalid interest before touching the poller", () => {
      expect(() => reactor.register(10, 8 as Interest.Interest)).toThrow(RangeError)
      expect(() => reactor.register(10, -1 as Interest.Interest)).toThrow(RangeError)
      expect(fake.calls).toEqual([])
      expect(reactor.registrations).toBe(0)
    })

    it("fails with ENOSPC when the slab is full", () => {
      open(true, { capacity: 2 })
      reactor.register(10, Interest.readable)
      reactor.register(11, Interest.readable)
      expect(() => reactor.register(12, Interest.readable)).toThrow(
        expect.objectContaining({ code: "ENOSPC", syscall: "register" })
      )
      expect(fake.callsOf("add")).toHaveLength(2)
    })
  })

  describe("generations", () => {
    it("drops an event under the key of a freed slot that an fd now reuses", () => {
      const old = reactor.register(10, Interest.readable)
      // The kernel queued an event for the old registration before it went away.
      fake.inject(old.key, R)
      old.deregister()
      const current = reactor.register(11, Interest.readable)
      expect(slab.indexOf(current.key)).toBe(slab.indexOf(old.key))
      expect(current.key).not.toBe(old.key)
      const woken = counter()
      expect(Poll.isPending(current.pollReadable(woken.waker))).toBe(true)
      expect(reactor.turn(0)).toBe(0)
      expect(woken.count).toBe(0)
      expect(current.ready).toBe(0)
      expect(current.tick).toBe(0)
      // Its own key still reaches it.
      fake.inject(current.key, R)
      expect(reactor.turn(0)).toBe(1)
      expect(woken.count).toBe(1)
    })

    it("drops events for a freed slot, a slot never used and the notify key", () => {
      const registration = reactor.register(10, Interest.readable)
      registration.deregister()
      fake.inject(registration.key, R)
      fake.inject(7, R)
      fake.inject(0xffffffff, R)
      expect(reactor.turn(0)).toBe(0)
      expect(reactor.registrations).toBe(0)
    })
  })

  describe("readiness", () => {
    it("caches an event until cleared, and an event between WouldBlock and the clear survives the clear", () => {
      const registration = reactor.register(10, Interest.readable)
      fake.inject(registration.key, R)
      expect(reactor.turn(0)).toBe(0)
      const first = readyOf(registration.pollReadable(Waker.noop))
      expect(first.ready).toBe(Reactor.readable)
      expect(first.tick).toBe(1)
      // The task's read says WouldBlock; before it clears, another event arrives.
      fake.inject(registration.key, R)
      reactor.turn(0)
      expect(registration.tick).toBe(2)
      registration.clearReadiness(first)
      const second = readyOf(registration.pollReadable(Waker.noop))
      expect(second.tick).toBe(2)
      // With the current tick the clear goes through.
      registration.clearReadiness(second)
      expect(registration.ready).toBe(0)
      const woken = counter()
      expect(Poll.isPending(registration.pollReadable(woken.waker))).toBe(true)
      fake.inject(registration.key, R)
      expect(reactor.turn(0)).toBe(1)
      expect(woken.count).toBe(1)
    })

    it("keeps directions apart: a writable event leaves readers waiting, a clear touches its direction only", () => {
      const registration = reactor.register(10, Interest.both)
      const reader = counter()
      const writer = counter()
      registration.pollReadable(reader.waker)
      registration.pollWritable(writer.waker)
      fake.inject(registration.key, W)
      expect(reactor.turn(0)).toBe(1)
      expect([reader.count, writer.count]).toEqual([0, 1])
      fake.inject(registration.key, R)
      expect(reactor.turn(0)).toBe(1)
      expect([reader.count, writer.count]).toEqual([1, 1])
      const readable = readyOf(registration.pollReadable(Waker.noop))
      expect(readable.ready).toBe(Reactor.readable)
      registration.clearReadiness(readable)
      expect(Poll.isPending(registration.pollReadable(reader.waker))).toBe(true)
      expect(readyOf(registration.pollWritable(Waker.noop)).ready).toBe(Reactor.writable)
    })

    it("an error wakes every direction; clearing it works like any readiness", () => {
      const registration = reactor.register(10, Interest.combine(Interest.both, Interest.priority))
      const wakers = [counter(), counter(), counter()]
      registration.pollReadable(wakers[0]!.waker)
      registration.pollWritable(wakers[1]!.waker)
      registration.pollReady("priority", wakers[2]!.waker)
      fake.inject(registration.key, PollEvent.error)
      expect(reactor.turn(0)).toBe(3)
      const readiness = readyOf(registration.pollWritable(Waker.noop))
      expect(Reactor.isError(readiness)).toBe(true)
      registration.clearReadiness(readiness)
      expect(Poll.isPending(registration.pollWritable(Waker.noop))).toBe(true)
    })

    it("a hang-up closes the read side for readers and priority waiters, and never clears", () => {
      const registration = reactor.register(10, Interest.combine(Interest.both, Interest.priority))
      const reader = counter()
      const writer = counter()
      const urgent = counter()
      registration.pollReadable(reader.waker)
      registration.pollWritable(writer.waker)
      registration.pollReady("priority", urgent.waker)
      fake.inject(registration.key, PollEvent.hangup)
      expect(reactor.turn(0)).toBe(2)
      expect([reader.count, writer.count, urgent.count]).toEqual([1, 0, 1])
      const readiness = readyOf(registration.pollReadable(Waker.noop))
      expect(Reactor.isReadClosed(readiness)).toBe(true)
      expect(Reactor.isWriteClosed(readiness)).toBe(false)
      registration.clearReadiness(readiness)
      expect(Reactor.isReadClosed(readyOf(registration.pollReadable(Waker.noop)))).toBe(true)
    })

    it("a hang-up without readable interest can only be a full one: it closes the write side too", () => {
      const registration = reactor.register(10, Interest.writable)
      const writer = counter()
      registration.pollWritable(writer.waker)
      fake.inject(registration.key, PollEvent.hangup)
      expect(reactor.turn(0)).toBe(1)
      expect(Reactor.isWriteClosed(readyOf(registration.pollWritable(Waker.noop)))).toBe(true)
    })

    it("refuses to wait for a direction the registration has no interest in, or an unknown one", () => {
      const registration = reactor.register(10, Interest.readable)
      expect(() => registration.pollWritable(Waker.noop)).toThrow("without writable interest")
      expect(() => registration.pollReady("sideways" as Reactor.Direction, Waker.noop)).toThrow(TypeError)
    })
  })

  // Readiness bits, PollEvent.Flags and Interest share names with other values (priority: 32 here, 16 and 4 there), so
  // each has its own brand. Each `@ts-expect-error` below is a mix that must not type-check (`npm run check` fails if
  // it does); what the line does when run shows the wrong answer the type error saves.
  describe("readiness bits, a set of their own", () => {
    it("a registration's readiness is Ready, and the accessors take nothing else", () => {
      const registration = reactor.register(10, Interest.combine(Interest.readable, Interest.priority))
      fake.inject(registration.key, PollEvent.priority)
      reactor.turn(0)
      const cached: Reactor.Ready = registration.ready
      const readiness = readyOf(registration.pollReady("priority", Waker.noop))
      const ready: Reactor.Ready = readiness.ready
      expect([cached, ready, Reactor.isPriority(readiness)]).toEqual([Reactor.priority, Reactor.priority, true])
      // @ts-expect-error a poller's priority flag (16) would read as an error
      expect(Reactor.isError({ tick: 0, ready: PollEvent.priority })).toBe(true)
      // @ts-expect-error priority interest (4) would read as a closed read side
      expect(Reactor.isReadClosed({ tick: 0, ready: Interest.priority })).toBe(true)
      // @ts-expect-error PollEvent.hangup is a poller flag, not readiness
      const fromFlags: Reactor.Ready = PollEvent.hangup
      // @ts-expect-error Interest.writable is an interest, not readiness
      const fromInterest: Reactor.Ready = Interest.writable
      expect([fromFlags, fromInterest]).toEqual([Reactor.readClosed, Reactor.writable])
    })

    it("clearReadiness refuses poller flags: the priority flag would clear nothing", () => {
      const registration = reactor.register(10, Interest.combine(Interest.readable, Interest.priority))
      fake.inject(registration.key, PollEvent.priority)
      reactor.turn(0)
      // @ts-expect-error PollEvent.priority (16) is Reactor.error here, which is not cached: priority stays ready
      registration.clearReadiness({ tick: registration.tick, ready: PollEvent.priority })
      expect(Reactor.isPriority(readyOf(registration.pollReady("priority", Waker.noop)))).toBe(true)
      // @ts-expect-error clearBits takes readiness bits, and PollEvent.priority is a poller flag
      registration.clearBits(registration.tick, PollEvent.priority)
      registration.clearBits(registration.tick, Reactor.priority)
      expect(Poll.isPending(registration.pollReady("priority", Waker.noop))).toBe(true)
    })

    it("register and the poller handle refuse poller flags and readiness bits as an interest", () => {
      // @ts-expect-error PollEvent.priority (16) is no interest: refused only at run time
      expect(() => reactor.register(10, PollEvent.priority)).toThrow(RangeError)
      // @ts-expect-error Reactor.readClosed (4) would register for priority data
      expect(reactor.register(11, Reactor.readClosed).interest).toBe(Interest.priority)
      const handle: Poller.PollerHandle = fake
      // @ts-expect-error PollEvent.hangup (4) would add the fd for priority data
      handle.add(12, 1, PollEvent.hangup, ONESHOT)
      // @ts-expect-error Reactor.writable is readiness, not an interest
      handle.modify(12, 1, Reactor.writable, ONESHOT)
      expect(fake.table.get(12)).toEqual({ key: 1, interest: Interest.writable, mode: ONESHOT })
      const registered = Effect.runSync(
        // @ts-expect-error the Effect face too
        Effect.scoped(Reactor.register(13, PollEvent.readable)).pipe(Effect.provideService(Reactor.Reactor, reactor))
      )
      expect(registered.interest).toBe(Interest.readable)
    })

    it("turning an event into readiness takes poller flags and the armed interest, in that order", () => {
      const ready: Reactor.Ready = internal.fromEvent(PollEvent.hangup, Interest.writable)
      expect(internal.formatReady(ready)).toBe("readClosed|writeClosed")
      // @ts-expect-error Reactor.error (16) would read as priority data
      expect(internal.formatReady(internal.fromEvent(Reactor.error, Interest.readable))).toBe("priority")
      // @ts-expect-error the armed interest is an Interest
      expect(internal.fromEvent(PollEvent.hangup, PollEvent.writable)).toBe(Reactor.readClosed | Reactor.writeClosed)
      // @ts-expect-error PollEvent.priority (16) would print as an error
      expect(internal.formatReady(PollEvent.priority)).toBe("error")
      const registration = reactor.register(10, Interest.readable)
      // @ts-expect-error an event's flags are PollEvent.Flags
      registration.dispatch(Reactor.readClosed)
      expect(registration.ready).toBe(Reactor.readClosed)
    })
  })

  describe("wakers", () => {
    it("wakes every waiter of a direction once, then forgets them", () => {
      const registration = reactor.register(10, Interest.readable)
      const wakers = [counter(), counter(), counter()]
      for (const { waker } of wakers) expect(Poll.isPending(registration.pollReadable(waker))).toBe(true)
      fake.inject(registration.key, R)
      expect(reactor.turn(0)).toBe(3)
      expect(wakers.map((w) => w.count)).toEqual([1, 1, 1])
      fake.inject(registration.key, R)
      expect(reactor.turn(0)).toBe(0)
      expect(wakers.map((w) => w.count)).toEqual([1, 1, 1])
    })

    it("a waker that willWake a stored one replaces it instead of adding a second", () => {
      const registration = reactor.register(10, Interest.readable)
      const log: Array<string> = []
      registration.pollReadable(taskWaker("a", "a1", log))
      registration.pollReadable(taskWaker("a", "a2", log))
      registration.pollReadable(taskWaker("b", "b1", log))
      const same = counter()
      registration.pollReadable(same.waker)
      registration.pollReadable(same.waker)
      fake.inject(registration.key, R)
      expect(reactor.turn(0)).toBe(3)
      expect(log).toEqual(["a2", "b1"])
      expect(same.count).toBe(1)
    })

    it("removeWaker takes a waiter back, by identity or by willWake", () => {
      const registration = reactor.register(10, Interest.both)
      const log: Array<string> = []
      const kept = counter()
      const dropped = counter()
      registration.pollReadable(kept.waker)
      registration.pollReadable(dropped.waker)
      registration.pollReadable(taskWaker("t", "t1", log))
      expect(registration.removeWaker("readable", dropped.waker)).toBe(true)
      expect(registration.removeWaker("readable", dropped.waker)).toBe(false)
      expect(registration.removeWaker("writable", kept.waker)).toBe(false)
      expect(registration.removeWaker("readable", taskWaker("t", "t2", log))).toBe(true)
      fake.inject(registration.key, R)
      expect(reactor.turn(0)).toBe(1)
      expect([kept.count, dropped.count]).toEqual([1, 0])
      expect(log).toEqual([])
    })

    it("work deferred from a waker in dispatch runs after the batch; outside dispatch it runs at once", () => {
      const a = reactor.register(10, Interest.readable)
      const b = reactor.register(11, Interest.readable)
      const log: Array<string> = []
      a.pollReadable(Waker.make(() => {
        log.push("wake a")
        // What a File's pump does when woken: it may deregister, so it must not run inside dispatch.
        reactor.defer(() => {
          log.push(`deferred (b woken: ${log.includes("wake b")})`)
          b.deregister()
        })
      }))
      b.pollReadable(Waker.make(() => log.push("wake b")))
      fake.inject(a.key, R)
      fake.inject(b.key, R)
      expect(reactor.turn(0)).toBe(2)
      expect(log).toEqual(["wake a", "wake b", "deferred (b woken: true)"])
      expect(b.closed).toBe(true)
      reactor.defer(() => log.push("now"))
      expect(log.at(-1)).toBe("now")
    })

    it("each reactor keeps its own failures: one reactor's throwing waker is never thrown by another", () => {
      const other = new FakePoller({ supportsEdge: true })
      const second = new internal.Reactor(other)
      const a = reactor.register(10, Interest.readable)
      const b = second.register(10, Interest.readable)
      a.pollReadable(Waker.make(() => {
        throw new Error("bad waker")
      }))
      const fine = counter()
      b.pollReadable(fine.waker)
      fake.inject(a.key, R)
      other.inject(b.key, R)
      expect(second.turn(0)).toBe(1)
      expect(() => reactor.turn(0)).toThrow("bad waker")
      expect(second.turn(0)).toBe(0)
      expect(fine.count).toBe(1)
      second.close()
    })

    it("a throwing waker does not keep the rest of the batch from its wakers", () => {
      const a = reactor.register(10, Interest.both)
      const b = reactor.register(11, Interest.readable)
      const writer = counter()
      const later = counter()
      a.pollReadable(Waker.make(() => {
        throw new Error("bad waker")
      }))
      a.pollWritable(writer.waker)
      b.pollReadable(later.waker)
      fake.inject(a.key, R | W)
      fake.inject(b.key, R)
      expect(() => reactor.turn(0)).toThrow("bad waker")
      expect([writer.count, later.count]).toEqual([1, 1])
      expect(Poll.isReady(b.pollReadable(Waker.noop))).toBe(true)
      // Reported once: the next turn is clean.
      expect(reactor.turn(0)).toBe(0)
    })
  })

  describe("re-arming on a backend without edges", () => {
    beforeEach(() => open(false))

    it("re-arms at dispatch without the directions cached ready, and adds a cleared direction back", () => {
      const registration = reactor.register(10, Interest.both)
      const key = registration.key
      fake.inject(key, R)
      reactor.turn(0)
      expect(fake.callsOf("modify")).toEqual([
        { op: "modify", fd: 10, key, interest: Interest.writable, mode: ONESHOT }
      ])
      registration.clearReadiness(readyOf(registration.pollReadable(Waker.noop)))
      expect(fake.callsOf("modify")).toHaveLength(2)
      expect(fake.callsOf("modify")[1]).toEqual({ op: "modify", fd: 10, key, interest: Interest.both, mode: ONESHOT })
    })

    it("leaves the fd disarmed while every direction is cached ready", () => {
      const registration = reactor.register(10, Interest.both)
      fake.inject(registration.key, R | W)
      reactor.turn(0)
      expect(fake.callsOf("modify")).toEqual([])
      registration.clearReadiness(readyOf(registration.pollWritable(Waker.noop)))
      expect(fake.callsOf("modify")).toEqual([
        { op: "modify", fd: 10, key: registration.key, interest: Interest.writable, mode: ONESHOT }
      ])
    })

    it("a clear with a stale tick re-arms nothing", () => {
      const registration = reactor.register(10, Interest.readable)
      fake.inject(registration.key, R)
      reactor.turn(0)
      const stale = readyOf(registration.pollReadable(Waker.noop))
      fake.inject(registration.key, R)
      reactor.turn(0)
      registration.clearReadiness(stale)
      expect(fake.callsOf("modify")).toEqual([])
      expect(Poll.isReady(registration.pollReadable(Waker.noop))).toBe(true)
    })

    it("a clear that leaves its direction ready (the read side is closed) re-arms nothing", () => {
      const registration = reactor.register(10, Interest.both)
      fake.inject(registration.key, R | PollEvent.hangup)
      reactor.turn(0)
      expect(fake.callsOf("modify")).toHaveLength(1)
      registration.clearReadiness(readyOf(registration.pollReadable(Waker.noop)))
      expect(fake.callsOf("modify")).toHaveLength(1)
      expect(Reactor.isReadClosed(readyOf(registration.pollReadable(Waker.noop)))).toBe(true)
    })

    it("closes the registration when the poller refuses the re-arm, waking its waiters", () => {
      const registration = reactor.register(10, Interest.both)
      const writer = counter()
      registration.pollWritable(writer.waker)
      fake.forget(10)
      fake.inject(registration.key, R)
      expect(reactor.turn(0)).toBe(1)
      expect(writer.count).toBe(1)
      const readiness = readyOf(registration.pollWritable(Waker.noop))
      expect(Reactor.isClosed(readiness) && Reactor.isError(readiness)).toBe(true)
      expect(registration.closed).toBe(true)
      expect(reactor.registrations).toBe(0)
    })

    it("an edge backend never re-arms", () => {
      open(true)
      const registration = reactor.register(10, Interest.both)
      fake.inject(registration.key, R)
      reactor.turn(0)
      registration.clearReadiness(readyOf(registration.pollReadable(Waker.noop)))
      expect(fake.callsOf("modify")).toEqual([])
    })
  })

  describe("deregistering", () => {
    it("deletes the fd, frees the key and wakes every waiter with closed; idempotent", () => {
      const registration = reactor.register(10, Interest.both)
      const reader = counter()
      const writer = counter()
      registration.pollReadable(reader.waker)
      registration.pollWritable(writer.waker)
      registration.deregister()
      expect(fake.callsOf("delete")).toEqual([{ op: "delete", fd: 10 }])
      expect([reader.count, writer.count]).toEqual([1, 1])
      expect(reactor.registrations).toBe(0)
      expect(registration.closed).toBe(true)
      const readiness = readyOf(registration.pollReadable(Waker.noop))
      expect(Reactor.isClosed(readiness)).toBe(true)
      expect(Reactor.isClosed(readyOf(registration.pollWritable(Waker.noop)))).toBe(true)
      registration.clearReadiness(readiness)
      expect(Reactor.isClosed(readyOf(registration.pollReadable(Waker.noop)))).toBe(true)
      registration.deregister()
      expect(fake.callsOf("delete")).toHaveLength(1)
      expect([reader.count, writer.count]).toEqual([1, 1])
      expect(reactor.registrations).toBe(0)
    })

    it("ignores an fd the poller already forgot", () => {
      const registration = reactor.register(10, Interest.readable)
      fake.forget(10)
      expect(() => registration.deregister()).not.toThrow()
      expect(reactor.registrations).toBe(0)
    })

    it("never fails: any other refusal is reported once as a warning, after freeing the key and waking the waiters", () => {
      const warnings = vi.spyOn(process, "emitWarning").mockImplementation(() => {})
      const registration = reactor.register(10, Interest.readable)
      const reader = counter()
      registration.pollReadable(reader.waker)
      fake.delete = () => {
        throw Object.assign(new Error("EINVAL"), { code: "EINVAL" })
      }
      expect(() => registration.deregister()).not.toThrow()
      expect(reader.count).toBe(1)
      expect(reactor.registrations).toBe(0)
      expect(warnings).toHaveBeenCalledTimes(1)
      expect(String(warnings.mock.calls[0]![0])).toMatch(
        /^effect-reactor: deregistering went on past a failure: Error: EINVAL/
      )
      registration.deregister()
      expect(warnings).toHaveBeenCalledTimes(1)
      warnings.mockRestore()
    })

    it("a throwing waker does not stop a release: close wakes every other waiter and reports it once", () => {
      const warnings = vi.spyOn(process, "emitWarning").mockImplementation(() => {})
      const a = reactor.register(10, Interest.readable)
      const b = reactor.register(11, Interest.readable)
      const later = counter()
      a.pollReadable(Waker.make(() => {
        throw new Error("bad waker")
      }))
      b.pollReadable(later.waker)
      expect(() => reactor.close()).not.toThrow()
      expect([later.count, reactor.registrations, a.closed, b.closed]).toEqual([1, 0, true, true])
      expect(warnings).toHaveBeenCalledTimes(1)
      expect(String(warnings.mock.calls[0]![0])).toContain(
        "closing the reactor went on past a failure: Error: bad waker"
      )
      warnings.mockRestore()
    })
  })

  describe("the reactor", () => {
    it("prints registrations and itself compactly", () => {
      const registration = reactor.register(10, Interest.readable)
      fake.inject(registration.key, R | PollEvent.hangup)
      reactor.turn(0)
      expect(registration.toJSON()).toEqual({
        _id: "Registration",
        fd: 10,
        key: 0,
        interest: Interest.readable,
        tick: 1,
        ready: "readable|readClosed",
        closed: false
      })
      expect(reactor.toJSON()).toEqual({ _id: "Reactor", backend: "epoll", registrations: 1, closed: false })
      expect(String(reactor)).toContain("Reactor")
    })

    it("turn waits once and dispatches a batch at most as large as its buffer", () => {
      open(true, { events: 2 })
      const regs = [10, 11, 12].map((fd) => reactor.register(fd, Interest.readable))
      const wakers = regs.map((registration) => {
        const w = counter()
        registration.pollReadable(w.waker)
        return w
      })
      for (const registration of regs) fake.inject(registration.key, R)
      expect(reactor.turn(0)).toBe(2)
      expect(fake.waits).toBe(1)
      expect(wakers.map((w) => w.count)).toEqual([1, 1, 0])
      expect(reactor.turn(0)).toBe(1)
      expect(fake.waits).toBe(2)
      expect(reactor.turn(0)).toBe(0)
    })

    it("delegates watch, unwatch and notify", () => {
      const onEvents = () => {}
      reactor.watch(onEvents)
      expect(fake.watching).toBe(onEvents)
      reactor.unwatch()
      expect(fake.watching).toBeUndefined()
      reactor.notify()
      expect(fake.notifies).toBe(1)
    })

    it("close deregisters everything, wakes every waiter, stops watching; idempotent; later use is refused", () => {
      const a = reactor.register(10, Interest.readable)
      const b = reactor.register(11, Interest.writable)
      const reader = counter()
      const writer = counter()
      a.pollReadable(reader.waker)
      b.pollWritable(writer.waker)
      reactor.watch(() => {})
      reactor.close()
      expect(reactor.closed).toBe(true)
      expect(reactor.registrations).toBe(0)
      expect([reader.count, writer.count]).toEqual([1, 1])
      expect(fake.callsOf("delete").map((call) => call.fd).sort()).toEqual([10, 11])
      expect(fake.watching).toBeUndefined()
      expect(a.closed && b.closed).toBe(true)
      reactor.close()
      expect(fake.callsOf("delete")).toHaveLength(2)
      expect(() => reactor.register(12, Interest.readable)).toThrow(
        expect.objectContaining({ code: "ERR_POLLER_CLOSED" })
      )
      expect(() => reactor.turn(0)).toThrow(expect.objectContaining({ code: "ERR_POLLER_CLOSED" }))
      // The poller is not the reactor's to close.
      expect(fake.closed).toBe(false)
    })

    it("closes cleanly after its poller was closed", () => {
      const registration = reactor.register(10, Interest.readable)
      const reader = counter()
      registration.pollReadable(reader.waker)
      fake.close()
      expect(() => reactor.notify()).not.toThrow()
      expect(() => reactor.close()).not.toThrow()
      expect(reader.count).toBe(1)
    })
  })
})

describe.each(["epoll", "poll"] as const)("Reactor (%s backend)", (backend) => {
  let fds: FdScope
  let handle: Poller.PollerHandle
  let reactor: Reactor.Reactor

  beforeEach(() => {
    fds = new FdScope()
    handle = Poller.unsafeOpen({ backend })
    reactor = Reactor.unsafeMake(handle)
  })

  afterEach(() => {
    reactor.close()
    handle.close()
    fds.closeAll()
  })

  /** Writes into `fd` until the kernel says EAGAIN; returns the bytes written. */
  const fill = (fd: number): number => {
    const chunk = Buffer.alloc(65536, 1)
    let total = 0
    for (let i = 0; i < 10_000; i++) {
      const n = binding.write(fd, chunk)
      if (n === -binding.constants.EAGAIN) return total
      if (n < 0) throw new Error(`write failed with errno ${-n}`)
      total += n
    }
    throw new Error("the socket never filled up")
  }

  it("wakes a reader, clears on EAGAIN, and wakes it again for new data", () => {
    const [read, write] = fds.pipe()
    const registration = reactor.register(read, Interest.readable)
    const reader = counter()
    expect(Poll.isPending(registration.pollReadable(reader.waker))).toBe(true)
    fds.write(write, "one")
    expect(reactor.turn(1000)).toBe(1)
    expect(reader.count).toBe(1)
    const readiness = readyOf(registration.pollReadable(reader.waker))
    expect(Reactor.isReadable(readiness)).toBe(true)
    expect(fds.drain(read)).toBe(3)
    registration.clearReadiness(readiness)
    expect(Poll.isPending(registration.pollReadable(reader.waker))).toBe(true)
    fds.write(write, "two")
    expect(reactor.turn(1000)).toBe(1)
    expect(reader.count).toBe(2)
    expect(Poll.isReady(registration.pollReadable(reader.waker))).toBe(true)
  })

  it("reports a readiness once: unread data does not bring it back on every turn", () => {
    const [read, write] = fds.pipe()
    const registration = reactor.register(read, Interest.readable)
    fds.write(write, "x")
    reactor.turn(1000)
    const tick = registration.tick
    expect(tick).toBe(1)
    for (let i = 0; i < 3; i++) expect(reactor.turn(0)).toBe(0)
    expect(registration.tick).toBe(tick)
    // After a drain and a clear, an idle fd stays quiet: no busy loop.
    fds.drain(read)
    registration.clearReadiness(readyOf(registration.pollReadable(Waker.noop)))
    const reader = counter()
    registration.pollReadable(reader.waker)
    expect(reactor.turn(20)).toBe(0)
    expect(registration.tick).toBe(tick)
    expect(reader.count).toBe(0)
  })

  it("does not lose data that arrives between EAGAIN and the clear", () => {
    const [read, write] = fds.pipe()
    const registration = reactor.register(read, Interest.readable)
    fds.write(write, "first")
    reactor.turn(1000)
    const stale = readyOf(registration.pollReadable(Waker.noop))
    fds.drain(read)
    // EAGAIN seen; the peer writes and the reactor turns before the task clears.
    fds.write(write, "second")
    reactor.turn(50)
    registration.clearReadiness(stale)
    const reader = counter()
    if (Poll.isPending(registration.pollReadable(reader.waker))) {
      reactor.turn(1000)
      expect(reader.count).toBe(1)
    }
    expect(Poll.isReady(registration.pollReadable(Waker.noop))).toBe(true)
    expect(fds.drain(read)).toBe(6)
  })

  it("waits for writable space on a socket pair", () => {
    const [a, b] = fds.socketpair()
    const registration = reactor.register(a, Interest.writable)
    const writer = counter()
    expect(Poll.isPending(registration.pollWritable(writer.waker))).toBe(true)
    expect(reactor.turn(1000)).toBe(1)
    const space = readyOf(registration.pollWritable(writer.waker))
    expect(Reactor.isWritable(space)).toBe(true)
    fill(a)
    registration.clearReadiness(space)
    expect(Poll.isPending(registration.pollWritable(writer.waker))).toBe(true)
    expect(reactor.turn(20)).toBe(0)
    expect(writer.count).toBe(1)
    fds.drain(b)
    expect(reactor.turn(1000)).toBe(1)
    expect(writer.count).toBe(2)
    expect(Reactor.isWritable(readyOf(registration.pollWritable(writer.waker)))).toBe(true)
  })

  it("serves a reader and a writer on one registration", () => {
    const [a, b] = fds.socketpair()
    const registration = reactor.register(a, Interest.both)
    const reader = counter()
    registration.pollReadable(reader.waker)
    reactor.turn(1000)
    // Writable from the start, so only the writable readiness is cached; the reader still waits.
    expect(reader.count).toBe(0)
    expect(Reactor.isWritable(readyOf(registration.pollWritable(Waker.noop)))).toBe(true)
    expect(Poll.isPending(registration.pollReadable(reader.waker))).toBe(true)
    fds.write(b, "ping")
    expect(reactor.turn(1000)).toBe(1)
    expect(reader.count).toBe(1)
    expect(Reactor.isReadable(readyOf(registration.pollReadable(Waker.noop)))).toBe(true)
  })

  it("wakes a reader with read-closed when the writer goes away", () => {
    const [read, write] = fds.pipe()
    const registration = reactor.register(read, Interest.readable)
    const reader = counter()
    registration.pollReadable(reader.waker)
    fds.close(write)
    expect(reactor.turn(1000)).toBe(1)
    expect(Reactor.isReadClosed(readyOf(registration.pollReadable(Waker.noop)))).toBe(true)
  })

  it("deregister wakes waiters and tolerates an fd closed too early", () => {
    const [read] = fds.pipe()
    const registration = reactor.register(read, Interest.readable)
    const reader = counter()
    registration.pollReadable(reader.waker)
    fds.close(read)
    expect(() => registration.deregister()).not.toThrow()
    expect(reader.count).toBe(1)
    expect(reactor.registrations).toBe(0)
  })

  it("drives a task through the executor: pending on an empty pipe, woken by data, finished", () => {
    const [read, write] = fds.pipe()
    const executor = new Executor({ io: reactor })
    const registration = reactor.register(read, Interest.readable)
    const handle = executor.spawn(new ReadFuture(registration))
    executor.tick()
    expect(handle.task.exit).toBeUndefined()
    fds.write(write, "hello")
    expect(executor.park(1000)).toBe(1)
    executor.tick()
    expect(handle.task.exit).toEqual(Exit.succeed(5))
    executor.close()
  })

  it("a cancelled task's wait takes its waker back", () => {
    const [read, write] = fds.pipe()
    const executor = new Executor({ io: reactor })
    const registration = reactor.register(read, Interest.readable)
    const handle = executor.spawn(new ReadFuture(registration))
    executor.tick()
    handle.cancel()
    fds.write(write, "late")
    expect(reactor.turn(1000)).toBe(0)
    expect(registration.tick).toBe(1)
    executor.close()
  })

  it("registering and deregistering 100 fds leaves the fd count where it was", () => {
    const start = fdCount()
    const pipes = Array.from({ length: 100 }, () => fds.pipe())
    const registrations = pipes.map(([read]) => reactor.register(read, Interest.readable))
    expect(reactor.registrations).toBe(100)
    // The poll backend polls a duplicate of each registered fd, closed by the deregistration.
    expect(fdCount()).toBe(start + (backend === "poll" ? 300 : 200))
    for (const registration of registrations) registration.deregister()
    expect(reactor.registrations).toBe(0)
    for (const [read, write] of pipes) {
      fds.close(read)
      fds.close(write)
    }
    expect(fdCount()).toBe(start)
  })

  it("refuses an fd registered twice and a regular file", () => {
    const [read] = fds.pipe()
    reactor.register(read, Interest.readable)
    expect(() => reactor.register(read, Interest.readable)).toThrow(expect.objectContaining({ code: "EEXIST" }))
    const file = fds.openFile(fileURLToPath(import.meta.url))
    expect(() => reactor.register(file, Interest.readable)).toThrow(expect.objectContaining({ code: "EPERM" }))
    expect(reactor.registrations).toBe(1)
  })
})

describe("Reactor (Effect)", () => {
  const reasonOf = <A, R>(effect: Effect.Effect<A, PollerError.PollerError, R>) =>
    Effect.match(effect, { onFailure: (error) => error.reason, onSuccess: () => "succeeded" })

  const ReactorLive = ReactorRuntime.layer

  it.effect("register is scoped: closing the scope deregisters and wakes waiters", () =>
    Effect.gen(function*() {
      const reactor = yield* Reactor.Reactor
      const [read, write] = binding.pipe()
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          binding.close(read)
          binding.close(write)
        })
      )
      const reader = counter()
      const scope = yield* Scope.make()
      const registration = yield* Scope.extend(Reactor.register(read, Interest.readable), scope)
      expect(reactor.registrations).toBe(1)
      registration.pollReadable(reader.waker)
      yield* Scope.close(scope, Exit.void)
      expect(reactor.registrations).toBe(0)
      expect(reader.count).toBe(1)
      expect(registration.closed).toBe(true)
    }).pipe(Effect.scoped, Effect.provide(ReactorLive)))

  it.effect("a scope's release never dies of a throwing waker: the other finalizers run, the failure is a warning", () =>
    Effect.gen(function*() {
      const warnings = vi.spyOn(process, "emitWarning").mockImplementation(() => {})
      const [read, write] = binding.pipe()
      const scope = yield* Scope.make()
      const registration = yield* Scope.extend(Reactor.register(read, Interest.readable), scope)
      registration.pollReadable(Waker.make(() => {
        throw new Error("bad waker")
      }))
      let laterFinalizer = false
      yield* Scope.addFinalizer(scope, Effect.sync(() => (laterFinalizer = true)))
      const closed = yield* Effect.exit(Scope.close(scope, Exit.void))
      binding.close(read)
      binding.close(write)
      expect(Exit.isSuccess(closed)).toBe(true)
      expect([laterFinalizer, registration.closed]).toEqual([true, true])
      expect(warnings).toHaveBeenCalledTimes(1)
      warnings.mockRestore()
    }).pipe(Effect.provide(ReactorLive)))

  it.effect("maps refusals to PollerError reasons", () =>
    Effect.gen(function*() {
      const [read, write] = binding.pipe()
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          binding.close(read)
          binding.close(write)
        })
      )
      yield* Reactor.register(read, Interest.readable)
      expect(yield* reasonOf(Reactor.register(read, Interest.readable))).toBe("AlreadyExists")
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-reactor-"))
      const file = Fs.openSync(Path.join(dir, "file"), "w")
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          Fs.closeSync(file)
          Fs.rmSync(dir, { recursive: true, force: true })
        })
      )
      expect(yield* reasonOf(Reactor.register(file, Interest.readable))).toBe("Unsupported")
      expect(yield* reasonOf(Reactor.register(-1, Interest.readable))).toBe("InvalidArgument")
      expect(yield* reasonOf(Reactor.register(write, 9 as Interest.Interest))).toBe("InvalidArgument")
      const reactor = yield* Reactor.Reactor
      expect(reactor.registrations).toBe(1)
    }).pipe(Effect.scoped, Effect.provide(ReactorLive)))

  it.effect("closing the scope of make closes the reactor; register then fails with Closed", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const reactor = yield* Scope.extend(Reactor.make, scope)
      const [read, write] = binding.pipe()
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          binding.close(read)
          binding.close(write)
        })
      )
      const registration = reactor.register(read, Interest.readable)
      const reader = counter()
      registration.pollReadable(reader.waker)
      yield* Scope.close(scope, Exit.void)
      expect(reactor.closed).toBe(true)
      expect(reader.count).toBe(1)
      expect(reactor.registrations).toBe(0)
      const reason = yield* reasonOf(
        Reactor.register(write, Interest.writable).pipe(
          Effect.provideService(Reactor.Reactor, reactor)
        )
      )
      expect(reason).toBe("Closed")
    }).pipe(Effect.scoped, Effect.provide(Poller.layer)))

  it.effect("the runtime layer closes the reactor before its poller", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(ReactorLive, scope)
      const reactor = Context.get(context, Reactor.Reactor)
      const poller = Context.get(context, Poller.Poller)
      const [read, write] = binding.pipe()
      const registration = reactor.register(read, Interest.readable)
      let pollerOpenAtWake: boolean | undefined
      registration.pollReadable(Waker.make(() => {
        pollerOpenAtWake = !poller.handle.closed
      }))
      yield* Scope.close(scope, Exit.void)
      expect(pollerOpenAtWake).toBe(true)
      expect(reactor.closed).toBe(true)
      expect(poller.handle.closed).toBe(true)
      binding.close(read)
      binding.close(write)
    }))
})
