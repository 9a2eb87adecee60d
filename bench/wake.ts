/**
 * Wake benchmark: the CPU time one wake-up costs a SimpleFuture task and an Effect fiber on our executor, with no IO
 * (`bench/internal/wakeWorkload.ts`). It is the floor under the echo benchmark's `future` and `effect` servers: every
 * request costs a connection one wake, on top of its two syscalls. The echo servers' Effect forms (the hand-tuned
 * `Effect.whileLoop`, the `Effect.gen` loop, `Stream.run`) run here too, over a read that waits as the IO types' do and
 * a write that only counts: what each form of Effect code costs a request with the syscalls taken out, at 64 and at
 * 1000 waiters, and the heap each waiter keeps while it waits.
 *
 * Each kind runs in a fresh process pinned to CPU 0, kinds interleaved for `--rounds` rounds; the median per hop is
 * reported and written to bench/results.md between the wake markers.
 *
 * Every measurement wakes `--wakes` times in all (200 000 by default): each of N waiters `wakes / N` times.
 *
 *   npm run bench:wake -- [--tasks 64,1000] [--wakes 200000] [--rounds 5] [--dry-run]
 */
import { execFileSync } from "node:child_process"
import { parseArgs } from "node:util"
import { bundle } from "./internal/bundle.js"
import { positive, sectionHead, writeSection } from "./internal/results.js"
import type { kinds } from "./internal/wakeWorkload.js"

const { values: args } = parseArgs({
  options: {
    tasks: { type: "string", default: "64,1000" },
    wakes: { type: "string", default: "200000" },
    rounds: { type: "string", default: "5" },
    "dry-run": { type: "boolean", default: false }
  }
})
const taskCounts = args.tasks.split(",").map((text) => Math.floor(positive("tasks", text, 1e6)))
const wakes = Math.floor(positive("wakes", args.wakes, 1e8))
const hopsOf = (tasks: number): number => Math.max(1, Math.round(wakes / tasks))
const rounds = Math.ceil(positive("rounds", args.rounds, 50))

type Kind = (typeof kinds)[number]

const labels: Record<Kind, string> = {
  future: "SimpleFuture task (waker kept, Pending)",
  fiber: "Effect fiber, the IO types' wait (`Effect.async` without a canceler, built once)",
  "fiber-canceler": "Effect fiber, `Effect.async` with a canceler",
  loop: "echo: `Effect.whileLoop` over one step (bench:echo `effect`)",
  gen: "echo: `Effect.gen` loop (bench:echo `effect-gen`)",
  stream: "echo: `Stream.run(stream, sink)` (bench:echo `effect-stream`)"
}
// The kinds in the table's order (the workload's own list is not imported: importing it runs the workload).
const kindList = Object.keys(labels) as ReadonlyArray<Kind>

const integer = (value: number): string => Math.round(value).toLocaleString("en-US")

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const script = bundle("bench/internal/wakeWorkload.ts")
interface Report {
  readonly usPerHop: number
  readonly heapPerWaiter: number
}
const key = (kind: Kind, tasks: number) => `${kind}@${tasks}`
const samples = new Map<string, Array<Report>>()
for (let round = 0; round < rounds; round++) {
  for (const tasks of taskCounts) {
    for (const kind of kindList) {
      const output = execFileSync(
        "taskset",
        [
          "-c",
          "0",
          process.execPath,
          "--expose-gc",
          script,
          "--kind",
          kind,
          "--tasks",
          String(tasks),
          "--hops",
          String(hopsOf(tasks))
        ],
        { encoding: "utf8", timeout: 120_000 }
      )
      const report = JSON.parse(output.trim().split("\n").pop()!) as Report
      const list = samples.get(key(kind, tasks)) ?? []
      list.push(report)
      samples.set(key(kind, tasks), list)
    }
  }
}

const rows = taskCounts.flatMap((tasks) => {
  const future = median(samples.get(key("future", tasks))!.map((r) => r.usPerHop))
  return kindList.map((kind) => {
    const reports = samples.get(key(kind, tasks))!
    const values = reports.map((r) => r.usPerHop)
    const value = median(values)
    const heap = median(reports.map((r) => r.heapPerWaiter))
    return `| ${tasks} | ${labels[kind]} | ${value.toFixed(2)} | ${Math.min(...values).toFixed(2)} – ${
      Math.max(...values).toFixed(2)
    } | ${(value - future).toFixed(2)} | ${tasks >= 1000 ? integer(heap) : "—"} |`
  })
})
const section = [
  ...sectionHead("Wake: what one wake-up costs a task and a fiber", "bench:wake"),
  `- Workload: ${
    taskCounts.join(" or ")
  } waiters park; a driver wakes them all, ${wakes} wake-ups in all; CPU time per ` +
  "wake-up (µs), pinned to one CPU, in dedicated mode (`ReactorRuntime.runBlockingExit`); median of " +
  `${rounds} rounds, kinds interleaved. No IO: this is the executor's and Effect's own cost of one readiness event, ` +
  "the floor under the echo servers' per-request cost. The echo rows are a connection of the bench:echo servers " +
  "with the syscalls taken out: a read that waits as the IO types' reads do and resumes with a 64-byte chunk, and a " +
  "write that only counts it; the stream and sink are the ones `TcpStream` builds. Heap per waiter: the V8 heap in " +
  "use (after a full collection) once every waiter has parked, less the heap before they started, per waiter; " +
  "given from 1000 waiters up, where the heap's own drift (a few KB) is a few bytes a waiter.",
  "",
  "| Waiters | Waiter | µs per wake (median) | Min – max | Over the task | Heap per waiter (bytes) |",
  "| ---: | --- | ---: | ---: | ---: | ---: |",
  ...rows,
  ""
].join("\n")
console.log(section)
if (!args["dry-run"]) writeSection("wake", section)
