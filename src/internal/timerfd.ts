/**
 * `Timerfd`: a timerfd_create(2) timer registered with the reactor.
 *
 * The addon only creates, sets and reads the setting; here durations are checked and split into whole seconds and
 * nanoseconds (so sub-millisecond values reach the kernel exactly), and reads follow the `Source` protocol: read(2)
 * of the 8-byte expiration count, EAGAIN waits for readiness.
 *
 * A timer's life: DISARMED --arm--> ARMED (one-shot: back to DISARMED after its expiration; periodic: stays) and
 * ARMED --disarm--> DISARMED; any state --close--> CLOSED, after which every operation fails with `Closed` (the fd
 * number may already name something else, so no syscall is tried).
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { IoError } from "../IoError.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import type * as Api from "../Timerfd.js"
import { EPIPE } from "./errno.js"
import * as interest from "./interest.js"
import * as ioError from "./ioError.js"
import { binding } from "./native.js"
import * as resource from "./resource.js"
import { show } from "./show.js"
import type { Source } from "./source.js"

const clocks: ReadonlySet<string> = new Set<Api.Clock>(["monotonic", "realtime", "boottime"])

const NANOS_PER_SECOND = 1_000_000_000n
// The boundary takes whole seconds up to 2^53 - 1 (about 285 million years).
const MAX_SECONDS = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * Effect's `Duration.decode` turns a negative or NaN input into zero; a timer must refuse those instead of firing at
 * once, so the raw input is looked at first.
 */
const isNegativeOrNaN = (input: unknown): boolean => {
  if (typeof input === "number") return Number.isNaN(input) || input < 0
  if (typeof input === "bigint") return input < 0n
  if (typeof input === "string") return /^\s*-/.test(input)
  if (Array.isArray(input)) return input.some(isNegativeOrNaN)
  return false
}

/** A finite, non-negative duration as `[seconds, nanoseconds]`, or the `InvalidArgument` that says why not. */
const toTimespec = (input: unknown, name: string): readonly [number, number] | IoError => {
  const invalid = (why: string) =>
    ioError.invalidArgument("timerfd_settime", `${name} must be ${why}, got ${formatInput(input)}`)
  if (isNegativeOrNaN(input)) return invalid("a non-negative duration")
  const decoded = Duration.decodeUnknown(input)
  if (decoded._tag === "None") return invalid("a duration")
  // A duration in milliseconds too large for nanoseconds (Number.MAX_VALUE ms) would make Effect's own conversion
  // throw: past 2^53 - 1 seconds it is out of range anyway.
  if (Duration.isFinite(decoded.value) && Duration.toSeconds(decoded.value) > MAX_SECONDS) {
    return invalid("at most 2^53 - 1 seconds")
  }
  const nanos = Duration.toNanos(decoded.value)
  if (nanos._tag === "None") return invalid("finite")
  const seconds = nanos.value / NANOS_PER_SECOND
  if (seconds > MAX_SECONDS) return invalid("at most 2^53 - 1 seconds")
  return [Number(seconds), Number(nanos.value % NANOS_PER_SECOND)]
}

const formatInput = (input: unknown): string => Duration.isDuration(input) ? Duration.format(input) : show(input)

const fromTimespec = (seconds: number, nanos: number): Duration.Duration =>
  Duration.nanos(BigInt(seconds) * NANOS_PER_SECOND + BigInt(nanos))

/** @internal */
export class Timerfd implements Api.Timerfd {
  private readonly counter = new Uint8Array(8)
  private readonly view = new DataView(this.counter.buffer)

  constructor(readonly source: Source, readonly clock: Api.Clock) {}

  get fd(): number {
    return this.source.fd
  }

  get closed(): boolean {
    return this.source.closed
  }

  private settime(
    initial: readonly [number, number],
    interval: readonly [number, number]
  ): Effect.Effect<void, IoError> {
    return Effect.suspend(() => {
      if (this.source.closed) return Effect.fail(ioError.closed("timerfd_settime"))
      const result = binding.timerfdSettime(this.source.fd, initial[0], initial[1], interval[0], interval[1])
      return result < 0 ? Effect.fail(ioError.fromErrno(result, "timerfd_settime")) : Effect.void
    })
  }

  arm(spec: Api.Spec): Effect.Effect<void, IoError> {
    if (typeof spec !== "object" || spec === null) {
      return Effect.fail(
        ioError.invalidArgument("timerfd_settime", "the setting must be an object { initial, interval? }")
      )
    }
    const initial = toTimespec(spec.initial, "initial")
    if (initial instanceof IoError) return Effect.fail(initial)
    // timerfd_settime(2): a zero it_value disarms. An "arm" that silently disarms would be a trap; `disarm` says it.
    if (initial[0] === 0 && initial[1] === 0) {
      return Effect.fail(
        ioError.invalidArgument("timerfd_settime", "initial must be positive (use disarm to stop the timer)")
      )
    }
    const interval = spec.interval === undefined ? ([0, 0] as const) : toTimespec(spec.interval, "interval")
    if (interval instanceof IoError) return Effect.fail(interval)
    return this.settime(initial, interval)
  }

  get disarm(): Effect.Effect<void, IoError> {
    return this.settime([0, 0], [0, 0])
  }

  get get(): Effect.Effect<Api.Setting, IoError> {
    return Effect.suspend(() => {
      if (this.source.closed) return Effect.fail(ioError.closed("timerfd_gettime"))
      const result = binding.timerfdGettime(this.source.fd)
      if (typeof result === "number") return Effect.fail(ioError.fromErrno(result, "timerfd_gettime"))
      const [seconds, nanos, intervalSeconds, intervalNanos] = result
      return Effect.succeed({
        armed: seconds !== 0 || nanos !== 0,
        remaining: fromTimespec(seconds, nanos),
        interval: fromTimespec(intervalSeconds, intervalNanos)
      })
    })
  }

  get wait(): Effect.Effect<number, IoError> {
    return Effect.suspend(() => {
      // Decoded inside the attempt: the buffer is shared, and another fiber may read before this one resumes.
      let count = 0
      const fd = this.source.fd
      return Effect.map(
        this.source.io(
          "readable",
          () => {
            const n = binding.read(fd, this.counter)
            if (n === 8) count = Number(this.view.getBigUint64(0, true))
            return n
          },
          "read",
          -EPIPE,
          0
        ),
        () => count
      )
    })
  }

  get expirations(): Stream.Stream<number, IoError> {
    return Stream.repeatEffectChunk(Effect.map(this.wait, Chunk.of))
  }

  get close(): Effect.Effect<void> {
    return Effect.sync(() => this.source.close())
  }
}

/** @internal */
export const make = (options?: Api.Options): Effect.Effect<Timerfd, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.suspend(() => {
    const clock = options?.clock ?? "monotonic"
    if (!clocks.has(clock)) {
      return Effect.fail(
        ioError.invalidArgument(
          "timerfd_create",
          `clock must be "monotonic", "realtime" or "boottime", got ${show(clock)}`
        )
      )
    }
    return resource.acquireSource(
      "Timerfd.make",
      { interest: interest.READABLE, syscall: "timerfd_create", kind: "timerfd" },
      () => ({ fd: binding.timerfdCreate(clock) }),
      (source) => new Timerfd(source, clock)
    )
  })
