/**
 * `SimpleFuture`: the laws and the protocol, observed through the executor.
 *
 * Futures under test are built from `Scripted` leaves (Pending a given number of times, waking
 * their waker each time, then Ready with a given exit) so that properties control when each child
 * finishes, and every leaf and node counts how it ended: Ready once, or dropped once — never both,
 * never neither. Timers run on a manual clock the test advances (`new Executor({ now })`).
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Either, Equal, Exit, FastCheck as fc, FiberId, pipe } from "effect"
import { Executor, type JoinHandle } from "../src/internal/executor.js"
import { FutureBase } from "../src/internal/future.js"
import * as Poll from "../src/Poll.js"
import * as SimpleFuture from "../src/SimpleFuture.js"
import * as Waker from "../src/Waker.js"

type Future<A, E = never> = SimpleFuture.SimpleFuture<A, E>

/** How each tracked future ended. */
interface Tally {
  readies: number
  cleanups: number
  /** Polls after it finished or was dropped (a protocol violation by its parent). */
  misuses: number
}

const newTally = (): Tally => ({ readies: 0, cleanups: 0, misuses: 0 })

/** Pending `pending` times (waking its waker unless `wakes` is false), then Ready with `exit`. */
class Scripted<A, E> extends FutureBase<A, E> {
  polls = 0
  lastWaker: Waker.Waker | undefined = undefined
  constructor(
    readonly pending: number,
    readonly exit: Exit.Exit<A, E>,
    readonly record: Tally = newTally(),
    readonly wakes = true
  ) {
    super()
  }
  poll(waker: Waker.Waker): Poll.Poll<Exit.Exit<A, E>> {
    if (this.finished) {
      this.record.misuses++
      throw new Error("Scripted: polled after it finished or was dropped")
    }
    this.polls++
    this.lastWaker = waker
    if (this.polls > this.pending) {
      this.finished = true
      this.record.readies++
      return Poll.ready(this.exit)
    }
    if (this.wakes) waker.wake()
    return Poll.pending
  }
  protected override onDrop(): void {
    this.record.cleanups++
  }
}

const scripted = <A, E = never>(pending: number, exit: Exit.Exit<A, E>, record?: Tally): Scripted<A, E> =>
  new Scripted(pending, exit, record)

/** Counts how a library future ends: Ready (seen by a probe) or dropped (seen by `onDrop`). */
class Probe<A, E> extends FutureBase<A, E> {
  constructor(readonly inner: Future<A, E>, readonly record: Tally) {
    super()
  }
  poll(waker: Waker.Waker): Poll.Poll<Exit.Exit<A, E>> {
    if (this.finished) {
      this.record.misuses++
      throw new Error("Probe: polled after it finished or was dropped")
    }
    const result = this.inner.poll(waker)
    if (result._tag === "Ready") {
      this.finished = true
      this.record.readies++
    }
    return result
  }
  protected override onDrop(): void {
    this.inner.drop()
  }
}

/** Tracks the future `make` builds; its record is pushed before `make` builds (and tracks) the children. */
const track = <A, E>(records: Array<Tally>, make: () => Future<A, E>): Future<A, E> => {
  const record = newTally()
  records.push(record)
  return SimpleFuture.onDrop(new Probe(make(), record), () => record.cleanups++)
}

const expectSettledOnce = (records: ReadonlyArray<Tally>) => {
  for (const record of records) {
    expect(record.misuses).toBe(0)
    expect(record.readies + record.cleanups).toBe(1)
  }
}

/** A clock the test moves by hand. */
const manualClock = () => {
  let now = 0
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms
    }
  }
}

/** Runs a future to completion on a fresh executor (dedicated mode). */
const run = <A, E>(future: Future<A, E>): Exit.Exit<A, E> => {
  const executor = new Executor()
  try {
    return executor.blockOn(future)
  } finally {
    executor.close()
  }
}

const exits = new WeakMap<JoinHandle<any, any>, Exit.Exit<any, any>>()

/** The task's exit once it finished (the handle is polled until Ready, never after). */
const joined = <A, E>(handle: JoinHandle<A, E>): Exit.Exit<A, E> | undefined => {
  const known = exits.get(handle)
  if (known !== undefined) return known
  const result = handle.poll(Waker.noop)
  if (result._tag === "Pending") return undefined
  exits.set(handle, result.value)
  return result.value
}

const expectEqualExits = (a: Exit.Exit<unknown, unknown>, b: Exit.Exit<unknown, unknown>) => {
  if (!Equal.equals(a, b)) expect(a).toEqual(b)
  expect(Equal.equals(a, b)).toBe(true)
}

const isDie = (exit: Exit.Exit<unknown, unknown>) => Exit.isFailure(exit) && Cause.isDie(exit.cause)

// ---------------------------------------------------------------------------------------------
// Arbitraries: a future as data (how long it stays Pending, how it ends) and functions as data.

type Outcome =
  | { readonly _tag: "succeed"; readonly value: number }
  | { readonly _tag: "fail"; readonly error: string }
  | { readonly _tag: "die"; readonly defect: string }

interface Spec {
  readonly pending: number
  readonly outcome: Outcome
}

const outcomeArb: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -100, max: 100 }).map((value) => ({ _tag: "succeed", value }) as const) },
  { weight: 1, arbitrary: fc.constantFrom("e1", "e2").map((error) => ({ _tag: "fail", error }) as const) },
  { weight: 1, arbitrary: fc.constantFrom("d1", "d2").map((defect) => ({ _tag: "die", defect }) as const) }
)

const specArb: fc.Arbitrary<Spec> = fc.record({ pending: fc.nat({ max: 5 }), outcome: outcomeArb })
const successSpecArb: fc.Arbitrary<Spec> = fc.record({
  pending: fc.nat({ max: 5 }),
  outcome: fc.integer().map((value) => ({ _tag: "succeed", value }) as const)
})

const exitOf = (outcome: Outcome): Exit.Exit<number, string> =>
  outcome._tag === "succeed"
    ? Exit.succeed(outcome.value)
    : outcome._tag === "fail"
    ? Exit.fail(outcome.error)
    : Exit.die(outcome.defect)

const build = (spec: Spec, record?: Tally): Future<number, string> =>
  scripted(spec.pending, exitOf(spec.outcome), record)

/** A Kleisli arrow as data: `a => a + add`, Pending `pending` times, failing or dying when told to. */
interface Arrow {
  readonly pending: number
  readonly add: number
  readonly ends: "succeed" | "fail" | "die"
}

const arrowArb: fc.Arbitrary<Arrow> = fc.record({
  pending: fc.nat({ max: 4 }),
  add: fc.integer({ min: -10, max: 10 }),
  ends: fc.constantFrom("succeed", "succeed", "succeed", "fail", "die")
})

const arrowExit = (arrow: Arrow, a: number): Exit.Exit<number, string> =>
  arrow.ends === "succeed"
    ? Exit.succeed(a + arrow.add)
    : arrow.ends === "fail"
    ? Exit.fail(`f${a}`)
    : Exit.die(`d${a}`)

const kleisli = (arrow: Arrow) => (a: number): Future<number, string> => scripted(arrow.pending, arrowExit(arrow, a))

const functionArb: fc.Arbitrary<(n: number) => number> = fc.constantFrom(
  (n: number) => n + 1,
  (n: number) => n * 2,
  (n: number) => -n,
  (n: number) => n % 7
)

// ---------------------------------------------------------------------------------------------

describe("SimpleFuture", () => {
  describe("constructors", () => {
    it("succeed, fail, failCause, die, void, unit and fromExit are Ready at the first poll", () => {
      expectEqualExits(run(SimpleFuture.succeed(1)), Exit.succeed(1))
      expectEqualExits(run(SimpleFuture.fail("e")), Exit.fail("e"))
      const cause = Cause.parallel(Cause.fail("a"), Cause.interrupt(FiberId.none))
      expectEqualExits(run(SimpleFuture.failCause(cause)), Exit.failCause(cause))
      expectEqualExits(run(SimpleFuture.die("bug")), Exit.die("bug"))
      expectEqualExits(run(SimpleFuture.void()), Exit.void)
      expectEqualExits(run(SimpleFuture.unit()), Exit.void)
      expectEqualExits(run(SimpleFuture.fromExit(Exit.fail(2))), Exit.fail(2))
      const result = SimpleFuture.succeed("now").poll(Waker.noop)
      expect(Poll.isReady(result) && Equal.equals(result.value, Exit.succeed("now"))).toBe(true)
    })

    it("each call builds a fresh future", () => {
      expect(SimpleFuture.void()).not.toBe(SimpleFuture.void())
      expect(SimpleFuture.never()).not.toBe(SimpleFuture.never())
      expect(SimpleFuture.isSimpleFuture(SimpleFuture.void())).toBe(true)
      expect(SimpleFuture.isSimpleFuture({ poll() {}, drop() {} })).toBe(false)
      expect(SimpleFuture.TypeId in SimpleFuture.succeed(1)).toBe(true)
    })

    it("sync evaluates at the first poll, and a throw is a defect", () => {
      let calls = 0
      const future = SimpleFuture.sync(() => ++calls)
      expect(calls).toBe(0)
      expectEqualExits(run(future), Exit.succeed(1))
      expect(calls).toBe(1)
      const boom = new Error("boom")
      expectEqualExits(
        run(SimpleFuture.sync(() => {
          throw boom
        })),
        Exit.die(boom)
      )
    })

    it("suspend builds at the first poll, builds nothing when dropped unpolled, and drops what it built", () => {
      let builds = 0
      const record = newTally()
      const lazy = () =>
        SimpleFuture.suspend(() => {
          builds++
          return scripted(3, Exit.succeed("built"), record)
        })
      const unpolled = lazy()
      unpolled.drop()
      expect(builds).toBe(0)
      expectEqualExits(run(lazy()), Exit.succeed("built"))
      expect(builds).toBe(1)
      expect(record.readies).toBe(1)

      const executor = new Executor()
      const inner = newTally()
      const handle = executor.spawn(SimpleFuture.suspend(() => new Scripted(1, Exit.void, inner, false)))
      executor.runUntilIdle()
      handle.cancel()
      expect(inner).toEqual({ readies: 0, cleanups: 1, misuses: 0 })
      executor.close()
      expectEqualExits(
        run(SimpleFuture.suspend(() => {
          throw "no"
        })),
        Exit.die("no")
      )
    })

    it.prop("fromPoll is Pending until its function is Ready", [fc.nat({ max: 50 })], ([pending]) => {
      let polls = 0
      const future = SimpleFuture.fromPoll((waker) => {
        if (polls++ < pending) {
          waker.wake()
          return Poll.pending
        }
        return Poll.ready(polls)
      })
      expectEqualExits(run(future), Exit.succeed(pending + 1))
      expect(polls).toBe(pending + 1)
    })

    it("fromPoll dies with what its function throws", () => {
      expectEqualExits(
        run(SimpleFuture.fromPoll(() => {
          throw "bad poll"
        })),
        Exit.die("bad poll")
      )
    })

    it("never stays Pending, and blockOn reports it as a deadlock (die) after dropping it", () => {
      let cleanups = 0
      const exit = run(SimpleFuture.never().pipe(SimpleFuture.onDrop(() => cleanups++)))
      expect(isDie(exit)).toBe(true)
      expect(cleanups).toBe(1)
      expect(SimpleFuture.never().poll(Waker.noop)).toBe(Poll.pending)
    })
  })

  describe("the protocol", () => {
    const makers: ReadonlyArray<readonly [string, () => Future<unknown, unknown>]> = [
      ["succeed", () => SimpleFuture.succeed(1)],
      ["fail", () => SimpleFuture.fail(1)],
      ["sync", () => SimpleFuture.sync(() => 1)],
      ["suspend", () => SimpleFuture.suspend(() => SimpleFuture.succeed(1))],
      ["fromPoll", () => SimpleFuture.fromPoll(() => Poll.ready(1))],
      ["map", () => SimpleFuture.map(SimpleFuture.succeed(1), (n) => n + 1)],
      ["mapError", () => SimpleFuture.mapError(SimpleFuture.fail(1), (n) => n + 1)],
      ["flatMap", () => SimpleFuture.flatMap(SimpleFuture.succeed(1), SimpleFuture.succeed)],
      ["exit", () => SimpleFuture.exit(SimpleFuture.fail(1))],
      ["all", () => SimpleFuture.all([SimpleFuture.succeed(1), SimpleFuture.succeed(2)])],
      ["zip", () => SimpleFuture.zip(SimpleFuture.succeed(1), SimpleFuture.succeed(2))],
      ["race", () => SimpleFuture.race(SimpleFuture.succeed(1), SimpleFuture.never())],
      ["sleep(0)", () => SimpleFuture.sleep(0)],
      ["onDrop", () => SimpleFuture.onDrop(SimpleFuture.succeed(1), () => {})],
      ["ensuring", () => SimpleFuture.ensuring(SimpleFuture.succeed(1), () => {})],
      [
        "acquireUseRelease",
        () => SimpleFuture.acquireUseRelease(SimpleFuture.succeed(1), SimpleFuture.succeed, () => {})
      ]
    ]

    for (const [name, make] of makers) {
      it(`${name}: polling after Ready or after drop is a defect; drop after Ready is a no-op`, () => {
        const done = make()
        expect(done.poll(Waker.noop)._tag).toBe("Ready")
        expect(() => done.poll(Waker.noop)).toThrow(/polled after it completed/)
        expect(() => done.drop()).not.toThrow()
        const dropped = make()
        dropped.drop()
        dropped.drop()
        expect(() => dropped.poll(Waker.noop)).toThrow(/polled after it was dropped/)
      })
    }

    it("a combinator whose child is polled after drop dies instead of hiding the bug", () => {
      const child = SimpleFuture.succeed(1)
      child.drop()
      const exit = run(SimpleFuture.map(child, (n) => n))
      expect(isDie(exit)).toBe(true)
    })

    it("drop runs the cleanup exactly once, and never after Ready", () => {
      let cleanups = 0
      const future = SimpleFuture.never().pipe(SimpleFuture.onDrop(() => cleanups++))
      future.drop()
      future.drop()
      expect(cleanups).toBe(1)
      let late = 0
      const finished = SimpleFuture.succeed(1).pipe(SimpleFuture.onDrop(() => late++))
      expectEqualExits(run(finished), Exit.succeed(1))
      finished.drop()
      expect(late).toBe(0)
    })

    /**
     * Spawns `inner` behind a relay that polls it with a counting waker per poll (`wakers[0]` at the
     * first poll, `wakers[1]` from then on); the counting wakers forward to the task.
     */
    const relayed = <A, E>(inner: Future<A, E>, now?: () => number) => {
      const executor = new Executor(now === undefined ? {} : { now })
      const counts = [0, 0]
      let task: Waker.Waker = Waker.noop
      let polls = 0
      const wakers = counts.map((_, i) =>
        Waker.make(() => {
          counts[i]!++
          task.wake()
        })
      )
      const handle = executor.spawn(SimpleFuture.fromPoll((waker) => {
        task = waker
        return inner.poll(wakers[Math.min(polls++, 1)]!)
      }))
      executor.runUntilIdle()
      task.wake()
      executor.runUntilIdle()
      expect(polls).toBe(2)
      expect(counts).toEqual([0, 0])
      return { executor, counts, handle }
    }

    it("sleep keeps only the latest waker it was polled with", () => {
      const clock = manualClock()
      const { counts, executor, handle } = relayed(SimpleFuture.sleep(10), clock.now)
      clock.advance(10)
      executor.runUntilIdle()
      expect(counts).toEqual([0, 1])
      expect(joined(handle)).toEqual(Exit.succeed(Exit.void))
      executor.close()
    })

    it("flatMap and all hand their latest waker on (all through its children's wakers)", () => {
      const quiet = () => new Scripted(1, Exit.succeed(1), newTally(), false)
      const leaf = quiet()
      const viaFlatMap = relayed(SimpleFuture.flatMap(SimpleFuture.void(), () => leaf))
      leaf.lastWaker!.wake()
      expect(viaFlatMap.counts).toEqual([0, 1])
      viaFlatMap.executor.close()

      const [a, b] = [quiet(), quiet()]
      const viaAll = relayed(SimpleFuture.all([a, SimpleFuture.flatMap(SimpleFuture.void(), () => b)]))
      b.lastWaker!.wake()
      expect(viaAll.counts).toEqual([0, 1])
      a.lastWaker!.wake()
      expect(viaAll.counts).toEqual([0, 2])
      viaAll.executor.runUntilIdle()
      expect(joined(viaAll.handle)).toEqual(Exit.succeed(Exit.succeed([1, 1])))
      viaAll.executor.close()
    })
  })

  describe("laws, observed through the executor", () => {
    it.prop("functor identity: map(m, x => x) = m", [specArb], ([m]) => {
      const expected = run(build(m))
      expectEqualExits(expected, exitOf(m.outcome))
      expectEqualExits(run(SimpleFuture.map(build(m), (x) => x)), expected)
    })

    it.prop(
      "functor composition: map(map(m, f), g) = map(m, g . f)",
      [specArb, functionArb, functionArb],
      ([m, f, g]) => {
        const left = run(SimpleFuture.map(SimpleFuture.map(build(m), f), g))
        const right = run(SimpleFuture.map(build(m), (x) => g(f(x))))
        expectEqualExits(left, right)
        expectEqualExits(left, Exit.map(exitOf(m.outcome), (x) => g(f(x))))
      }
    )

    it.prop("map is the same data-first and data-last", [specArb, functionArb], ([m, f]) => {
      expectEqualExits(run(SimpleFuture.map(build(m), f)), run(build(m).pipe(SimpleFuture.map(f))))
    })

    it.prop("monad left identity: flatMap(succeed(a), k) = k(a)", [fc.integer(), arrowArb], ([a, arrow]) => {
      const k = kleisli(arrow)
      const left = run(SimpleFuture.flatMap(SimpleFuture.succeed(a), k))
      expectEqualExits(left, run(k(a)))
      expectEqualExits(left, arrowExit(arrow, a))
    })

    it.prop("monad right identity: flatMap(m, succeed) = m", [specArb], ([m]) => {
      expectEqualExits(run(SimpleFuture.flatMap(build(m), SimpleFuture.succeed)), exitOf(m.outcome))
      expectEqualExits(run(build(m).pipe(SimpleFuture.flatMap(SimpleFuture.succeed))), exitOf(m.outcome))
    })

    it.prop(
      "monad associativity: flatMap(flatMap(m, k), h) = flatMap(m, x => flatMap(k(x), h))",
      [specArb, arrowArb, arrowArb],
      ([m, arrowK, arrowH]) => {
        const k = kleisli(arrowK)
        const h = kleisli(arrowH)
        const left = run(SimpleFuture.flatMap(SimpleFuture.flatMap(build(m), k), h))
        const right = run(SimpleFuture.flatMap(build(m), (x) => SimpleFuture.flatMap(k(x), h)))
        expectEqualExits(left, right)
        const model = Exit.flatMap(
          Exit.flatMap(exitOf(m.outcome), (x) => arrowExit(arrowK, x)),
          (y) => arrowExit(arrowH, y)
        )
        expectEqualExits(left, model)
      }
    )

    it.prop("a failure short-circuits flatMap: the continuation is never called", [specArb], ([m]) => {
      let calls = 0
      const exit = run(SimpleFuture.flatMap(build(m), (x) => {
        calls++
        return SimpleFuture.succeed(x)
      }))
      expectEqualExits(exit, exitOf(m.outcome))
      expect(calls).toBe(m.outcome._tag === "succeed" ? 1 : 0)
    })

    it.prop("mapError maps typed failures only", [specArb], ([m]) => {
      const exit = run(SimpleFuture.mapError(build(m), (e) => `mapped ${e}`))
      expectEqualExits(exit, Exit.mapError(exitOf(m.outcome), (e) => `mapped ${e}`))
      expectEqualExits(exit, run(build(m).pipe(SimpleFuture.mapError((e) => `mapped ${e}`))))
    })

    it.prop("exit never fails and yields the Exit", [specArb], ([m]) => {
      expectEqualExits(run(SimpleFuture.exit(build(m))), Exit.succeed(exitOf(m.outcome)))
    })

    it("a function that throws makes the future die", () => {
      expectEqualExits(
        run(SimpleFuture.map(SimpleFuture.succeed(1), () => {
          throw "map"
        })),
        Exit.die("map")
      )
      expectEqualExits(
        run(SimpleFuture.flatMap(SimpleFuture.succeed(1), () => {
          throw "flatMap"
        })),
        Exit.die("flatMap")
      )
      expectEqualExits(
        run(SimpleFuture.mapError(SimpleFuture.fail(1), () => {
          throw "mapError"
        })),
        Exit.die("mapError")
      )
    })
  })

  describe("flatMap", () => {
    it("dropping drops whichever stage is live", () => {
      const first = newTally()
      const second = newTally()
      const executor = new Executor()
      const inFirst = executor.spawn(
        SimpleFuture.flatMap(new Scripted(1, Exit.succeed(1), first, false), () => SimpleFuture.never())
      )
      executor.runUntilIdle()
      inFirst.cancel()
      expect(first).toEqual({ readies: 0, cleanups: 1, misuses: 0 })

      const a = newTally()
      const inSecond = executor.spawn(
        SimpleFuture.flatMap(scripted(2, Exit.succeed(1), a), () => new Scripted(1, Exit.succeed(2), second, false))
      )
      executor.runUntilIdle()
      inSecond.cancel()
      expect(a).toEqual({ readies: 1, cleanups: 0, misuses: 0 })
      expect(second).toEqual({ readies: 0, cleanups: 1, misuses: 0 })
      executor.close()
    })

    it("a recursive loop is stack safe and runs at constant depth", () => {
      const loop = (n: number, acc: number): Future<number> =>
        n === 0 ? SimpleFuture.succeed(acc) : SimpleFuture.flatMap(SimpleFuture.succeed(n), (k) => loop(n - 1, acc + k))
      expectEqualExits(run(loop(100_000, 0)), Exit.succeed(5_000_050_000))
      // Pending stages too: each iteration waits once.
      const waiting = (n: number): Future<number> =>
        n === 0 ? SimpleFuture.succeed(0) : SimpleFuture.flatMap(scripted(1, Exit.succeed(n)), () => waiting(n - 1))
      expectEqualExits(run(waiting(20_000)), Exit.succeed(0))
    })

    it("a left-nested chain is stack safe", () => {
      let chain: Future<number> = SimpleFuture.succeed(0)
      for (let i = 0; i < 100_000; i++) chain = SimpleFuture.flatMap(chain, (n) => SimpleFuture.succeed(n + 1))
      expectEqualExits(run(chain), Exit.succeed(100_000))
    })

    it("an always-ready loop yields to the executor instead of running to the end in one poll", () => {
      const loop = (n: number): Future<number> =>
        n === 0 ? SimpleFuture.succeed(0) : SimpleFuture.flatMap(SimpleFuture.void(), () => loop(n - 1))
      const executor = new Executor({ budget: 1 })
      const handle = executor.spawn(loop(10_000))
      executor.tick()
      expect(joined(handle)).toBeUndefined()
      expect(executor.runnable).toBe(1)
      executor.runUntilIdle()
      expectEqualExits(joined(handle)!, Exit.succeed(0))
      executor.close()
    })

    it.prop(
      "a recursive loop dropped at any point releases its live stage exactly once",
      [fc.integer({ min: 1, max: 30 }), fc.nat({ max: 40 })],
      ([iterations, ticks]) => {
        const records: Array<Tally> = []
        const loop = (n: number): Future<number> =>
          n === 0
            ? SimpleFuture.succeed(0)
            : SimpleFuture.flatMap(track(records, () => scripted(1, Exit.succeed(n))), () => loop(n - 1))
        const executor = new Executor({ budget: 1 })
        const handle = executor.spawn(loop(iterations))
        for (let i = 0; i < ticks; i++) executor.tick()
        handle.cancel()
        expectSettledOnce(records)
        // One stage is built per tick (each is Pending once), the first one before any tick.
        expect(records.length).toBe(Math.min(iterations, Math.max(1, ticks)))
        executor.close()
      }
    )

    it.prop(
      "a chain already polled by hand continues where it was when given to flatMap",
      [fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 6 }), fc.nat({ max: 20 })],
      ([pendings, handPolls]) => {
        // ((s0 >>= f1) >>= f2) ... with f_i(x) = x * 3 + i: the order the stages run in shows in the result.
        let chain: Future<number> = scripted(pendings[0]!, Exit.succeed(1))
        let model = 1
        for (let i = 1; i < pendings.length; i++) {
          chain = SimpleFuture.flatMap(chain, (x) => scripted(pendings[i]!, Exit.succeed(x * 3 + i)))
          model = model * 3 + i
        }
        let done: Exit.Exit<number> | undefined
        for (let i = 0; i < handPolls && done === undefined; i++) {
          const result = chain.poll(Waker.noop)
          if (result._tag === "Ready") done = result.value
        }
        if (done !== undefined) {
          expectEqualExits(done, Exit.succeed(model))
          return
        }
        expectEqualExits(run(SimpleFuture.flatMap(chain, (x) => SimpleFuture.succeed(x - 1))), Exit.succeed(model - 1))
      }
    )
  })

  describe("all and zip", () => {
    it.prop(
      "all succeeds with every value in input order",
      [fc.array(successSpecArb, { maxLength: 30 })],
      ([specs]) => {
        const exit = run(SimpleFuture.all(specs.map((spec) => build(spec))))
        expect(exit).toEqual(Exit.succeed(specs.map((spec) => (spec.outcome as { value: number }).value)))
      }
    )

    it.prop(
      "all fails with the first failure to happen and drops the children still running, once",
      [fc.array(specArb, { minLength: 1, maxLength: 20 })],
      ([specs]) => {
        const records = specs.map(() => newTally())
        const exit = run(SimpleFuture.all(specs.map((spec, i) => build(spec, records[i]))))
        const failures = specs
          .map((spec, index) => ({ spec, index }))
          .filter(({ spec }) => spec.outcome._tag !== "succeed")
        if (failures.length === 0) {
          expect(exit).toEqual(Exit.succeed(specs.map((spec) => (spec.outcome as { value: number }).value)))
          for (const record of records) expect(record).toEqual({ readies: 1, cleanups: 0, misuses: 0 })
          return
        }
        // Children finish at poll `pending + 1`; within a poll, in index order.
        const first = failures.reduce((a, b) => (b.spec.pending < a.spec.pending ? b : a))
        expectEqualExits(exit, exitOf(first.spec.outcome))
        specs.forEach((spec, index) => {
          const finishedFirst = spec.pending < first.spec.pending ||
            (spec.pending === first.spec.pending && index <= first.index)
          expect(records[index]).toEqual(
            finishedFirst ? { readies: 1, cleanups: 0, misuses: 0 } : { readies: 0, cleanups: 1, misuses: 0 }
          )
        })
      }
    )

    it("all takes tuples, iterables and records", () => {
      expect(run(SimpleFuture.all([]))).toEqual(Exit.succeed([]))
      const tuple = run(SimpleFuture.all([scripted(2, Exit.succeed(1)), SimpleFuture.succeed("a")] as const))
      expect(tuple).toEqual(Exit.succeed([1, "a"]))
      const fromSet = run(SimpleFuture.all(new Set([SimpleFuture.succeed(1), scripted(1, Exit.succeed(2))])))
      expect(fromSet).toEqual(Exit.succeed([1, 2]))
      const struct = run(SimpleFuture.all({ id: scripted(3, Exit.succeed(7)), name: SimpleFuture.succeed("x") }))
      expect(struct).toEqual(Exit.succeed({ id: 7, name: "x" }))
      expect(Object.keys((struct as Exit.Success<{ id: number; name: string }, never>).value)).toEqual(["id", "name"])
      const failed = run(SimpleFuture.all({ a: SimpleFuture.never(), b: scripted(1, Exit.fail("b")) }))
      expectEqualExits(failed, Exit.fail("b"))
    })

    it("all polls the children concurrently, and after the first poll only the children that were woken", () => {
      const quiet = new Scripted(5, Exit.succeed("quiet"), newTally(), false)
      const busy = scripted(3, Exit.succeed("busy"))
      const executor = new Executor()
      const handle = executor.spawn(SimpleFuture.all([quiet, busy]))
      executor.runUntilIdle()
      expect(busy.polls).toBe(4)
      expect(quiet.polls).toBe(1)
      for (let i = 0; i < 5; i++) {
        quiet.lastWaker!.wake()
        executor.runUntilIdle()
      }
      expect(quiet.polls).toBe(6)
      expect(busy.polls).toBe(4)
      expect(joined(handle)).toEqual(Exit.succeed(["quiet", "busy"]))
      executor.close()
    })

    it("dropping all drops every live child once", () => {
      const records = [newTally(), newTally(), newTally()]
      const executor = new Executor()
      const handle = executor.spawn(SimpleFuture.all([
        scripted(0, Exit.succeed(0), records[0]),
        new Scripted(1, Exit.succeed(1), records[1], false),
        new Scripted(1, Exit.succeed(2), records[2], false)
      ]))
      executor.runUntilIdle()
      handle.cancel()
      expect(records.map((r) => [r.readies, r.cleanups])).toEqual([[1, 0], [0, 1], [0, 1]])
      executor.close()
    })

    it.prop("zip and zipWith pair the values, data-first and data-last", [successSpecArb, successSpecArb], ([a, b]) => {
      const va = (a.outcome as { value: number }).value
      const vb = (b.outcome as { value: number }).value
      expect(run(SimpleFuture.zip(build(a), build(b)))).toEqual(Exit.succeed([va, vb]))
      expect(run(build(a).pipe(SimpleFuture.zip(build(b))))).toEqual(Exit.succeed([va, vb]))
      expectEqualExits(run(SimpleFuture.zipWith(build(a), build(b), (x, y) => x - y)), Exit.succeed(va - vb))
      expectEqualExits(run(build(a).pipe(SimpleFuture.zipWith(build(b), (x, y) => x - y))), Exit.succeed(va - vb))
    })
  })

  describe("race and select", () => {
    it.prop(
      "raceAll is the first to finish (ties to the earlier), success or failure; the rest are dropped once",
      [fc.array(specArb, { minLength: 1, maxLength: 20 })],
      ([specs]) => {
        const records = specs.map(() => newTally())
        const exit = run(SimpleFuture.raceAll(specs.map((spec, i) => build(spec, records[i]))))
        const winner = specs.reduce((best, spec, index) => (spec.pending < specs[best]!.pending ? index : best), 0)
        expectEqualExits(exit, exitOf(specs[winner]!.outcome))
        records.forEach((record, index) => {
          expect(record).toEqual(
            index === winner ? { readies: 1, cleanups: 0, misuses: 0 } : { readies: 0, cleanups: 1, misuses: 0 }
          )
        })
      }
    )

    it.prop(
      "race of two: the first to finish wins; the loser is dropped before it is Ready",
      [specArb, specArb],
      ([a, b]) => {
        const ra = newTally()
        const rb = newTally()
        let loserDroppedWhenReady: boolean | undefined
        const future = SimpleFuture.map(SimpleFuture.race(build(a, ra), build(b, rb)), (x) => {
          loserDroppedWhenReady = ra.cleanups + rb.cleanups === 1
          return x
        })
        const exit = run(future)
        const aWins = a.pending <= b.pending
        expectEqualExits(exit, exitOf((aWins ? a : b).outcome))
        expect(ra).toEqual(aWins ? { readies: 1, cleanups: 0, misuses: 0 } : { readies: 0, cleanups: 1, misuses: 0 })
        expect(rb).toEqual(aWins ? { readies: 0, cleanups: 1, misuses: 0 } : { readies: 1, cleanups: 0, misuses: 0 })
        if (Exit.isSuccess(exit)) expect(loserDroppedWhenReady).toBe(true)
        expectEqualExits(run(build(a).pipe(SimpleFuture.race(build(b)))), exit)
      }
    )

    it("a failure can win a race (first to finish, not first success)", () => {
      const exit = run(SimpleFuture.race(SimpleFuture.fail("fast"), scripted(3, Exit.succeed(1))))
      expectEqualExits(exit, Exit.fail("fast"))
    })

    it("select says which side won", () => {
      const left = run(SimpleFuture.select(scripted(1, Exit.succeed("self")), scripted(2, Exit.succeed(2))))
      expectEqualExits(left, Exit.succeed(Either.left("self")))
      const right = run(scripted(3, Exit.succeed(1)).pipe(SimpleFuture.select(SimpleFuture.succeed("that"))))
      expectEqualExits(right, Exit.succeed(Either.right("that")))
      expectEqualExits(run(SimpleFuture.select(SimpleFuture.never(), SimpleFuture.fail("e"))), Exit.fail("e"))
    })

    it("raceAll of nothing dies with an IllegalArgumentException", () => {
      const exit = run(SimpleFuture.raceAll([]))
      expect(Exit.isFailure(exit) && Cause.isIllegalArgumentException(Cause.squash(exit.cause))).toBe(true)
    })
  })

  describe("sleep", () => {
    it.prop(
      "never wakes early, and wakes at the first turn past its deadline (manual clock)",
      [
        fc.array(fc.integer({ min: -5, max: 100 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 10 })
      ],
      ([durations, steps]) => {
        const clock = manualClock()
        const executor = new Executor({ now: clock.now })
        const woke: Array<number | undefined> = durations.map(() => undefined)
        durations.forEach((ms, i) =>
          executor.spawn(SimpleFuture.map(SimpleFuture.sleep(ms), () => {
            woke[i] = clock.now()
          }))
        )
        const times = [0]
        executor.runUntilIdle()
        for (let i = 0; executor.tasks > 0; i++) {
          clock.advance(steps[i % steps.length]!)
          times.push(clock.now())
          executor.runUntilIdle()
        }
        durations.forEach((ms, i) => {
          expect(woke[i]).toBeGreaterThanOrEqual(ms)
          expect(woke[i]).toBe(times.find((t) => t >= ms))
        })
        expect(executor.timer.size).toBe(0)
        executor.close()
      }
    )

    it("with the real clock, blockOn(sleep) takes at least the duration", () => {
      const start = performance.now()
      expectEqualExits(run(SimpleFuture.sleep("30 millis")), Exit.void)
      expect(performance.now() - start).toBeGreaterThanOrEqual(30)
    })

    it("100k concurrent sleeps complete, in one all and as 100k tasks (manual clock)", () => {
      const clock = manualClock()
      const executor = new Executor({ now: clock.now })
      const n = 100_000
      const joinedAll = executor.spawn(
        SimpleFuture.all(
          Array.from({ length: n }, (_, i) => SimpleFuture.map(SimpleFuture.sleep(1 + (i % 100)), () => i))
        )
      )
      const handles = Array.from({ length: n }, (_, i) => executor.spawn(SimpleFuture.sleep(1 + (i % 50))))
      executor.runUntilIdle()
      expect(executor.timer.size).toBe(2 * n)
      for (let t = 0; t < 100; t += 7) {
        clock.advance(7)
        executor.runUntilIdle()
      }
      const exit = joined(joinedAll)!
      expect(Exit.isSuccess(exit) && exit.value.length === n && exit.value.every((v, i) => v === i)).toBe(true)
      expect(handles.every((handle) => Exit.isSuccess(joined(handle)!))).toBe(true)
      expect(executor.timer.size).toBe(0)
      executor.close()
    })

    it("dropping a sleep cancels its timer entry", () => {
      const clock = manualClock()
      const executor = new Executor({ now: clock.now })
      const handle = executor.spawn(SimpleFuture.sleep(100))
      executor.runUntilIdle()
      expect(executor.timer.size).toBe(1)
      handle.cancel()
      expect(executor.timer.size).toBe(0)
      clock.advance(100)
      executor.runUntilIdle()
      expect(Exit.isInterrupted(joined(handle)!)).toBe(true)
      executor.close()
    })

    it("a zero or negative sleep is Ready at once; an infinite one never ends", () => {
      expect(SimpleFuture.sleep(0).poll(Waker.noop)._tag).toBe("Ready")
      expect(SimpleFuture.sleep(-5).poll(Waker.noop)._tag).toBe("Ready")
      const executor = new Executor()
      expect(isDie(executor.blockOn(SimpleFuture.sleep(Duration.infinity)))).toBe(true)
      expect(executor.timer.size).toBe(0)
      executor.close()
    })

    it("bad durations are rejected when the sleep is built; a sleep needs an executor", () => {
      expect(() => SimpleFuture.sleep(NaN)).toThrow(RangeError)
      expect(() => SimpleFuture.sleep("soon" as never)).toThrow(TypeError)
      const result = SimpleFuture.sleep(10).poll(Waker.noop)
      expect(Poll.isReady(result) && isDie(result.value)).toBe(true)
      expect(Poll.isReady(result) && String(Cause.squash((result.value as Exit.Failure<never, never>).cause)))
        .toMatch(/outside an executor/)
    })
  })

  describe("timeout", () => {
    it.prop(
      "fails with a TimeoutException at the deadline and drops the inner",
      [fc.integer({ min: 1, max: 1000 })],
      ([ms]) => {
        const clock = manualClock()
        const executor = new Executor({ now: clock.now })
        let cleanups = 0
        const handle = executor.spawn(
          SimpleFuture.never().pipe(
            SimpleFuture.onDrop(() => cleanups++),
            SimpleFuture.timeout(ms)
          )
        )
        executor.runUntilIdle()
        clock.advance(ms - 1)
        executor.runUntilIdle()
        expect(joined(handle)).toBeUndefined()
        expect(cleanups).toBe(0)
        clock.advance(1)
        executor.runUntilIdle()
        const exit = joined(handle)!
        expect(Exit.isFailure(exit) && Cause.isTimeoutException(Cause.squash(exit.cause))).toBe(true)
        expect(cleanups).toBe(1)
        expect(executor.timer.size).toBe(0)
        executor.close()
      }
    )

    it.prop("an inner future that finishes first wins and its timer is cancelled", [specArb], ([spec]) => {
      const clock = manualClock()
      const executor = new Executor({ now: clock.now })
      const handle = executor.spawn(SimpleFuture.timeout(build(spec), "1 second"))
      executor.runUntilIdle()
      expectEqualExits(joined(handle)!, exitOf(spec.outcome))
      expect(executor.timer.size).toBe(0)
      executor.close()
    })

    it.prop(
      "when the value and the timeout are due in one poll, the value wins",
      [fc.integer({ min: 1, max: 100 })],
      ([ms]) => {
        const clock = manualClock()
        const executor = new Executor({ now: clock.now })
        const handle = executor.spawn(SimpleFuture.timeout(SimpleFuture.map(SimpleFuture.sleep(ms), () => "value"), ms))
        executor.runUntilIdle()
        clock.advance(ms)
        executor.runUntilIdle()
        expectEqualExits(joined(handle)!, Exit.succeed("value"))
        executor.close()
      }
    )

    it("is dual", () => {
      expectEqualExits(run(SimpleFuture.timeout(SimpleFuture.succeed(1), 10)), Exit.succeed(1))
      expectEqualExits(run(SimpleFuture.succeed(1).pipe(SimpleFuture.timeout(10))), Exit.succeed(1))
      const exit = run(SimpleFuture.never().pipe(SimpleFuture.timeout("5 millis")))
      expect(Exit.isFailure(exit) && Cause.isTimeoutException(Cause.squash(exit.cause))).toBe(true)
    })
  })

  describe("cleanup", () => {
    it("ensuring runs its finalizer once on success, failure and drop", () => {
      let runs = 0
      const finalizer = () => {
        runs++
      }
      expectEqualExits(run(SimpleFuture.ensuring(scripted(2, Exit.succeed(1)), finalizer)), Exit.succeed(1))
      expect(runs).toBe(1)
      expectEqualExits(run(SimpleFuture.fail("e").pipe(SimpleFuture.ensuring(finalizer))), Exit.fail("e"))
      expect(runs).toBe(2)
      const dropped = SimpleFuture.ensuring(SimpleFuture.never(), finalizer)
      dropped.drop()
      dropped.drop()
      expect(runs).toBe(3)
    })

    it("acquireUseRelease releases exactly once, with the use's exit or an interruption", () => {
      const released: Array<readonly [string, Exit.Exit<unknown, unknown>]> = []
      const release = (resource: string, exit: Exit.Exit<unknown, unknown>) => {
        released.push([resource, exit])
      }
      expectEqualExits(
        run(SimpleFuture.acquireUseRelease(
          scripted(1, Exit.succeed("r1")),
          (r) => scripted(2, Exit.succeed(r.length)),
          release
        )),
        Exit.succeed(2)
      )
      expect(released.length).toBe(1)
      expect(released[0]![0]).toBe("r1")
      expectEqualExits(released[0]![1], Exit.succeed(2))

      const failedAcquire = run(SimpleFuture.acquireUseRelease(SimpleFuture.fail("no"), SimpleFuture.succeed, release))
      expectEqualExits(failedAcquire, Exit.fail("no"))
      expect(released.length).toBe(1)

      const executor = new Executor()
      const handle = executor.spawn(
        scripted(0, Exit.succeed("r2")).pipe(SimpleFuture.acquireUseRelease(() => SimpleFuture.never(), release))
      )
      executor.runUntilIdle()
      handle.cancel()
      expect(released.length).toBe(2)
      expect(released[1]![0]).toBe("r2")
      expect(Exit.isInterrupted(released[1]![1])).toBe(true)

      const acquiring = newTally()
      const slowAcquire = new Scripted(1, Exit.succeed("r3"), acquiring, false)
      const dropsAcquire = executor.spawn(SimpleFuture.acquireUseRelease(slowAcquire, SimpleFuture.succeed, release))
      executor.runUntilIdle()
      dropsAcquire.cancel()
      expect(acquiring.cleanups).toBe(1)
      expect(released.length).toBe(2)

      expectEqualExits(
        run(SimpleFuture.acquireUseRelease(SimpleFuture.succeed("r4"), () => {
          throw "use"
        }, release)),
        Exit.die("use")
      )
      expect(released.length).toBe(3)
      expectEqualExits(released[2]![1], Exit.die("use"))
      executor.close()
    })
  })

  describe("drop runs every cleanup exactly once in any tree", () => {
    type Tree =
      | { readonly _tag: "leaf"; readonly spec: Spec }
      | { readonly _tag: "never" }
      | { readonly _tag: "sleep"; readonly ms: number }
      | { readonly _tag: "flatMap" | "zip" | "race"; readonly left: Tree; readonly right: Tree }
      | { readonly _tag: "all" | "raceAll"; readonly children: ReadonlyArray<Tree> }
      | { readonly _tag: "timeout"; readonly inner: Tree; readonly ms: number }

    const { tree } = fc.letrec<{ tree: Tree; leaf: Tree; node: Tree }>((tie) => ({
      tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, tie("leaf"), tie("node")),
      leaf: fc.oneof(
        { weight: 4, arbitrary: specArb.map((spec) => ({ _tag: "leaf", spec }) as const) },
        { weight: 1, arbitrary: fc.constant({ _tag: "never" } as const) },
        { weight: 2, arbitrary: fc.integer({ min: 0, max: 40 }).map((ms) => ({ _tag: "sleep", ms }) as const) }
      ),
      node: fc.oneof(
        fc.record({
          _tag: fc.constantFrom("flatMap" as const, "zip" as const, "race" as const),
          left: tie("tree"),
          right: tie("tree")
        }),
        fc.record({
          _tag: fc.constantFrom("all" as const, "raceAll" as const),
          children: fc.array(tie("tree"), { minLength: 1, maxLength: 4 })
        }),
        fc.record({ _tag: fc.constant("timeout" as const), inner: tie("tree"), ms: fc.integer({ min: 1, max: 40 }) })
      )
    })) as { tree: fc.Arbitrary<Tree> }

    const sum = (values: ReadonlyArray<number>) => values.reduce((a, b) => a + b, 0)

    const buildTree = (node: Tree, records: Array<Tally>): Future<number, string> => {
      switch (node._tag) {
        case "leaf": {
          const record = newTally()
          records.push(record)
          return build(node.spec, record)
        }
        case "never":
          return track(records, () => SimpleFuture.never())
        case "sleep":
          return track(records, () => SimpleFuture.map(SimpleFuture.sleep(node.ms), () => node.ms))
        case "flatMap":
          return track(
            records,
            () => SimpleFuture.flatMap(buildTree(node.left, records), () => buildTree(node.right, records))
          )
        case "zip":
          return track(
            records,
            () => SimpleFuture.zipWith(buildTree(node.left, records), buildTree(node.right, records), (a, b) => a + b)
          )
        case "race":
          return track(records, () => SimpleFuture.race(buildTree(node.left, records), buildTree(node.right, records)))
        case "all":
          return track(
            records,
            () => SimpleFuture.map(SimpleFuture.all(node.children.map((c) => buildTree(c, records))), sum)
          )
        case "raceAll":
          return track(records, () => SimpleFuture.raceAll(node.children.map((c) => buildTree(c, records))))
        case "timeout":
          return track(
            records,
            () => SimpleFuture.mapError(SimpleFuture.timeout(buildTree(node.inner, records), node.ms), String)
          )
      }
    }

    it.prop(
      "every future built is either Ready once or dropped once, whenever the root is cancelled",
      [tree, fc.nat({ max: 50 }), fc.nat({ max: 12 }), fc.boolean()],
      ([root, advance, ticks, cancel]) => {
        const clock = manualClock()
        const executor = new Executor({ now: clock.now, budget: 1 })
        const records: Array<Tally> = []
        const handle = executor.spawn(buildTree(root, records))
        for (let i = 0; i < ticks; i++) executor.tick()
        clock.advance(advance)
        executor.runUntilIdle()
        // Cancelling the task or closing the executor drops the root, if it is still running.
        if (cancel) handle.cancel()
        else executor.close()
        expect(joined(handle)).toBeDefined()
        expectSettledOnce(records)
        // Every sleep was either fired or cancelled with its future.
        expect(executor.timer.size).toBe(0)
        executor.close()
      },
      { fastCheck: { numRuns: 300 } }
    )

    it.prop(
      "run to the end, a tree drops exactly the futures it did not need",
      [tree],
      ([root]) => {
        const clock = manualClock()
        const executor = new Executor({ now: clock.now })
        const records: Array<Tally> = []
        const handle = executor.spawn(buildTree(root, records))
        for (let i = 0; i < 100 && joined(handle) === undefined; i++) {
          executor.runUntilIdle()
          clock.advance(1)
        }
        executor.runUntilIdle()
        if (joined(handle) !== undefined) {
          expect(records[0]!.readies).toBe(1)
          expectSettledOnce(records)
          expect(executor.timer.size).toBe(0)
        }
        executor.close()
        expectSettledOnce(records)
      },
      { fastCheck: { numRuns: 300 } }
    )
  })

  it("pipe chains combinators", () => {
    const exit = run(pipe(
      SimpleFuture.succeed(2),
      SimpleFuture.map((n) => n + 1),
      SimpleFuture.flatMap((n) => scripted(2, Exit.succeed(n * 10)))
    ))
    expectEqualExits(exit, Exit.succeed(30))
  })
})
