/**
 * A poller inside another: `npx tsx docs/examples/nested-poller.ts`. Ends by itself.
 *
 * A library that keeps its own `Poller` (its own keys, its own wait loop) can still run inside the application's
 * event loop: the inner poller's `fd` is readable whenever a `wait(events, 0)` on it would report something. Here an
 * inner poller (the poll(2) backend, to show the portable one) watches two pipes; the application's Reactor waits on
 * the inner poller's fd through an `AsyncFd`, and each wake-up drains the inner poller with `wait(events, 0)`.
 *
 * The pipes are `AsyncFd.pipe()`: raw non-blocking fds owned by the scope, written and read with `node:fs`.
 */
import { Console, Effect } from "effect"
import { AsyncFd, Interest, Poller, PollEvent, Reactor, ReactorRuntime } from "effect-reactor"
import { readSync, writeSync } from "node:fs"

const program = Effect.gen(function*() {
  const reactor = yield* Reactor.Reactor
  const inner = yield* Poller.make({ backend: "poll" })
  const pipes = [yield* AsyncFd.pipe(), yield* AsyncFd.pipe()]
  // Keys 1 and 2 are the inner poller's own; the Reactor never sees them.
  for (const [key, pipe] of pipes.entries()) yield* inner.add(pipe.readFd, key + 1, Interest.readable, "level")

  // The inner poller's fd, registered in the Reactor like any other pollable fd (its release comes first).
  const pollable = yield* AsyncFd.register(yield* inner.fd, { interest: Interest.readable })
  yield* Console.log(`the inner poller (${inner.backend}) waits inside the Reactor (${reactor.backend})`)

  const events = PollEvent.makeBatch(8)
  // Try the inner poller; nothing to report is "would block", and readWith waits for its fd to become readable.
  const drain = pollable.readWith((): Array<number> | AsyncFd.WouldBlock => {
    const count = inner.handle.wait(events, 0)
    if (count === 0) return AsyncFd.WouldBlock
    const keys: Array<number> = []
    PollEvent.forEach(events, count, (key) => keys.push(key))
    return keys
  })

  const messages = ["hello", "world"]
  for (const [i, message] of messages.entries()) {
    // A Node timer writes while the drain waits: the wait never blocks the event loop.
    setTimeout(() => writeSync(pipes[i]!.writeFd, message), 5)
    for (const key of yield* drain) {
      const buffer = Buffer.alloc(16)
      const n = readSync(pipes[key - 1]!.readFd, buffer)
      yield* Console.log(`inner key ${key}: ${JSON.stringify(buffer.toString("utf8", 0, n))}`)
    }
  }
})

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(ReactorRuntime.layer))).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
