/**
 * Wake benchmark: the CPU time one wake-up costs a SimpleFuture task and an Effect fiber on our executor, with no IO
 * (`bench/internal/wakeWorkload.ts`). It is the floor under the echo benchmark's `future` and `effect` servers: every
 * request costs a connection one wake, on top of its two syscalls.
 *
 * Each kind runs in a fresh process pinned to CPU 0, kinds interleaved for `--rounds` rounds; the median per hop is
 * reported and written to bench/results.md between the wake markers.
 *
 *   npm run bench:wake -- [--tasks 1000] [--hops 200] [--rounds 5] [--dry-run]
 */
import { execFileSync } from "node:child_process"
import { parseArgs } from "node:util"
import { bundle } from "./internal/bundle.js"
import { machine, positive, writeSection } from "./internal/results.js"

const { values: args } = parseArgs({
  options: {
    tasks: { type: "string", default: "1000" },
    hops: { type: "string", default: "200" },
    rounds: { type: "string", default: "5" },
    "dry-run": { type: "boolean", default: false }
  }
})
const tasks = Math.floor(positive("tasks", args.tasks, 1e6))
const hops = Math.floor(positive("hops", args.hops, 1e7))
const rounds = Math.ceil(positive("rounds", args.rounds, 50))

const kinds = ["future", "fiber", "fiber-canceler"] as const
type Kind = (typeof kinds)[number]

const labels: Record<Kind, string> = {
  future: "SimpleFuture task (waker kept, Pending)",
  fiber: "Effect fiber, the IO types' wait (`Effect.async` without a canceler, built once)",
  "fiber-canceler": "Effect fiber, `Effect.async` with a canceler"
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const script = bundle("bench/internal/wakeWorkload.ts")
const samples = new Map<Kind, Array<number>>(kinds.map((kind) => [kind, []]))
for (let round = 0; round < rounds; round++) {
  for (const kind of kinds) {
    const output = execFileSync(
      "taskset",
      ["-c", "0", process.execPath, script, "--kind", kind, "--tasks", String(tasks), "--hops", String(hops)],
      { encoding: "utf8", timeout: 120_000 }
    )
    const report = JSON.parse(output.trim().split("\n").pop()!) as { readonly usPerHop: number }
    samples.get(kind)!.push(report.usPerHop)
  }
}

const future = median(samples.get("future")!)
const rows = kinds.map((kind) => {
  const values = samples.get(kind)!
  const value = median(values)
  return `| ${labels[kind]} | ${value.toFixed(2)} | ${Math.min(...values).toFixed(2)} – ${
    Math.max(...values).toFixed(2)
  } | ${(value - future).toFixed(2)} |`
})
const section = [
  "## Wake: what one wake-up costs a task and a fiber",
  "",
  `- Date: ${new Date().toISOString()}`,
  `- Machine: ${machine()}`,
  "- Command: `npm run bench:wake`",
  `- Workload: ${tasks} waiters park; a driver wakes them all, ${hops} times; CPU time per wake-up (µs), pinned to ` +
  `one CPU, in dedicated mode (\`ReactorRuntime.runBlockingExit\`); median of ${rounds} rounds, kinds interleaved. No IO: this is ` +
  "the executor's and Effect's own cost of one readiness event, the floor under the echo servers' per-request cost.",
  "",
  "| Waiter | µs per wake (median) | Min – max | Over the task |",
  "| --- | ---: | ---: | ---: |",
  ...rows,
  ""
].join("\n")
console.log(section)
if (!args["dry-run"]) writeSection("wake", section)
