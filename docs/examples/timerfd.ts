/**
 * Kernel timers as fds: `npx tsx docs/examples/timerfd.ts`. Ends by itself in a few tens of milliseconds.
 *
 * 1. A one-shot timer of 250 microseconds: the sub-millisecond duration reaches the kernel as is.
 * 2. A periodic timer read as a `Stream` of expiration counts.
 * 3. A slow reader: the count says how many expirations happened since the last read (the overruns).
 * 4. `get` and `disarm`: what is left of a setting, and a timer that no longer fires.
 */
import { Console, Duration, Effect, Stream } from "effect"
import { ReactorRuntime, Timerfd } from "effect-reactor"

const program = Effect.gen(function*() {
  // 1. One-shot.
  const once = yield* Timerfd.make({ clock: "monotonic" })
  yield* once.arm({ initial: "250 micros" })
  yield* Console.log(`one-shot of 250 micros: fired, count ${yield* once.wait}`)

  // 2. Periodic, as a stream of counts.
  const ticker = yield* Timerfd.make()
  yield* ticker.arm({ initial: "1 millis", interval: "1 millis" })
  const counts = yield* Stream.runCollect(Stream.take(ticker.expirations, 5))
  yield* Console.log(`periodic every 1 millis, counts: ${Array.from(counts).join(", ")}`)

  // 3. A slow reader: wait for a 20 ms one-shot on the same clock before reading the ticker again.
  yield* ticker.wait
  const pacer = yield* Timerfd.make()
  yield* pacer.arm({ initial: "20 millis" })
  yield* pacer.wait
  yield* Console.log(`slow reader: count ${yield* ticker.wait} after 20 millis (the overruns are in the count)`)

  // 4. What is left, then disarm.
  const setting = yield* ticker.get
  yield* Console.log(
    `setting: next in ${Duration.format(setting.remaining)}, interval ${Duration.format(setting.interval)}`
  )
  yield* ticker.disarm
  yield* Console.log(`disarmed: armed ${(yield* ticker.get).armed}`)
})

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(ReactorRuntime.layer))).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
