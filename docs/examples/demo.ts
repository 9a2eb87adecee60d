/**
 * `npm start`: the readiness poller at work, in the terms of the Rust async book's "Executors and
 * System IO" chapter (its `IoBlocker` is our `Poller`). Runs on defaults and exits by itself.
 *
 * The pipe comes from the addon's thin syscalls (an internal module): public IO types — sockets
 * and `AsyncFd` — build on the same poller.
 */
import { Console, Effect } from "effect"
import { Worker } from "node:worker_threads"
import { Interest, PollEvent, Poller } from "../../src/index.js"
import { addonPath, binding } from "../../src/internal/native.js"

const events = PollEvent.makeBatch(16)

const describe = (count: number) => {
  const parts: Array<string> = []
  PollEvent.forEach(events, count, (key, flags) => parts.push(`key ${key}: ${PollEvent.format(flags)}`))
  return count === 0 ? "0 events" : `${count} event(s): ${parts.join(", ")}`
}

const elapsed = (start: bigint) => `${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(2)} ms`

// Resumes once Node's event loop reports the poller's fd readable: the main thread never blocks.
const nextEvents = (poller: Poller.Poller) =>
  Effect.async<number>((resume) => {
    poller.handle.watch(() => {
      const count = poller.handle.wait(events, 0)
      if (count > 0) {
        poller.handle.unwatch()
        resume(Effect.succeed(count))
      }
    })
    return Effect.sync(() => poller.handle.unwatch())
  })

const program = Effect.gen(function*() {
  const poller = yield* Poller.Poller
  yield* Console.log(`IoBlocker::new          -> ${poller.backend === "epoll" ? "an" : "a"} ${poller.backend} poller (edge-triggered: ${poller.supportsEdge})`)

  const [read, write] = binding.pipe()
  yield* Effect.addFinalizer(() => Effect.sync(() => (binding.close(read), binding.close(write))))
  yield* poller.add(read, 1, Interest.readable, "oneshot")
  yield* Console.log(`add_io_event_interest   -> pipe fd ${read} registered under key 1 (readable, oneshot)`)

  yield* Console.log(`block (timeout 0)       -> ${describe(yield* poller.wait(events, 0))}: nothing written yet`)

  setTimeout(() => binding.write(write, Buffer.from("hello")), 50)
  const start = process.hrtime.bigint()
  const count = yield* nextEvents(poller)
  const bytes = Buffer.alloc(64)
  const n = binding.read(read, bytes)
  yield* Console.log(`Node's loop wakes us    -> ${describe(count)} after ${elapsed(start)}`)
  yield* Console.log(`read                    -> ${JSON.stringify(bytes.subarray(0, n).toString())}`)
  yield* Console.log(`block (timeout 0)       -> ${describe(yield* poller.wait(events, 0))}: oneshot, not re-armed`)

  // A Worker wakes the main thread's blocking wait through the poller's notifier.
  const worker = new Worker(
    `const { workerData } = require("node:worker_threads")
     const binding = require(workerData.addonPath)
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100)
     binding.notifyToken(workerData.token)`,
    { eval: true, workerData: { addonPath, token: poller.notifier.token } }
  )
  const blocked = process.hrtime.bigint()
  const woken = yield* poller.wait(events, "5 seconds")
  yield* Console.log(`notify from a Worker    -> a blocking 5 s wait returned ${describe(woken)} after ${elapsed(blocked)}`)
  yield* Effect.promise(() => new Promise((resolve) => worker.once("exit", resolve)))

  yield* poller.delete(read)
})

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(Poller.layer))).then(
  () => console.log("scope closed            -> poller closed, fds released"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
