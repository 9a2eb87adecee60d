/**
 * The chapter, step 2 — the poller (the chapter's `IoBlocker`): `npm run example docs/examples/poller.ts`. Ends by
 * itself. Needs no runtime: a `Poller` is a native handle and an Effect service, nothing more.
 *
 * 1. The four modes on epoll, each on a pipe holding one unread byte: what two waits in a row report, and what
 *    brings the report back (more data for the edge modes, a `modify` for the oneshot ones).
 * 2. `modify` changes a registration's key, interest or mode; `delete` ends it; errors are typed (`AlreadyExists`,
 *    `NotFound`).
 * 3. `notify` wakes a blocked `wait` (from another thread, too: `Poller.notifyFrom`).
 * 4. The same on the poll(2) backend, which has no edge trigger.
 */
import { Console, Effect } from "effect"
import { AsyncFd, Interest, Poller, PollEvent, type PollMode } from "effect-reactor"
import { writeSync } from "node:fs"

const events = PollEvent.makeBatch(16)

// The keys a wait reports, e.g. "[7]".
const keysOf = (count: number): string => {
  const keys: Array<number> = []
  PollEvent.forEach(events, count, (key) => keys.push(key))
  return `[${keys.join(", ")}]`
}

// A pipe holding one unread byte, registered under key 7 in `mode`; two waits, then what brings the report back.
const modeTour = (poller: Poller.Poller, mode: PollMode.PollMode) =>
  Effect.scoped(Effect.gen(function*() {
    const pipe = yield* AsyncFd.pipe()
    writeSync(pipe.writeFd, "x")
    yield* poller.add(pipe.readFd, 7, Interest.readable, mode)
    const first = keysOf(yield* poller.wait(events, 0))
    const second = keysOf(yield* poller.wait(events, 0))
    writeSync(pipe.writeFd, "y")
    const afterMoreData = keysOf(yield* poller.wait(events, 0))
    yield* poller.modify(pipe.readFd, 7, Interest.readable, mode)
    const afterModify = keysOf(yield* poller.wait(events, 0))
    yield* poller.delete(pipe.readFd)
    yield* Console.log(
      `${mode.padEnd(11)} wait, wait -> ${first}, ${second}; more data -> ${afterMoreData}; modify -> ${afterModify}`
    )
  }))

const tour = Effect.gen(function*() {
  const poller = yield* Poller.Poller
  yield* Console.log(`== ${poller.backend} (edge-triggered modes: ${poller.supportsEdge ? "yes" : "no"})`)

  // 1. The modes.
  for (const mode of ["level", "oneshot", "edge", "edgeOneshot"] as const) {
    const done = yield* Effect.either(modeTour(poller, mode))
    if (done._tag === "Left") yield* Console.log(`${mode.padEnd(11)} ${done.left.reason}: ${poller.backend} has none`)
  }

  // 2. Keys, interests, errors.
  yield* Effect.scoped(Effect.gen(function*() {
    const pipe = yield* AsyncFd.pipe()
    yield* poller.add(pipe.writeFd, 1, Interest.writable, "level")
    yield* Console.log(`an empty pipe's write end, key 1, writable -> ${keysOf(yield* poller.wait(events, 0))}`)
    const again = yield* Effect.flip(poller.add(pipe.writeFd, 2, Interest.writable))
    yield* Console.log(`add the same fd again -> ${again.reason} (${again.code})`)
    yield* poller.modify(pipe.writeFd, 2, Interest.writable, "level")
    yield* Console.log(`modify: key 2 from now on -> ${keysOf(yield* poller.wait(events, 0))}`)
    yield* poller.delete(pipe.writeFd)
    yield* Console.log(`delete -> ${keysOf(yield* poller.wait(events, 0))}`)
    const gone = yield* Effect.flip(poller.delete(pipe.writeFd))
    yield* Console.log(`delete again -> ${gone.reason} (${gone.code})`)
  }))

  // 3. notify: the next (or the current) wait returns at once, with no event.
  yield* poller.notify
  const start = performance.now()
  const count = yield* poller.wait(events, "5 seconds")
  const quick = performance.now() - start < 1000
  yield* Console.log(`notify, then a 5 s wait -> ${count} events, ${quick ? "at once" : "after its timeout"}`)
})

const program = Effect.gen(function*() {
  yield* Effect.provide(tour, Poller.layer)
  yield* Effect.provide(tour, Poller.layerWith({ backend: "poll" }))
})

Effect.runPromise(program).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
