/**
 * `Waker`: the handle a pending future keeps to say "poll me again". A waker built by `make`
 * calls its function; two wakers will wake the same thing when they share that function (as
 * Rust's `will_wake` compares the data pointer and vtable).
 *
 * @internal
 */
import { format, NodeInspectSymbol } from "effect/Inspectable"
import type * as Waker from "../Waker.js"

/** @internal */
export const TypeId: Waker.TypeId = Symbol.for("effect-reactor/Waker") as Waker.TypeId

/** @internal */
export class FunctionWaker implements Waker.Waker {
  readonly [TypeId]: Waker.TypeId = TypeId
  constructor(readonly target: () => void) {}
  wake(): void {
    this.target()
  }
  willWake(other: Waker.Waker): boolean {
    return other === this || (other instanceof FunctionWaker && other.target === this.target)
  }
  toJSON() {
    return { _id: "Waker", target: this.target.name || "anonymous" }
  }
  toString() {
    return format(this.toJSON())
  }
  [NodeInspectSymbol]() {
    return this.toJSON()
  }
}

const doNothing = (): void => {}

/** @internal */
export const noop: Waker.Waker = new FunctionWaker(doNothing)

/** @internal */
export const make = (wake: () => void): Waker.Waker => new FunctionWaker(wake)

/** @internal */
export const isWaker = (u: unknown): u is Waker.Waker => typeof u === "object" && u !== null && TypeId in u
