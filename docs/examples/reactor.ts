/**
 * The chapter, step 4 — the reactor: `npm run example docs/examples/reactor.ts`. Ends by itself.
 *
 * 1. `register(fd, interest)`: a `Registration` under a key (slab slot and generation) that travels through the poller.
 * 2. `pollReadable(waker)`: the chapter's `set_readable_callback`. `Pending` keeps the waker; `turn` waits on the
 *    poller and wakes it; then `Ready` with the cached readiness and its tick.
 * 3. The readiness cache: after a read says EAGAIN, `clearReadiness` forgets the readiness — unless an event arrived
 *    since it was polled (its tick moved on), so a wake-up that races the EAGAIN is never lost.
 * 4. Keys with generations: a freed slot is reused under a new generation, so an event still queued for the old
 *    registration cannot reach the new one.
 *
 * Turned by hand here (`turn(-1)` blocks the thread until an event): that is the executor's job in step 5.
 */
import { Effect } from "effect"
import { AsyncFd, Interest, Poll, Poller, Reactor, Waker } from "effect-reactor"
import * as Fs from "node:fs"

// read(2) into `buffer`: the text read, or "EAGAIN".
const tryRead = (fd: number, buffer: Buffer): string => {
  try {
    return JSON.stringify(buffer.toString("utf8", 0, Fs.readSync(fd, buffer)))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EAGAIN") return "EAGAIN"
    throw error
  }
}

const slotAndGeneration = (key: number) => `slot ${key & 0xffffff}, generation ${key >>> 24}`

const main = Effect.gen(function*() {
  const pipe = yield* AsyncFd.pipe()
  const poller = Poller.unsafeOpen()
  const reactor = Reactor.unsafeMake(poller)
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      reactor.close()
      poller.close()
    })
  )

  // 1. Register.
  const registration = reactor.register(pipe.readFd, Interest.readable)
  console.log(`register(pipe, readable) -> key ${registration.key} (${slotAndGeneration(registration.key)})`)

  // 2. Wait for readiness.
  const waker = Waker.make(() => console.log("  waker: woken"))
  const first = registration.pollReadable(waker)
  console.log(`pollReadable(waker) -> ${Poll.isPending(first) ? "Pending: the waker is kept" : "Ready"}`)
  Fs.writeSync(pipe.writeFd, "abc")
  console.log("someone writes 3 bytes; turn(-1): wait on the poller, dispatch the events")
  console.log(`turn -> ${reactor.turn(-1)} waker(s) woken`)
  const ready = registration.pollReadable(waker)
  if (Poll.isPending(ready)) throw new Error("the pipe should be readable")
  const describe = (readiness: Reactor.Readiness) => `tick ${readiness.tick}, readable ${Reactor.isReadable(readiness)}`
  console.log(`pollReadable(waker) -> Ready (${describe(ready.value)})`)

  // 3. Read until EAGAIN, then clear the readiness that turned out stale.
  const buffer = Buffer.alloc(2)
  for (let result = tryRead(pipe.readFd, buffer);; result = tryRead(pipe.readFd, buffer)) {
    console.log(`read(2) -> ${result}`)
    if (result === "EAGAIN") break
  }
  console.log(`clearReadiness(tick ${ready.value.tick}): the cached readiness was stale`)
  registration.clearReadiness(ready.value)
  console.log(`pollReadable(waker) -> ${Poll.isPending(registration.pollReadable(waker)) ? "Pending" : "Ready"}`)

  // The race: a readiness is polled, an event arrives before the syscall's EAGAIN is acted on, and then the clear.
  Fs.writeSync(pipe.writeFd, "d")
  reactor.turn(-1)
  const polled = registration.pollReadable(waker)
  if (Poll.isPending(polled)) throw new Error("the pipe should be readable")
  Fs.readSync(pipe.readFd, buffer)
  Fs.writeSync(pipe.writeFd, "e")
  reactor.turn(-1)
  console.log(`an event after the poll (tick ${polled.value.tick} -> ${registration.tick}), then the clear:`)
  registration.clearReadiness(polled.value)
  const kept = registration.pollReadable(waker)
  console.log(`  pollReadable -> ${Poll.isReady(kept) ? "still Ready: that event's readiness is kept" : "Pending"}`)
  Fs.readSync(pipe.readFd, buffer)

  // 4. Generations.
  registration.deregister()
  console.log(`deregister -> closed ${registration.closed}; registrations ${reactor.registrations}`)
  const next = reactor.register(pipe.readFd, Interest.readable)
  console.log(`register again -> key ${next.key} (${slotAndGeneration(next.key)})`)
  next.deregister()
})

Effect.runPromise(Effect.scoped(main)).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
