/**
 * Concurrent combinators: `all` / `zip` / `zipWith` (every child, like `join!`) and `race` /
 * `raceAll` / `select` (the first to finish, like `select!`).
 *
 * A `Group` polls its children concurrently within one task. Each child gets its own waker, which
 * marks the child as woken and wakes the group's latest waker; a poll of the group polls the
 * children woken since the last poll (all of them the first time), in index order. So a group of
 * 100k sleeps polls only the sleeps that fired, and ties between children finishing in the same
 * poll go to the lowest index. A wake during the group's own poll is kept for the next poll: it
 * re-queues the task instead of looping inside the poll.
 *
 * The first verdict ends the group: the children still live are dropped, in index order, before
 * the group returns Ready.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import type { Poll } from "../../Poll.js"
import type * as SimpleFuture from "../../SimpleFuture.js"
import type * as WakerModule from "../../Waker.js"
import type { Waker } from "../../Waker.js"
import { CheckedFuture, dropAll } from "../future.js"
import * as poll from "../poll.js"
import { TypeId as WakerTypeId } from "../waker.js"
import { die } from "./constructors.js"
import { map } from "./sequential.js"

type AnyFuture = SimpleFuture.SimpleFuture<unknown, unknown>

/** The waker a group hands its child `index`: stable, so `willWake` lets the child keep it. */
class ChildWaker implements Waker {
  readonly [WakerTypeId]: WakerModule.TypeId = WakerTypeId
  constructor(readonly group: Group<unknown, unknown>, readonly index: number) {}
  wake(): void {
    this.group.wakeChild(this.index)
  }
  willWake(other: Waker): boolean {
    return other === this
  }
}

abstract class Group<A, E> extends CheckedFuture<A, E> {
  private readonly wakers: Array<ChildWaker> = []
  private woken: Array<number> = []
  private readonly isWoken: Uint8Array
  private waker: Waker | undefined = undefined
  private started = false
  private live: number

  constructor(protected readonly children: Array<AnyFuture | undefined>) {
    super()
    this.isWoken = new Uint8Array(children.length)
    this.live = children.length
  }

  /** What a child's exit means for the group: an exit ends it, `undefined` lets it go on. */
  protected abstract onChild(index: number, exit: Exit.Exit<unknown, unknown>): Exit.Exit<A, E> | undefined
  /** The exit once every child finished without a verdict. */
  protected abstract onAll(): Exit.Exit<A, E>

  /** @internal */
  wakeChild(index: number): void {
    if (this.finished) return
    if (this.isWoken[index] === 0) {
      this.isWoken[index] = 1
      this.woken.push(index)
    }
    this.waker?.wake()
  }

  protected pollInner(waker: Waker): Poll<Exit.Exit<A, E>> {
    this.waker = waker
    if (!this.started) {
      this.started = true
      for (let i = 0; i < this.children.length; i++) this.wakers.push(new ChildWaker(this, i))
      for (let i = 0; i < this.children.length; i++) {
        const verdict = this.pollChild(i)
        if (verdict !== undefined) return verdict
      }
    } else {
      const batch = this.woken
      this.woken = []
      if (batch.length > 1) batch.sort((a, b) => a - b)
      for (const i of batch) this.isWoken[i] = 0
      for (const i of batch) {
        const verdict = this.pollChild(i)
        if (verdict !== undefined) return verdict
      }
    }
    if (this.live === 0) return this.end(this.onAll())
    return poll.pending
  }

  private pollChild(index: number): Poll<Exit.Exit<A, E>> | undefined {
    const child = this.children[index]
    if (child === undefined) return undefined
    const result = child.poll(this.wakers[index]!)
    if (result._tag === "Pending") return undefined
    this.children[index] = undefined
    this.live--
    const verdict = this.onChild(index, result.value)
    return verdict === undefined ? undefined : this.end(verdict)
  }

  private end(exit: Exit.Exit<A, E>): Poll<Exit.Exit<A, E>> {
    this.waker = undefined
    this.woken = []
    // The losers are dropped before the winner is reported.
    dropAll(this.children)
    this.children.fill(undefined)
    return poll.ready(exit)
  }

  protected override onDrop(): void {
    this.waker = undefined
    this.woken = []
    try {
      dropAll(this.children)
    } finally {
      this.children.fill(undefined)
    }
  }
}

class All extends Group<Array<unknown>, unknown> {
  private readonly values: Array<unknown>
  constructor(children: Array<AnyFuture>) {
    super(children)
    this.values = new Array(children.length)
  }
  protected onChild(index: number, exit: Exit.Exit<unknown, unknown>): Exit.Exit<Array<unknown>, unknown> | undefined {
    if (exit._tag === "Failure") return exit as Exit.Exit<never, unknown>
    this.values[index] = exit.value
    return undefined
  }
  protected onAll(): Exit.Exit<Array<unknown>, unknown> {
    return Exit.succeed(this.values)
  }
}

class Race extends Group<unknown, unknown> {
  protected onChild(_index: number, exit: Exit.Exit<unknown, unknown>): Exit.Exit<unknown, unknown> {
    return exit
  }
  protected onAll(): Exit.Exit<unknown, unknown> {
    // Unreachable: the first child to finish is the verdict, and an empty race is rejected.
    return Exit.die(new Cause.IllegalArgumentException("SimpleFuture.raceAll: no futures to race"))
  }
}

/** @internal */
export const all = <
  const Arg extends
    | Iterable<SimpleFuture.SimpleFuture<any, any>>
    | Readonly<Record<string, SimpleFuture.SimpleFuture<any, any>>>
>(arg: Arg): SimpleFuture.AllResult<Arg> => {
  if (Symbol.iterator in arg) {
    return new All(Array.from(arg as Iterable<AnyFuture>)) as unknown as SimpleFuture.AllResult<Arg>
  }
  const record = arg as Readonly<Record<string, AnyFuture>>
  const keys = Object.keys(record)
  return map(new All(keys.map((key) => record[key]!)), (values) => {
    const out: Record<string, unknown> = {}
    for (let i = 0; i < keys.length; i++) out[keys[i]!] = values[i]
    return out
  }) as unknown as SimpleFuture.AllResult<Arg>
}

/** @internal */
export const zip: {
  <B, E2>(
    that: SimpleFuture.SimpleFuture<B, E2>
  ): <A, E>(self: SimpleFuture.SimpleFuture<A, E>) => SimpleFuture.SimpleFuture<[A, B], E | E2>
  <A, E, B, E2>(
    self: SimpleFuture.SimpleFuture<A, E>,
    that: SimpleFuture.SimpleFuture<B, E2>
  ): SimpleFuture.SimpleFuture<[A, B], E | E2>
} = dual(2, <A, E, B, E2>(
  self: SimpleFuture.SimpleFuture<A, E>,
  that: SimpleFuture.SimpleFuture<B, E2>
): SimpleFuture.SimpleFuture<[A, B], E | E2> =>
  new All([self, that]) as unknown as SimpleFuture.SimpleFuture<[A, B], E | E2>)

/** @internal */
export const zipWith: {
  <B, E2, A, C>(
    that: SimpleFuture.SimpleFuture<B, E2>,
    f: (a: A, b: B) => C
  ): <E>(self: SimpleFuture.SimpleFuture<A, E>) => SimpleFuture.SimpleFuture<C, E | E2>
  <A, E, B, E2, C>(
    self: SimpleFuture.SimpleFuture<A, E>,
    that: SimpleFuture.SimpleFuture<B, E2>,
    f: (a: A, b: B) => C
  ): SimpleFuture.SimpleFuture<C, E | E2>
} = dual(3, <A, E, B, E2, C>(
  self: SimpleFuture.SimpleFuture<A, E>,
  that: SimpleFuture.SimpleFuture<B, E2>,
  f: (a: A, b: B) => C
): SimpleFuture.SimpleFuture<C, E | E2> => map(zip(self, that), ([a, b]) => f(a, b)))

/** @internal */
export const raceAll = <F extends SimpleFuture.SimpleFuture<any, any>>(
  futures: Iterable<F>
): SimpleFuture.SimpleFuture<SimpleFuture.SimpleFuture.Success<F>, SimpleFuture.SimpleFuture.Error<F>> => {
  const children = Array.from(futures as Iterable<AnyFuture>)
  if (children.length === 0) {
    return die(new Cause.IllegalArgumentException("SimpleFuture.raceAll: no futures to race"))
  }
  return new Race(children) as any
}

/** @internal */
export const race: {
  <B, E2>(
    that: SimpleFuture.SimpleFuture<B, E2>
  ): <A, E>(self: SimpleFuture.SimpleFuture<A, E>) => SimpleFuture.SimpleFuture<A | B, E | E2>
  <A, E, B, E2>(
    self: SimpleFuture.SimpleFuture<A, E>,
    that: SimpleFuture.SimpleFuture<B, E2>
  ): SimpleFuture.SimpleFuture<A | B, E | E2>
} = dual(2, <A, E, B, E2>(
  self: SimpleFuture.SimpleFuture<A, E>,
  that: SimpleFuture.SimpleFuture<B, E2>
): SimpleFuture.SimpleFuture<A | B, E | E2> => new Race([self, that]) as SimpleFuture.SimpleFuture<A | B, E | E2>)

/** @internal */
export const select: {
  <B, E2>(
    that: SimpleFuture.SimpleFuture<B, E2>
  ): <A, E>(self: SimpleFuture.SimpleFuture<A, E>) => SimpleFuture.SimpleFuture<Either.Either<B, A>, E | E2>
  <A, E, B, E2>(
    self: SimpleFuture.SimpleFuture<A, E>,
    that: SimpleFuture.SimpleFuture<B, E2>
  ): SimpleFuture.SimpleFuture<Either.Either<B, A>, E | E2>
} = dual(2, <A, E, B, E2>(
  self: SimpleFuture.SimpleFuture<A, E>,
  that: SimpleFuture.SimpleFuture<B, E2>
): SimpleFuture.SimpleFuture<Either.Either<B, A>, E | E2> =>
  race(map(self, (a): Either.Either<B, A> => Either.left(a)), map(that, (b): Either.Either<B, A> => Either.right(b))))
