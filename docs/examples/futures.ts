/**
 * The chapter, step 3 — `Poll`, `Waker` and `SimpleFuture`: `npm run example docs/examples/futures.ts`. Ends by
 * itself.
 *
 * The chapter's `SocketRead` future, written by hand with `SimpleFuture.fromPoll`: each poll tries read(2); on EAGAIN
 * it asks the poller to watch the fd (oneshot, under the future's key), keeps the waker for that key, and answers
 * `Pending`. Nothing drives it but this file: it polls the future, waits on the poller, calls the waker of each key
 * that fired, and polls again — by hand the jobs that steps 4 and 5 give the reactor and the executor.
 *
 * The socket is one end of a pipe here (`AsyncFd.pipe()`: two non-blocking fds, no runtime needed): read(2) answers
 * EAGAIN on both the same way.
 */
import { Effect, Exit } from "effect"
import { AsyncFd, Interest, Poll, Poller, PollEvent, SimpleFuture, Waker } from "effect-reactor"
import * as Fs from "node:fs"

// What a waiting future leaves behind: its key -> the waker to call when the key fires (the chapter's event_map).
const wakers = new Map<number, Waker.Waker>()

// read(2), or "EAGAIN".
const tryRead = (fd: number, buffer: Buffer): number | "EAGAIN" => {
  try {
    return Fs.readSync(fd, buffer)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EAGAIN") return "EAGAIN"
    throw error
  }
}

// The chapter's SocketRead: Ready with the text read, or Pending with the waker kept and the fd armed in the poller.
const socketRead = (poller: Poller.PollerHandle, fd: number, key: number) => {
  let armed = false
  // Done or dropped: take the waker back and leave the poller, so nothing wakes a task that is gone.
  const release = () => {
    wakers.delete(key)
    if (armed) poller.delete(fd)
    armed = false
  }
  return SimpleFuture.fromPoll((waker): Poll.Poll<string> => {
    const buffer = Buffer.alloc(64)
    const n = tryRead(fd, buffer)
    if (n !== "EAGAIN") {
      console.log(`  poll: read(2) -> ${n} bytes: Ready`)
      release()
      return Poll.ready(buffer.toString("utf8", 0, n))
    }
    // set_readable_callback: the poller reports the fd once (oneshot) under our key; the key's waker wakes us.
    if (armed) poller.modify(fd, key, Interest.readable, 0)
    else poller.add(fd, key, Interest.readable, 0)
    armed = true
    wakers.set(key, waker)
    console.log(`  poll: read(2) -> EAGAIN; fd armed under key ${key}, waker kept: Pending`)
    return Poll.pending
  }).pipe(SimpleFuture.onDrop(release))
}

const main = Effect.gen(function*() {
  const pipe = yield* AsyncFd.pipe()
  const poller = Poller.unsafeOpen()
  yield* Effect.addFinalizer(() => Effect.sync(() => poller.close()))

  // Poll and its two cases: Ready with a value, and the one shared Pending.
  const describe = Poll.match({ onReady: (n: number) => `Ready(${n})`, onPending: () => "Pending" })
  const answers = [Poll.ready(1), Poll.pending].map((answer) => describe(answer))
  console.log(`a poll answers ${answers.join(" or ")}`)

  // The task's waker: here it only notes that the task is to be polled again.
  let woken = false
  const waker = Waker.make(() => {
    console.log("  waker: wake() -> the task is to be polled again")
    woken = true
  })

  const future = socketRead(poller, pipe.readFd, 42).pipe(SimpleFuture.map((text) => text.toUpperCase()))
  const events = PollEvent.makeBatch(8)
  setTimeout(() => Fs.writeSync(pipe.writeFd, "hello from a timer"), 20)
  for (let round = 1; round <= 5; round++) {
    console.log(`round ${round}: poll the future`)
    const result = future.poll(waker)
    if (Poll.isReady(result)) {
      const exit = result.value
      console.log(`Ready: ${Exit.isSuccess(exit) ? JSON.stringify(exit.value) : "a failure"}`)
      break
    }
    // Nothing to run until an fd is ready: wait for Node's loop to see the poller's fd readable (the main thread
    // never blocks here), then hand each event's key to its waker.
    yield* Effect.async<void>((resume) => {
      poller.watch(() => {
        poller.unwatch()
        resume(Effect.void)
      })
    })
    const count = poller.wait(events, 0)
    PollEvent.forEach(events, count, (key) => {
      console.log(`poller: key ${key} is readable`)
      wakers.get(key)?.wake()
    })
    if (!woken) break
    woken = false
  }

  // A future that is never finished is dropped: its cleanup runs once.
  const abandoned = socketRead(poller, pipe.readFd, 43)
  abandoned.poll(Waker.noop)
  abandoned.drop()
  console.log(`dropped a pending read: ${wakers.size} wakers kept, fds in the poller: none`)
})

Effect.runPromise(Effect.scoped(main)).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
