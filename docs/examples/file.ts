/**
 * Regular files through the thread pool: `npx tsx docs/examples/file.ts`. Works in a temporary directory, removes
 * it, and ends by itself.
 *
 * 1. Writes at two positions at once, reads them back, reads past the end (0), and fstat's view of the file.
 * 2. `"a"`: every write goes to the end, whatever its position.
 * 3. Typed failures: `AlreadyExists` (`"wx"`), `NotFound`, `IsDirectory`, and `Unsupported` from the poller, which
 *    cannot wait on a regular file — the reason `File` exists.
 * 4. The future face in dedicated mode: `Executor.blockOn` blocks in the reactor while the pool works.
 */
import { Console, Effect, Exit } from "effect"
import type { IoError } from "effect-reactor"
import { Executor, File, Interest, Poller, Reactor, ReactorRuntime, SimpleFuture } from "effect-reactor"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-reactor-file-"))
const path = Path.join(dir, "notes.txt")
const encode = (text: string) => new TextEncoder().encode(text)
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

const reasonOf = <A, R>(effect: Effect.Effect<A, IoError.IoError, R>) =>
  Effect.match(effect, { onFailure: (error) => error.reason, onSuccess: () => "opened" })

const program = Effect.gen(function*() {
  // 1. Positional writes and reads.
  yield* Effect.scoped(Effect.gen(function*() {
    const file = yield* File.open(path, { flags: "wx+", mode: 0o640 })
    const [first, second] = yield* Effect.all([file.write(encode("hello "), 0), file.write(encode("world"), 6)], {
      concurrency: "unbounded"
    })
    yield* Console.log(`wrote ${first} + ${second} bytes at positions 0 and 6`)
    const buffer = new Uint8Array(5)
    const n = yield* file.read(buffer, 6)
    yield* Console.log(`read ${n} bytes at 6: "${decode(buffer.subarray(0, n))}"`)
    yield* Console.log(`read past the end: ${yield* file.read(buffer, 100)}`)
    yield* file.datasync
    const stat = yield* file.stat
    // Created 0o640 (less the umask, which leaves the owner's bits alone).
    const owner = ["r", "w", "x"].map((bit, i) => (stat.mode & (0o400 >> i)) !== 0 ? bit : "-").join("")
    yield* Console.log(`stat: ${stat.type}, ${stat.size} bytes, owner ${owner}`)
  }))

  // 2. Append.
  yield* Effect.scoped(Effect.gen(function*() {
    const log = yield* File.open(path, { flags: "a+" })
    yield* log.writeAll(encode("!"), 0)
    yield* Console.log(`append at position 0 lands at the end: "${decode(yield* log.readAll)}"`)
  }))

  // 3. Typed failures.
  yield* Console.log(`"wx" on an existing path: ${yield* reasonOf(Effect.scoped(File.open(path, { flags: "wx" })))}`)
  yield* Console.log(`a missing path: ${yield* reasonOf(Effect.scoped(File.open(Path.join(dir, "missing"))))}`)
  yield* Console.log(`a directory opened "w": ${yield* reasonOf(Effect.scoped(File.open(dir, { flags: "w" })))}`)
  const poller = yield* Poller.Poller
  const refused = yield* Effect.scoped(
    Effect.flatMap(
      Effect.acquireRelease(Effect.sync(() => Fs.openSync(path, "r")), (fd) => Effect.sync(() => Fs.closeSync(fd))),
      (fd) =>
        Effect.match(poller.add(fd, 7, Interest.readable), { onFailure: (e) => e.reason, onSuccess: () => "added" })
    )
  )
  yield* Console.log(`the poller and a regular file: ${refused} (epoll_ctl says EPERM)`)
})

// 4. Futures, in dedicated mode.
const dedicated = (): string => {
  const poller = Poller.unsafeOpen()
  const reactor = Reactor.unsafeMake(poller)
  const executor = Executor.unsafeMake({ reactor })
  try {
    const exit = executor.blockOn(
      File.openFuture(path).pipe(
        SimpleFuture.flatMap((file) => {
          const buffer = new Uint8Array(64)
          return file.readFuture(buffer, 0).pipe(
            SimpleFuture.flatMap((n) => SimpleFuture.map(file.closeFuture(), () => decode(buffer.subarray(0, n))))
          )
        })
      )
    )
    return Exit.isSuccess(exit) ? exit.value : `failed: ${String(exit)}`
  } finally {
    executor.close()
    reactor.close()
    poller.close()
  }
}

Effect.runPromise(program.pipe(Effect.provide(ReactorRuntime.layer))).then(
  () => {
    console.log(`blockOn(openFuture, readFuture, closeFuture): "${dedicated()}"`)
    Fs.rmSync(dir, { recursive: true, force: true })
    console.log("done")
  },
  (error) => {
    Fs.rmSync(dir, { recursive: true, force: true })
    console.error(error)
    process.exitCode = 1
  }
)
