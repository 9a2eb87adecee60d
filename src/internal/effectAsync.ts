/**
 * A reusable suspension for the IO types' hot path: `Effect.async` without its per-evaluation wrapper.
 *
 * `Effect.async(register)` is a "commit" effect: each time a fiber runs it, it builds a fresh async primitive, three
 * closures (the proxy resume and the primitive's register) and a commit step, so that a register that resumes before
 * the runtime hands over its callback, or returns a canceler, works. A wait that never returns a canceler and always
 * resumes through the runtime's callback needs none of that: the runtime's own async primitive, built once, is enough.
 * `bench:wake` measures the difference at 0.6–0.75 µs per wait (a fiber's wake-up cost 1.9 and 2.4 µs with
 * `Effect.async`, 1.2 and 1.9 µs with this, in two runs), paid once per readiness event by every IO Effect that waits.
 *
 * The primitive's class and fields are taken from what `Effect.async` itself builds in the installed `effect`, and
 * checked: if that shape ever changes, `unsafeAsyncNoCanceler` is plain `Effect.async` (`isFast` says which one runs,
 * and a test pins it for the version in the lock).
 *
 * @internal
 */
import * as Effect from "effect/Effect"

type Register<A, E> = (resume: (effect: Effect.Effect<A, E>) => void) => void

interface AsyncPrimitive {
  readonly _op: string
  effect_instruction_i0: unknown
  effect_instruction_i1: unknown
}

interface PrimitiveClass {
  new(op: string): AsyncPrimitive
}

/** The class and the "blocking on" value of the async primitive `Effect.async` builds, when it has that shape. */
const template = ((): { readonly Primitive: PrimitiveClass; readonly blockingOn: unknown } | undefined => {
  // A register of one parameter that returns nothing: `Effect.async` then builds the bare primitive (no AbortSignal,
  // no interruption region around it). The parameter is used so that a minifier keeps it.
  const lazy = Effect.async<never>((resume) => void resume) as unknown as { readonly commit?: unknown }
  if (typeof lazy.commit !== "function") return undefined
  let primitive: Partial<AsyncPrimitive> | undefined
  try {
    primitive = (lazy.commit as () => unknown).call(lazy) as Partial<AsyncPrimitive> | undefined
  } catch {
    return undefined
  }
  if (
    primitive === undefined || primitive === null || primitive._op !== "Async" ||
    typeof primitive.effect_instruction_i0 !== "function" || !Effect.isEffect(primitive)
  ) return undefined
  const Primitive = primitive.constructor as PrimitiveClass
  const probe = new Primitive("Async")
  return probe._op === "Async" && Effect.isEffect(probe) && "effect_instruction_i0" in probe
    ? { Primitive, blockingOn: primitive.effect_instruction_i1 }
    : undefined
})()

/** Whether `unsafeAsyncNoCanceler` builds the runtime's async primitive (true) or falls back to `Effect.async`. */
export const isFast: boolean = template !== undefined

/**
 * An Effect that suspends its fiber and calls `register` with the runtime's resume callback, every time it runs. The
 * Effect is built once and may run any number of times, in any fibers. Unsafe, because `register` must:
 * - return nothing (a canceler would be ignored): an interrupted fiber ends and never resumes, so whatever `register`
 *   parked must be taken back another way (the IO types' waits do it with a fiber observer);
 * - resume at most once per run, with the callback it was given.
 *
 * @internal
 */
export const unsafeAsyncNoCanceler = <A, E>(register: Register<A, E>): Effect.Effect<A, E> => {
  if (template === undefined) return Effect.async<A, E>((resume) => void register(resume))
  const primitive = new template.Primitive("Async")
  primitive.effect_instruction_i0 = register
  primitive.effect_instruction_i1 = template.blockingOn
  return primitive as unknown as Effect.Effect<A, E>
}
