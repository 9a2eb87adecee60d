/**
 * The workload of `bench/wake.ts`: what one wake-up costs on our executor, with no IO at all. `--tasks` waiters park;
 * a driver task wakes them all once every one is parked, and each parks again, `--hops` times. The process's CPU time
 * over the hops, per hop, is printed as JSON. The waiter is, by `--kind`:
 * - `future`: a SimpleFuture task that keeps its waker and returns Pending (what a readiness event costs a task);
 * - `fiber`: an Effect fiber suspended in the IO types' wait (`Effect.async` without a canceler, built once and run
 *   for every wait), resumed with `Effect.void` (what a readiness event costs a fiber in the IO types' Effects);
 * - `fiber-canceler`: `Effect.async` with a canceler (which wraps the wait in an interruption region), what a
 *   textbook wait costs;
 * - `loop`, `gen`, `stream`: a connection's echo as bench:echo's `effect`, `effect-gen` and `effect-stream` servers
 *   write it, over a read that waits as the IO types' reads do (resumed with a 64-byte chunk, empty at the end) and a
 *   write that only counts the bytes: `Effect.whileLoop` over one pre-built step; the `Effect.gen` loop of the
 *   TcpStream TSDoc; `Stream.run(stream, sink)` with the very stream and sink `TcpStream` builds. What each form of
 *   Effect code costs a request, with the syscalls taken out.
 *
 * All of them run in dedicated mode (`ReactorRuntime.runBlockingExit`), fibers on the executor's Scheduler. With
 * `--expose-gc`, the report also gives the heap each waiter keeps while parked (after a full collection, against the
 * heap before the waiters started).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { parseArgs } from "node:util"
import * as Executor from "../../src/Executor.js"
import { InlineEffect } from "../../src/internal/inlineEffect.js"
import { chunkSink, chunkStream } from "../../src/internal/streamSocket.js"
import * as Poll from "../../src/Poll.js"
import * as ReactorRuntime from "../../src/ReactorRuntime.js"
import * as SimpleFuture from "../../src/SimpleFuture.js"
import type { Waker } from "../../src/Waker.js"
import { positive } from "./results.js"

const { values: args } = parseArgs({
  options: {
    kind: { type: "string", default: "future" },
    tasks: { type: "string", default: "1000" },
    hops: { type: "string", default: "200" }
  }
})
/** @internal */
export const kinds = ["future", "fiber", "fiber-canceler", "loop", "gen", "stream"] as const
type Kind = (typeof kinds)[number]
const isKind = (value: unknown): value is Kind => (kinds as ReadonlyArray<unknown>).includes(value)
const kind = args.kind
if (!isKind(kind)) throw new RangeError(`--kind must be one of ${kinds.join(", ")}, got ${kind}`)
const tasks = Math.floor(positive("tasks", args.tasks, 1e6))
const hops = Math.floor(positive("hops", args.hops, 1e7))

const wakers: Array<Waker> = []
const resumes: Array<(effect: Effect.Effect<any>) => void> = []
// Waiters still running, and how many of them are parked now; the driver wakes them all once every one is parked.
let active = tasks
let parked = 0
let driverWaker: Waker | undefined

const parkedOne = (): void => {
  if (++parked === active) driverWaker?.wake()
}

const finishedOne = (): void => {
  if (parked === --active) driverWaker?.wake()
}

const futureWaiter = (): SimpleFuture.SimpleFuture<void> => {
  let left = hops
  let isParked = false
  return SimpleFuture.fromPoll((waker) => {
    if (isParked) {
      isParked = false
      if (--left === 0) {
        finishedOne()
        return Poll.ready(undefined)
      }
    }
    isParked = true
    wakers.push(waker)
    parkedOne()
    return Poll.pending
  })
}

const park = (resume: (effect: Effect.Effect<any>) => void): void => {
  resumes.push(resume)
  parkedOne()
}

const wait = kind === "fiber"
  ? Effect.async<void>((resume) => park(resume))
  : Effect.async<void>((resume) => {
    park(resume)
    return Effect.void
  })

const fiberWaiter = (): Effect.Effect<void> => {
  let left = hops
  return Effect.whileLoop({ while: () => left > 0, body: () => wait, step: () => void left-- })
}

// The echo forms. Every wake resumes a read with the same 64-byte chunk (the IO types' reads resume with the chunk
// read); a waiter's read after its last wake is the empty chunk of end of stream, without waiting.
const chunk = new Uint8Array(64)
const endOfStream = Effect.succeed(new Uint8Array(0))
const resumeWith = kind === "loop" || kind === "gen" || kind === "stream" ? Effect.succeed(chunk) : Effect.void
let written = 0

// As the IO types build them: a read and a write are `InlineEffect`s, which run where an `Effect.gen` body yields them.
class Read extends InlineEffect<Uint8Array, never> {
  private left = hops
  private readonly wait = Effect.async<Uint8Array>((resume) => park(resume))

  commit(): Effect.Effect<Uint8Array> {
    return this.left-- > 0 ? this.wait : endOfStream
  }
}

class WriteAll extends InlineEffect<void, never> {
  constructor(readonly bytes: Uint8Array) {
    super()
  }

  commit(): Effect.Effect<void> {
    written += this.bytes.length
    return Effect.void
  }
}

const connection = () => ({ readChunk: new Read(), writeAll: (bytes: Uint8Array) => new WriteAll(bytes) })

const loopWaiter = (): Effect.Effect<void> => {
  const { readChunk, writeAll } = connection()
  let open = true
  const step = Effect.flatMap(readChunk, (bytes) => {
    if (bytes.length === 0) {
      open = false
      return Effect.void
    }
    return writeAll(bytes)
  })
  return Effect.whileLoop({ while: () => open, body: () => step, step: () => {} })
}

const genWaiter = (): Effect.Effect<void> => {
  const { readChunk, writeAll } = connection()
  return Effect.gen(function*() {
    while (true) {
      const bytes = yield* readChunk
      if (bytes.length === 0) return
      yield* writeAll(bytes)
    }
  })
}

const streamWaiter = (): Effect.Effect<void> => {
  const { readChunk, writeAll } = connection()
  return Stream.run(chunkStream(readChunk), chunkSink(writeAll))
}

const waiter = (): Effect.Effect<void> => {
  switch (kind) {
    case "loop":
      return loopWaiter()
    case "gen":
      return genWaiter()
    case "stream":
      return streamWaiter()
    default:
      return fiberWaiter()
  }
}

// With --expose-gc: the heap in use after a full collection (0 without).
const liveHeap = (): number => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) return 0
  gc()
  return process.memoryUsage().heapUsed
}
let heapBefore = 0
let heapParked: number | undefined

// A task: each time every waiter is parked, it wakes them all.
const driver = SimpleFuture.fromPoll((waker: Waker): Poll.Poll<void> => {
  driverWaker = waker
  if (active === 0) return Poll.ready(undefined)
  if (parked === active) {
    // The first time every waiter is parked: what they keep while they wait.
    heapParked ??= liveHeap()
    parked = 0
    for (const w of wakers.splice(0)) w.wake()
    for (const resume of resumes.splice(0)) resume(resumeWith)
  }
  return Poll.pending
})

const program = Effect.gen(function*() {
  const executor = yield* Executor.Executor
  heapBefore = liveHeap()
  const started = process.cpuUsage()
  for (let i = 0; i < tasks; i++) {
    if (kind === "future") executor.handle.spawn(futureWaiter())
    else yield* Effect.forkDaemon(Effect.ensuring(waiter(), Effect.sync(finishedOne)))
  }
  yield* Executor.run(driver)
  const cpu = process.cpuUsage(started)
  if (kind !== "future" && kind !== "fiber" && kind !== "fiber-canceler" && written !== tasks * hops * chunk.length) {
    throw new Error(`${kind}: ${written} bytes written, expected ${tasks * hops * chunk.length}`)
  }
  const heapPerWaiter = heapParked === undefined || heapBefore === 0 ? 0 : (heapParked - heapBefore) / tasks
  return { kind, tasks, hops, usPerHop: (cpu.user + cpu.system) / (tasks * hops), heapPerWaiter }
})

const exit = ReactorRuntime.runBlockingExit(program)
if (exit._tag === "Failure") throw new Error(`wake workload failed: ${String(exit.cause)}`)
console.log(JSON.stringify(exit.value))
