/**
 * `Poll`: the result of polling a future once. `Ready` carries a value; `Pending` is a single
 * shared value (no allocation for the common "not yet").
 *
 * @internal
 */
import * as Equal from "effect/Equal"
import { dual } from "effect/Function"
import * as Hash from "effect/Hash"
import { format, NodeInspectSymbol } from "effect/Inspectable"
import { pipeArguments } from "effect/Pipeable"
import type * as Poll from "../Poll.js"

/** @internal */
export const TypeId: Poll.TypeId = Symbol.for("effect-reactor/Poll") as Poll.TypeId

const CommonProto = {
  [TypeId]: TypeId,
  pipe() {
    // eslint-disable-next-line prefer-rest-params -- Pipeable's pipe reads its arguments as Effect's own types do
    return pipeArguments(this, arguments)
  },
  toString<A>(this: Poll.Poll<A>) {
    return format(this.toJSON())
  },
  [NodeInspectSymbol]<A>(this: Poll.Poll<A>) {
    return this.toJSON()
  }
}

const ReadyProto = Object.assign(Object.create(CommonProto), {
  _tag: "Ready",
  [Equal.symbol]<A>(this: Poll.Ready<A>, that: unknown): boolean {
    return isPoll(that) && that._tag === "Ready" && Equal.equals(this.value, that.value)
  },
  [Hash.symbol]<A>(this: Poll.Ready<A>) {
    return Hash.cached(this, Hash.combine(Hash.hash(this._tag))(Hash.hash(this.value)))
  },
  toJSON<A>(this: Poll.Ready<A>) {
    return { _id: "Poll", _tag: this._tag, value: this.value }
  }
})

const pendingHash = Hash.string("effect-reactor/Poll/Pending")

const PendingProto = Object.assign(Object.create(CommonProto), {
  _tag: "Pending",
  [Equal.symbol](that: unknown): boolean {
    return isPoll(that) && that._tag === "Pending"
  },
  // `pending` is frozen, so its hash cannot be cached on it (Hash.cached defines a property).
  [Hash.symbol]() {
    return pendingHash
  },
  toJSON() {
    return { _id: "Poll", _tag: "Pending" }
  }
})

/** @internal */
export const pending: Poll.Pending = Object.freeze(Object.create(PendingProto))

/** @internal */
export const ready = <A>(value: A): Poll.Poll<A> => {
  const self = Object.create(ReadyProto)
  self.value = value
  return self
}

/** @internal */
export const isPoll = (u: unknown): u is Poll.Poll<unknown> => typeof u === "object" && u !== null && TypeId in u

/** @internal */
export const isReady = <A>(self: Poll.Poll<A>): self is Poll.Ready<A> => self._tag === "Ready"

/** @internal */
export const isPending = <A>(self: Poll.Poll<A>): self is Poll.Pending => self._tag === "Pending"

/** @internal */
export const match: {
  <A, B, C = B>(options: {
    readonly onPending: () => B
    readonly onReady: (value: A) => C
  }): (self: Poll.Poll<A>) => B | C
  <A, B, C = B>(self: Poll.Poll<A>, options: {
    readonly onPending: () => B
    readonly onReady: (value: A) => C
  }): B | C
} = dual(
  2,
  <A, B, C = B>(self: Poll.Poll<A>, options: {
    readonly onPending: () => B
    readonly onReady: (value: A) => C
  }): B | C => self._tag === "Ready" ? options.onReady(self.value) : options.onPending()
)

/** @internal */
export const map: {
  <A, B>(f: (a: A) => B): (self: Poll.Poll<A>) => Poll.Poll<B>
  <A, B>(self: Poll.Poll<A>, f: (a: A) => B): Poll.Poll<B>
} = dual(
  2,
  <A, B>(self: Poll.Poll<A>, f: (a: A) => B): Poll.Poll<B> => self._tag === "Ready" ? ready(f(self.value)) : pending
)
