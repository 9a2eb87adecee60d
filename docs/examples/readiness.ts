/**
 * The chapter, step 1 — readiness, not threads: `npm run example docs/examples/readiness.ts`. Ends by itself.
 *
 * 1. A non-blocking read of an empty pipe does not wait: it says EAGAIN ("not yet") and the thread stays free.
 * 2. One poller waits on several fds at once and says which are ready; a read then succeeds at once.
 * 3. What epoll refuses: a regular file (and /dev/null) is always "ready" and its reads block in the kernel anyway,
 *    so adding one fails with `Unsupported` (EPERM). `File` reads it on libuv's thread pool instead.
 */
import { Console, Effect } from "effect"
import { AsyncFd, File, Interest, Poller, PollEvent, ReactorRuntime } from "effect-reactor"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

// read(2) on a non-blocking fd: the text read, or "EAGAIN" when there is nothing yet.
const tryRead = (fd: number): string => {
  const buffer = Buffer.alloc(64)
  try {
    return JSON.stringify(buffer.toString("utf8", 0, Fs.readSync(fd, buffer)))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EAGAIN") return "EAGAIN"
    throw error
  }
}

const events = PollEvent.makeBatch(16)

const describe = (count: number): string => {
  const parts: Array<string> = []
  PollEvent.forEach(events, count, (key, flags) => parts.push(`key ${key} ${PollEvent.format(flags)}`))
  return count === 0 ? "0 events" : `${count} event(s): ${parts.join(", ")}`
}

// Opens `path` read-only for the scope, and gives its fd.
const openForScope = (path: string) =>
  Effect.acquireRelease(Effect.sync(() => Fs.openSync(path, "r")), (fd) => Effect.sync(() => Fs.closeSync(fd)))

const program = Effect.gen(function*() {
  // 1. Not yet.
  const pipes = [yield* AsyncFd.pipe(), yield* AsyncFd.pipe(), yield* AsyncFd.pipe()]
  yield* Console.log(`read(2) of an empty non-blocking pipe -> ${tryRead(pipes[0]!.readFd)}: the thread is not held`)

  // 2. One poller of our own (the runtime's poller belongs to its reactor), three pipes, each under a key we choose.
  const poller = yield* Poller.make()
  for (const [i, pipe] of pipes.entries()) yield* poller.add(pipe.readFd, i + 1, Interest.readable)
  yield* Console.log(`one ${poller.backend} poller watches 3 pipes under keys 1, 2 and 3`)
  yield* Console.log(`wait (timeout 0) -> ${describe(yield* poller.wait(events, 0))}: nothing written yet`)
  Fs.writeSync(pipes[1]!.writeFd, "ping")
  yield* Console.log("someone writes \"ping\" into pipe 2")
  yield* Console.log(`wait (timeout 1 s) -> ${describe(yield* poller.wait(events, "1 second"))}, at once`)
  yield* Console.log(`read(2) of pipe 2 -> ${tryRead(pipes[1]!.readFd)}`)
  for (const pipe of pipes) yield* poller.delete(pipe.readFd)

  // 3. What the poller refuses, and what reads it instead.
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "readiness-"))),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )
  const path = Path.join(dir, "notes.txt")
  Fs.writeFileSync(path, "a regular file")
  for (const [what, target] of [["a regular file", path], ["/dev/null", "/dev/null"]]) {
    const fd = yield* openForScope(target!)
    const added = yield* Effect.match(poller.add(fd, 9, Interest.readable), {
      onFailure: (error) => `${error.reason} (${error.syscall} says ${error.code})`,
      onSuccess: () => "added"
    })
    yield* Console.log(`add ${what} -> ${added}`)
  }
  const text = yield* Effect.scoped(Effect.gen(function*() {
    const file = yield* File.open(path)
    const buffer = new Uint8Array(64)
    return new TextDecoder().decode(buffer.subarray(0, yield* file.read(buffer, 0)))
  }))
  yield* Console.log(`File.read on the thread pool -> ${JSON.stringify(text)}`)
})

// File's completions come back through the runtime's reactor: ReactorRuntime.layer drives it from Node's loop.
Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(ReactorRuntime.layer))).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
