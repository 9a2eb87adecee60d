/**
 * `npm start`: the model of the Rust async book's "Executors and System IO" chapter, end to end,
 * printed step by step in the chapter's terms. Runs on defaults and exits by itself.
 *
 * 1. The poller (the chapter's `IoBlocker`): add, block, notify.
 * 2. A `SimpleFuture` that reads a pipe: `set_readable_callback` is `Registration.pollReadable`,
 *    and the executor loop — run ready tasks, block in the reactor, dispatch events to wakers —
 *    is written out by hand.
 * 3. The same future and an `Effect.sleep` through Effect, on the runtime's layers.
 *
 * The chapter's socket is a pipe here (`AsyncFd.pipe()`: raw non-blocking fds, read and written with
 * `node:fs`); the public IO types (sockets, `AsyncFd`) build on the same reactor.
 */
import { Console, Effect, Exit, Layer } from "effect"
import {
  AsyncFd,
  Executor,
  Interest,
  Poll,
  Poller,
  PollEvent,
  Reactor,
  ReactorRuntime,
  SimpleFuture,
  Waker
} from "effect-reactor"
import { readSync, writeSync } from "node:fs"
import { Worker } from "node:worker_threads"

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

const heading = (text: string) => Console.log(`\n== ${text}`)

// A Worker runs JavaScript source; it resumes us once it has posted its first message.
const startWorker = (source: string, workerData: unknown) =>
  Effect.async<Worker, Error>((resume) => {
    const worker = new Worker(source, { eval: true, workerData })
    worker.once("message", () => resume(Effect.succeed(worker)))
    worker.once("error", (error) => resume(Effect.fail(error)))
  })

// read(2) on a non-blocking fd: the bytes read, or "EAGAIN" when there are none yet.
const tryRead = (fd: number, buffer: Buffer): number | "EAGAIN" => {
  try {
    return readSync(fd, buffer)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EAGAIN") return "EAGAIN"
    throw error
  }
}

const pollerTour = Effect.gen(function*() {
  yield* heading("1. The poller (IoBlocker)")
  const poller = yield* Poller.Poller
  const article = poller.backend === "epoll" ? "an" : "a"
  yield* Console.log(
    `IoBlocker::new          -> ${article} ${poller.backend} poller (edge-triggered: ${poller.supportsEdge})`
  )

  const pipe = yield* AsyncFd.pipe()
  yield* poller.add(pipe.readFd, 1, Interest.readable, "oneshot")
  yield* Console.log(`add_io_event_interest   -> pipe fd ${pipe.readFd} registered under key 1 (readable, oneshot)`)

  yield* Console.log(`block (timeout 0)       -> ${describe(yield* poller.wait(events, 0))}: nothing written yet`)

  setTimeout(() => writeSync(pipe.writeFd, "hello"), 50)
  const start = process.hrtime.bigint()
  const count = yield* nextEvents(poller)
  const bytes = Buffer.alloc(64)
  const n = readSync(pipe.readFd, bytes)
  yield* Console.log(`Node's loop wakes us    -> ${describe(count)} after ${elapsed(start)}`)
  yield* Console.log(`read                    -> ${JSON.stringify(bytes.toString("utf8", 0, n))}`)
  yield* Console.log(`block (timeout 0)       -> ${describe(yield* poller.wait(events, 0))}: oneshot, not re-armed`)

  // A Worker wakes the main thread's blocking wait through the poller's notifier (a cloneable token). It loads the one
  // module it needs from the package (a Worker's require of an ES module needs Node 20.19 or later).
  const worker = yield* startWorker(
    `const { parentPort, workerData } = require("node:worker_threads")
     const Poller = require("effect-reactor/Poller")
     parentPort.postMessage("loaded")
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100)
     Poller.notifyFrom(workerData.notifier)`,
    { notifier: poller.notifier }
  )
  const blocked = process.hrtime.bigint()
  const woken = yield* poller.wait(events, "5 seconds")
  yield* Console.log(
    `notify from a Worker    -> a blocking 5 s wait returned ${describe(woken)} after ${elapsed(blocked)}`
  )
  yield* Effect.promise(() => new Promise((resolve) => worker.once("exit", resolve)))

  yield* poller.delete(pipe.readFd)
})

// The chapter's `Socket::read`: try the syscall; on EAGAIN hand the waker to the reactor
// (`set_readable_callback`) and return Pending; when woken, the executor polls again.
const readPipe = (registration: Reactor.Registration, fd: number, log: (line: string) => void) => {
  // The waker handed to the reactor; a dropped (cancelled) read takes it back, so no wake-up
  // reaches a task that is gone.
  let parked: Waker.Waker | undefined
  return SimpleFuture.fromPoll((waker) => {
    const buffer = Buffer.alloc(64)
    for (let attempt = 0; attempt < 8; attempt++) {
      const n = tryRead(fd, buffer)
      if (n !== "EAGAIN") {
        log(`  task: read() -> ${n} bytes ${JSON.stringify(buffer.toString("utf8", 0, n))}: Ready`)
        return Poll.ready(buffer.toString("utf8", 0, n))
      }
      const readiness = registration.pollReadable(waker)
      if (Poll.isPending(readiness)) {
        log("  task: read() -> EAGAIN; set_readable_callback(waker) -> Pending")
        parked = waker
        return Poll.pending
      }
      // The reactor says readable, yet read() said EAGAIN: the readiness is stale. Clear it (only
      // if no newer event arrived since, by its tick) and try again.
      registration.clearReadiness(readiness.value)
    }
    throw new Error("read: readiness kept going stale")
  }).pipe(SimpleFuture.onDrop(() => {
    if (parked !== undefined) registration.removeWaker("readable", parked)
  }))
}

const futureTour = Effect.gen(function*() {
  yield* heading("2. A SimpleFuture, the reactor and the executor loop (by hand)")
  const pipe = yield* AsyncFd.pipe()
  // Another thread writes in 100 ms (fds belong to the process): until then, this thread has nothing to do but block.
  const worker = yield* startWorker(
    `const { parentPort, workerData } = require("node:worker_threads")
     const { writeSync } = require("node:fs")
     parentPort.postMessage("started")
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100)
     writeSync(workerData.fd, "from another thread")`,
    { fd: pipe.writeFd }
  )
  const poller = Poller.unsafeOpen()
  const reactor = Reactor.unsafeMake(poller)
  const executor = Executor.unsafeMake({ reactor })
  try {
    const registration = reactor.register(pipe.readFd, Interest.readable)
    console.log(
      `add_io_event_interest   -> pipe fd ${pipe.readFd} registered: key ${registration.key} (slab index + generation)`
    )
    const handle = executor.spawn(readPipe(registration, pipe.readFd, console.log))
    // The loop below checks the task after each turn itself: this waker has nothing to do.
    const checker = Waker.make(() => {})
    let done: Exit.Exit<string> | undefined
    const check = () => {
      const result = handle.poll(checker)
      if (Poll.isReady(result)) done = result.value
    }
    for (let turn = 1; turn <= 10 && done === undefined; turn++) {
      console.log(`executor turn ${turn}: run the ready tasks`)
      executor.tick()
      check()
      if (done !== undefined) break
      const start = process.hrtime.bigint()
      console.log("executor: nothing ready -> IoBlocker::block (reactor.turn, no timeout)")
      const woken = reactor.turn(-1)
      console.log(`  reactor: woke after ${elapsed(start)}; dispatched the event to ${woken} waker(s) -> task queued`)
    }
    const outcome = done === undefined ? "nothing" : Exit.isSuccess(done) ? JSON.stringify(done.value) : "a failure"
    console.log(`executor: task finished with ${outcome}`)
    registration.deregister()
  } finally {
    executor.close()
    reactor.close()
    poller.close()
  }
  yield* Effect.promise(() => worker.terminate())
})

const effectTour = Effect.gen(function*() {
  yield* heading("3. The same through Effect (ReactorRuntime.layer, integrated with Node's loop)")
  const reactor = yield* Reactor.Reactor
  const pipe = yield* AsyncFd.pipe()
  const registration = reactor.register(pipe.readFd, Interest.readable)
  yield* Effect.addFinalizer(() => Effect.sync(() => registration.deregister()))
  setTimeout(() => writeSync(pipe.writeFd, "from a Node timer"), 50)
  const start = process.hrtime.bigint()
  const text = yield* Executor.run(readPipe(registration, pipe.readFd, (line) => console.log(line)))
  yield* Console.log(
    `Executor.run            -> ${JSON.stringify(text)} after ${elapsed(start)}, Node's loop never blocked`
  )
  const slept = process.hrtime.bigint()
  yield* Effect.sleep("20 millis")
  yield* Console.log(`Effect.sleep(20 millis) -> on the executor's timer queue (layerScheduler), ${elapsed(slept)}`)
})

const main = Effect.gen(function*() {
  yield* Effect.scoped(pollerTour).pipe(Effect.provide(Poller.layer))
  yield* Console.log("scope closed            -> poller closed, fds released")
  yield* Effect.scoped(futureTour)
  yield* Effect.scoped(effectTour).pipe(
    Effect.provide(ReactorRuntime.layerScheduler.pipe(Layer.provideMerge(ReactorRuntime.layer)))
  )
  yield* Console.log("scope closed            -> tasks cancelled, sources deregistered, poller closed")
})

Effect.runPromise(main).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
