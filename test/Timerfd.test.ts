/**
 * Timerfd: real kernel timers on each clock — one-shot and periodic, nanosecond settings, overruns counted by a slow
 * reader, disarm, bad input, fd counts, interruption, the native boundary and the docs example.
 *
 * No test measures time: "later" is always another timer's expiration on the same clock, so every bound below is
 * the kernel's arithmetic, not the scheduler's.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { binding } from "../src/internal/native.js"
import * as Reactor from "../src/Reactor.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as Timerfd from "../src/Timerfd.js"
import { expectError, interruptParked } from "./utils/boundary.js"
import { runExample } from "./utils/examples.js"
import { fdCount } from "./utils/fds.js"

const failureReason = <A, E extends { readonly reason: string }>(exit: Exit.Exit<A, E>): string | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.reason : undefined

const clocks: ReadonlyArray<Timerfd.Clock> = ["monotonic", "realtime", "boottime"]

/**
 * A timer armed with `spec` on `clock`, to arm just before the timer under test with the same schedule: armed first,
 * it has expired at least as often as that timer at any moment, so its count, read after the other's, bounds the
 * other's from above (timerfd(2): a read returns every expiration since the last read, or since arming).
 */
const reference = (clock: Timerfd.Clock, spec: Timerfd.Spec) =>
  Effect.tap(Timerfd.make({ clock }), (timer) => timer.arm(spec))

/** Waits for a fresh one-shot timer of `after` on `clock`: a point in the clock's future, without measuring. */
const pace = (clock: Timerfd.Clock, after: Duration.DurationInput) =>
  Effect.scoped(
    Effect.flatMap(Timerfd.make({ clock }), (pacer) => Effect.zipRight(pacer.arm({ initial: after }), pacer.wait))
  )

describe("Timerfd", () => {
  describe.each(clocks)("on the %s clock", (clock) => {
    it.live("starts disarmed; a setting reads back to the nanosecond; a one-shot fires once", () =>
      Effect.scoped(
        Effect.gen(function*() {
          const timer = yield* Timerfd.make({ clock })
          expect(timer.clock).toBe(clock)
          const initial = yield* timer.get
          expect(initial.armed).toBe(false)
          expect(Duration.toNanos(initial.remaining)).toEqual(Duration.toNanos(Duration.zero))
          // 1 second and 333 nanoseconds, as an hrtime tuple: the kernel keeps the interval exactly.
          yield* timer.arm({ initial: "10 seconds", interval: [1, 333] })
          const setting = yield* timer.get
          expect(setting.armed).toBe(true)
          expect(Duration.unsafeToNanos(setting.interval)).toBe(1_000_000_333n)
          const remaining = Duration.unsafeToNanos(setting.remaining)
          expect(remaining).toBeLessThanOrEqual(10_000_000_000n)
          expect(remaining).toBeGreaterThan(0n)
          // Re-arming replaces the setting: 300 microseconds, one-shot.
          yield* timer.arm({ initial: 300_000n })
          expect(Duration.unsafeToNanos((yield* timer.get).interval)).toBe(0n)
          expect(yield* timer.wait).toBe(1)
          expect((yield* timer.get).armed).toBe(false)
          // Nothing more comes: a later timer on the same clock fires, and this one still has nothing to read.
          yield* pace(clock, "2 millis")
          expect(binding.read(timer.fd, new Uint8Array(8))).toBe(-binding.constants.EAGAIN)
        }).pipe(Effect.provide(ReactorRuntime.layer))
      ))

    it.live("a periodic sub-millisecond timer streams its expirations", () =>
      Effect.scoped(
        Effect.gen(function*() {
          const spec: Timerfd.Spec = { initial: "250 micros", interval: "250 micros" }
          const bound = yield* reference(clock, spec)
          const timer = yield* Timerfd.make({ clock })
          yield* timer.arm(spec)
          const counts = Array.from(yield* Stream.runCollect(Stream.take(timer.expirations, 3)))
          // Each read reports a whole number of expirations, at least one (with none, a timerfd read waits); how many
          // more depends on how late the reader is, which only the reference bounds.
          expect(counts.every((count) => Number.isInteger(count) && count >= 1), String(counts)).toBe(true)
          const total = counts.reduce((sum, count) => sum + count, 0)
          expect(total).toBeLessThanOrEqual(yield* bound.wait)
          expect(Duration.unsafeToNanos((yield* timer.get).interval)).toBe(250_000n)
        }).pipe(Effect.provide(ReactorRuntime.layer))
      ))

    it.live("disarm stops a periodic timer", () =>
      Effect.scoped(
        Effect.gen(function*() {
          const spec: Timerfd.Spec = { initial: "1 millis", interval: "1 millis" }
          const control = yield* reference(clock, spec)
          const timer = yield* Timerfd.make({ clock })
          yield* timer.arm(spec)
          const first = yield* timer.wait
          expect(first).toBeGreaterThanOrEqual(1)
          expect(first).toBeLessThanOrEqual(yield* control.wait)
          yield* timer.disarm
          const setting = yield* timer.get
          expect(setting.armed).toBe(false)
          expect(Duration.unsafeToNanos(setting.interval)).toBe(0n)
          // Five intervals later on the same clock: the control, left armed, counted them all; the disarmed timer none
          // (timerfd_settime resets the count).
          yield* pace(clock, "5 millis")
          expect(binding.read(timer.fd, new Uint8Array(8))).toBe(-binding.constants.EAGAIN)
          expect(yield* control.wait).toBeGreaterThanOrEqual(5)
        }).pipe(Effect.provide(ReactorRuntime.layer))
      ))
  })

  it.live("a slow reader gets the overruns in its count", () =>
    Effect.scoped(
      Effect.gen(function*() {
        const spec: Timerfd.Spec = { initial: "1 millis", interval: "1 millis" }
        const bound = yield* reference("monotonic", spec)
        const timer = yield* Timerfd.make()
        yield* timer.arm(spec)
        // The pacer is armed after the periodic timer and fires 20 ms later: by then the periodic timer has expired
        // at least 20 times, all unread.
        yield* pace("monotonic", "20 millis")
        const [count] = Array.from(yield* Stream.runCollect(Stream.take(timer.expirations, 1)))
        expect(count).toBeGreaterThanOrEqual(20)
        expect(count).toBeLessThanOrEqual(yield* bound.wait)
        // Read again after another 5 intervals: the count starts over from the last read.
        yield* pace("monotonic", "5 millis")
        const next = yield* timer.wait
        expect(next).toBeGreaterThanOrEqual(5)
      }).pipe(Effect.provide(ReactorRuntime.layer))
    ))

  it.live("bad input is InvalidArgument; a closed timer is Closed", () =>
    Effect.scoped(
      Effect.gen(function*() {
        expect(failureReason(yield* Effect.exit(Timerfd.make({ clock: "tai" as Timerfd.Clock })))).toBe(
          "InvalidArgument"
        )
        const timer = yield* Timerfd.make()
        const bad: ReadonlyArray<unknown> = [
          -1,
          NaN,
          Infinity,
          -1n,
          "-5 millis",
          // Too far for nanoseconds: Effect's own conversion would throw on it.
          Number.MAX_VALUE,
          "soon",
          "Infinity",
          [-1, 0],
          [0, NaN],
          Duration.infinity,
          {},
          null
        ]
        for (const initial of bad) {
          const exit = yield* Effect.exit(timer.arm({ initial: initial as Duration.DurationInput }))
          expect(failureReason(exit), String(initial)).toBe("InvalidArgument")
          const interval = yield* Effect.exit(
            timer.arm({ initial: "1 second", interval: initial as Duration.DurationInput })
          )
          expect(failureReason(interval), String(initial)).toBe("InvalidArgument")
        }
        // A zero initial value would disarm: that is `disarm`'s job.
        const zeros: ReadonlyArray<Duration.DurationInput> = [0, 0n, "0 millis", Duration.zero]
        for (const zero of zeros) {
          expect(failureReason(yield* Effect.exit(timer.arm({ initial: zero })))).toBe("InvalidArgument")
        }
        expect(failureReason(yield* Effect.exit(timer.arm(null as unknown as Timerfd.Spec)))).toBe("InvalidArgument")
        // None of the rejected settings reached the kernel.
        expect((yield* timer.get).armed).toBe(false)
        yield* timer.close
        expect(timer.closed).toBe(true)
        for (const operation of [timer.arm({ initial: "1 millis" }), timer.disarm, timer.get, timer.wait]) {
          expect(failureReason(yield* Effect.exit(operation))).toBe("Closed")
        }
        expect(failureReason(yield* Effect.exit(Stream.runDrain(timer.expirations)))).toBe("Closed")
      }).pipe(Effect.provide(ReactorRuntime.layer))
    ))

  it.live("the scope closes its fd; an interrupted wait and stream leave no fd and no registration", () =>
    Effect.gen(function*() {
      const reactor = yield* Reactor.Reactor
      const before = fdCount()
      yield* Effect.scoped(Effect.gen(function*() {
        const timer = yield* Timerfd.make({ clock: "boottime" })
        expect(fdCount()).toBe(before + 1)
        yield* timer.arm({ initial: "1 hour" })
        yield* interruptParked(timer, Stream.runDrain(timer.expirations))
        yield* interruptParked(timer, timer.wait)
      }))
      expect(fdCount()).toBe(before)
      expect(reactor.registrations).toBe(0)
      // Closing early, then the scope: one close, no error.
      yield* Effect.scoped(Effect.flatMap(Timerfd.make(), (timer) => timer.close))
      expect(fdCount()).toBe(before)
    }).pipe(Effect.provide(ReactorRuntime.layer)))

  it("the native boundary names each bad argument and reports failed syscalls as -errno", () => {
    const call = (name: "timerfdCreate" | "timerfdSettime" | "timerfdGettime", ...args: Array<unknown>) => () =>
      Reflect.apply(binding[name] as (...args: Array<unknown>) => unknown, binding, args)
    expectError(call("timerfdCreate", 1), TypeError, /"clock"/)
    expectError(call("timerfdCreate", "tai"), RangeError, /"clock"/)
    expectError(call("timerfdCreate", "monotonic\0"), TypeError, /"clock"/)
    const fd = binding.timerfdCreate("monotonic")
    try {
      expectError(call("timerfdSettime", "3", 0, 0, 0, 0), TypeError, /"fd"/)
      expectError(call("timerfdSettime", fd, -1, 0, 0, 0), RangeError, /"initialSeconds"/)
      expectError(call("timerfdSettime", fd, 2 ** 53, 0, 0, 0), RangeError, /"initialSeconds"/)
      expectError(call("timerfdSettime", fd, 0, 1e9, 0, 0), RangeError, /"initialNanos"/)
      expectError(call("timerfdSettime", fd, 0, 0.5, 0, 0), RangeError, /"initialNanos"/)
      expectError(call("timerfdSettime", fd, 0, 1, NaN, 0), RangeError, /"intervalSeconds"/)
      expectError(call("timerfdSettime", fd, 0, 1, 0), TypeError, /"intervalNanos"/)
      expectError(call("timerfdGettime", -1), RangeError, /"fd"/)
      expect(binding.timerfdSettime(fd, 5, 1, 0, 7)).toBe(0)
      const [seconds, nanos, intervalSeconds, intervalNanos] = binding.timerfdGettime(fd) as Array<number>
      expect([seconds! <= 5, nanos! >= 0, intervalSeconds, intervalNanos]).toEqual([true, true, 0, 7])
      // Not a timerfd: EINVAL; a closed fd: EBADF.
      const [read, write] = binding.pipe()
      expect(binding.timerfdSettime(read, 1, 0, 0, 0)).toBe(-22)
      expect(binding.timerfdGettime(read)).toBe(-22)
      binding.close(read)
      binding.close(write)
      expect(binding.timerfdGettime(read)).toBe(-9)
    } finally {
      binding.close(fd)
    }
  })

  it("docs/examples/timerfd.ts runs, prints its ticks and ends by itself", async () => {
    const lines = await runExample("timerfd.ts")
    expect(lines[0]).toBe("one-shot of 250 micros: fired, count 1")
    expect(lines[1]).toMatch(/^periodic every 1 millis, counts: [1-9]\d*(, [1-9]\d*){4}$/)
    // The pacer fires 20 ms after the ticker's last read: at least 20 expirations are in the count.
    const slow = /^slow reader: count (\d+) after 20 millis/.exec(lines[2]!)
    expect(Number(slow?.[1])).toBeGreaterThanOrEqual(20)
    expect(lines.slice(4)).toEqual(["disarmed: armed false", "done"])
  }, 70_000)
})
