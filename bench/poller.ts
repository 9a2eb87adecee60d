/**
 * Poller benchmark: readiness events delivered to JavaScript per second, against the npm `epoll`
 * package doing the same work, in one run.
 *
 * Every pipe holds one byte that is never read, so its read end stays readable: registered
 * level-triggered, it is reported again on every harvest, forever (epoll(7), "Level-triggered and
 * edge-triggered"). Each scenario registers the same read ends and counts the events its JS code
 * receives in a fixed window, checking each one is "readable":
 *
 * - effect-reactor, watch: libuv watches the poller's fd; the callback harvests one batch with
 *   `wait(events, 0)` into a reused Uint32Array. This is how the reactor runs inside Node's loop.
 * - effect-reactor, blocking wait loop: a plain loop calling `wait(events, 0)` (the dedicated mode,
 *   which owns the thread).
 * - npm `epoll`: one JS call per event. Its thread takes one event per epoll_wait and hands it to
 *   the loop through a uv_async_t, then waits on a semaphore for the loop to take it
 *   (node_modules/epoll/src/epoll.cc), so every event costs a loop turn and two thread switches.
 *
 * The scenarios alternate over rounds and the median of each is reported. The figures are printed
 * and written to bench/results.md between the poller markers; other sections of the file are kept.
 *
 *   npm run bench:poller -- [--seconds 3] [--rounds 3] [--warmup 0.5] [--pipes 1000] [--batch 1024] [--dry-run]
 */
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { type BackendName, binding, type NativePoller } from "../src/internal/native.js"
import { positive, resultsPath, sectionHead, writeSection } from "./internal/results.js"

// The npm package has no types; this is the part of its API the benchmark uses (its README).
interface Epoll {
  add(fd: number, events: number): Epoll
  remove(fd: number): Epoll
  close(): void
}

interface EpollConstructor {
  new(callback: (error: Error | null, fd: number, events: number) => void): Epoll
  readonly EPOLLIN: number
}

const require = createRequire(import.meta.url)
// The baseline is no dependency of ours (a clone's `npm install` would compile it for nothing): `npm run bench:poller`
// installs it first, unsaved. Loading it starts its watcher thread and opens its process-wide epoll fd: both live
// until exit, so this happens before the fd count is taken.
const loadEpoll = (): { readonly Epoll: EpollConstructor; readonly version: string } => {
  try {
    const { Epoll } = require("epoll") as { readonly Epoll: EpollConstructor }
    return { Epoll, version: (require("epoll/package.json") as { readonly version: string }).version }
  } catch (cause) {
    throw new Error(
      "bench:poller compares against the npm epoll package, which is not installed: run `npm run bench:poller`, " +
        "which installs it first, or `npm install --no-save epoll@^4.0.2`",
      { cause }
    )
  }
}
const { Epoll, version: epollVersion } = loadEpoll()

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    warmup: { type: "string", default: "0.5" },
    pipes: { type: "string", default: "1000" },
    batch: { type: "string", default: "1024" },
    "dry-run": { type: "boolean", default: false }
  }
})

const seconds = positive("seconds", args.seconds, 600)
const rounds = Math.ceil(positive("rounds", args.rounds, 99))
const warmupSeconds = positive("warmup", args.warmup, 60)
const pipeCount = Math.ceil(positive("pipes", args.pipes, 8000))
const batch = Math.ceil(positive("batch", args.batch, 65536))
const dryRun = args["dry-run"]

const { INTEREST_READABLE, MODE_LEVEL, EVENT_READABLE } = binding.constants

/** One timed run of a scenario. */
interface Sample {
  readonly events: number
  readonly seconds: number
  /** JS calls that delivered the events: watch callbacks, wait calls, or epoll callbacks. */
  readonly calls: number
}

interface Scenario {
  readonly name: string
  readonly baseline: boolean
  readonly run: (readEnds: ReadonlyArray<number>, seconds: number) => Promise<Sample>
}

// Folded into the output so no engine can drop the per-event work as dead code.
let checksum = 0

const unexpected = (key: number, flags: number): Error =>
  new Error(`key ${key} was reported with flags ${flags}, without readable: the pipes must stay readable`)

// Reads every (key, flags) pair of a batch, as a reactor would to wake the key's task.
const consume = (events: Uint32Array, count: number): number => {
  for (let i = 0; i < count; i++) {
    const key = events[2 * i]!
    const flags = events[2 * i + 1]!
    if ((flags & EVENT_READABLE) === 0) throw unexpected(key, flags)
    checksum = (checksum + key) | 0
  }
  return count
}

const openPoller = (backend: BackendName, readEnds: ReadonlyArray<number>): NativePoller => {
  const poller = new binding.Poller({ backend })
  try {
    readEnds.forEach((fd, key) => poller.add(fd, key, INTEREST_READABLE, MODE_LEVEL))
  } catch (error) {
    poller.close()
    throw error
  }
  return poller
}

// Node's loop drives the harvest: one `wait(events, 0)` per watch callback. A timer ends the window;
// timers run on every loop turn, so it fires on time while the callbacks keep coming.
const watchScenario = (backend: BackendName): Scenario => ({
  name: `effect-reactor ${backend} (watch, batch ${batch})`,
  baseline: false,
  run: (readEnds, window) =>
    new Promise((resolve, reject) => {
      const poller = openPoller(backend, readEnds)
      const events = new Uint32Array(2 * batch)
      let count = 0
      let calls = 0
      const start = performance.now()
      try {
        poller.watch(() => {
          calls++
          count += consume(events, poller.wait(events, 0))
        })
      } catch (error) {
        poller.close()
        reject(error)
        return
      }
      setTimeout(() => {
        const elapsed = (performance.now() - start) / 1000
        // close stops the watch first: no callback runs after this.
        poller.close()
        resolve({ events: count, seconds: elapsed, calls })
      }, window * 1000)
    })
})

// The dedicated mode: the loop owns the thread and harvests back to back. Bounded by the window
// and by a call count far above what the window allows.
const maxLoopCalls = 1e9

const loopScenario = (backend: BackendName): Scenario => ({
  name: `effect-reactor ${backend} (blocking wait loop, batch ${batch})`,
  baseline: false,
  run: async (readEnds, window) => {
    const poller = openPoller(backend, readEnds)
    try {
      const events = new Uint32Array(2 * batch)
      let count = 0
      let calls = 0
      const start = performance.now()
      const deadline = start + window * 1000
      let now = start
      while (calls < maxLoopCalls && now < deadline) {
        calls++
        count += consume(events, poller.wait(events, 0))
        now = performance.now()
      }
      return { events: count, seconds: (now - start) / 1000, calls }
    } finally {
      poller.close()
    }
  }
})

// One callback per event. close() deregisters every fd; the package's thread then blocks in its
// epoll_wait and its uv_async_t is unreferenced, so the process can still exit.
const npmEpollScenario: Scenario = {
  name: `npm epoll ${epollVersion} (callback per event)`,
  baseline: true,
  run: (readEnds, window) =>
    new Promise((resolve, reject) => {
      let count = 0
      let failure: Error | undefined
      const epoll = new Epoll((error, fd, flags) => {
        if (error !== null) failure ??= error
        else if ((flags & Epoll.EPOLLIN) === 0) failure ??= unexpected(fd, flags)
        checksum = (checksum + fd) | 0
        count++
      })
      try {
        for (const fd of readEnds) epoll.add(fd, Epoll.EPOLLIN)
      } catch (error) {
        epoll.close()
        reject(error)
        return
      }
      const start = performance.now()
      setTimeout(() => {
        const elapsed = (performance.now() - start) / 1000
        // Not from inside its callback: close() deletes the callback the package is calling.
        epoll.close()
        if (failure !== undefined) reject(failure)
        else resolve({ events: count, seconds: elapsed, calls: count })
      }, window * 1000)
    })
}

const scenarios: ReadonlyArray<Scenario> = [
  watchScenario("epoll"),
  watchScenario("poll"),
  loopScenario("epoll"),
  npmEpollScenario
]

const openFds = (): number => Fs.readdirSync("/proc/self/fd").length

const openPipes = (count: number): Array<[number, number]> => {
  const pipes: Array<[number, number]> = []
  const one = new Uint8Array([1])
  try {
    for (let i = 0; i < count; i++) {
      const pipe = binding.pipe()
      pipes.push(pipe)
      const written = binding.write(pipe[1], one)
      if (written !== 1) throw new Error(`write to pipe ${i} returned ${written}`)
    }
  } catch (error) {
    closePipes(pipes)
    throw error
  }
  return pipes
}

const closePipes = (pipes: ReadonlyArray<[number, number]>): void => {
  for (const [r, w] of pipes) {
    binding.close(r)
    binding.close(w)
  }
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

interface Figure {
  readonly name: string
  readonly baseline: boolean
  readonly median: number
  readonly min: number
  readonly max: number
  readonly perCall: number
  ratio: number
}

const summarize = (scenario: Scenario, samples: ReadonlyArray<Sample>): Figure => {
  const rates = samples.map((s) => s.events / s.seconds)
  const events = samples.reduce((sum, s) => sum + s.events, 0)
  const calls = samples.reduce((sum, s) => sum + s.calls, 0)
  return {
    name: scenario.name,
    baseline: scenario.baseline,
    median: median(rates),
    min: Math.min(...rates),
    max: Math.max(...rates),
    perCall: calls === 0 ? 0 : events / calls,
    ratio: 1
  }
}

const integer = (n: number): string => Math.round(n).toLocaleString("en-US")
const times = (n: number): string => `${n >= 100 ? n.toFixed(0) : n.toFixed(1)}×`

const tableRows = (figures: ReadonlyArray<Figure>): Array<Array<string>> => [
  ["Scenario", "Events/s (median)", "Min – max", "Events per JS call", "vs npm epoll"],
  ...figures.map((f) => [
    f.name,
    integer(f.median),
    `${integer(f.min)} – ${integer(f.max)}`,
    f.perCall.toFixed(f.perCall >= 10 ? 0 : 1),
    f.baseline ? "1×" : times(f.ratio)
  ])
]

const printTable = (rows: Array<Array<string>>): void => {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
  const line = (row: Array<string>) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ")
  console.log(line(rows[0]!))
  console.log(widths.map((w) => "-".repeat(w)).join("  "))
  for (const row of rows.slice(1)) console.log(line(row))
}

const markdownTable = (rows: Array<Array<string>>): string => {
  const line = (row: Array<string>) => `| ${row.join(" | ")} |`
  const rule = `|${rows[0]!.map((_, c) => (c === 0 ? " --- " : " ---: ")).join("|")}|`
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join("\n")
}

const main = async (): Promise<void> => {
  const fdsBefore = openFds()
  const pipes = openPipes(pipeCount)
  const readEnds = pipes.map(([r]) => r)
  const samples = new Map<Scenario, Array<Sample>>(scenarios.map((s) => [s, []]))
  try {
    console.log(
      `${pipeCount} level-triggered ready pipes; ${rounds} rounds × ${seconds} s per scenario, ` +
        `after a ${warmupSeconds} s warm-up each`
    )
    for (const scenario of scenarios) await scenario.run(readEnds, warmupSeconds)
    for (let round = 1; round <= rounds; round++) {
      for (const scenario of scenarios) {
        const sample = await scenario.run(readEnds, seconds)
        samples.get(scenario)!.push(sample)
        console.log(`  round ${round}  ${scenario.name}: ${integer(sample.events / sample.seconds)} events/s`)
      }
    }
  } finally {
    closePipes(pipes)
  }
  const fdsAfter = openFds()
  if (fdsAfter !== fdsBefore) throw new Error(`fd leak: ${fdsBefore} open before, ${fdsAfter} after`)

  const figures = scenarios.map((s) => summarize(s, samples.get(s)!))
  const baseline = figures.find((f) => f.baseline)!
  for (const f of figures) f.ratio = f.median / baseline.median
  const rows = tableRows(figures)
  console.log("")
  printTable(rows)
  console.log(`(checksum ${checksum}; fds open before and after: ${fdsBefore})`)

  // The conservative ratio sets this side's slowest run against the baseline's fastest one.
  const watch = figures[0]!
  const worst = watch.min / baseline.max
  const goal = `${watch.ratio >= 10 ? "met" : "not met"}: ${times(watch.ratio)} with the epoll backend in watch mode ` +
    `(medians; ${times(worst)} slowest run against npm epoll's fastest)`
  console.log(`Goal (watch mode ≥ 10× npm epoll): ${goal}`)
  if (dryRun) return

  writeSection(
    "poller",
    [
      ...sectionHead("Poller: events delivered to JS", "bench:poller"),
      `- Workload: ${pipeCount} pipes holding one unread byte each, registered level-triggered for readable, so ` +
      `every one is ready on every harvest; each scenario counts the events its JS code receives. ` +
      `${rounds} rounds of ${seconds} s, scenarios alternating, median reported.`,
      "",
      markdownTable(rows),
      "",
      `Goal (watch mode ≥ 10× npm epoll): ${goal}.`,
      "",
      `npm \`epoll\` takes one event per \`epoll_wait\` on its own thread and hands it to the loop through a ` +
      "`uv_async_t` and a semaphore, so each event costs a loop turn and two thread switches; " +
      "effect-reactor harvests a whole batch per JS call.",
      ""
    ].join("\n")
  )
  console.log(`Wrote ${resultsPath}`)
}

main().then(
  () => {
    // Everything is closed: the process should now exit by itself. If a handle still holds the loop,
    // say which and fail instead of hanging (the timer is unreferenced, so it never delays exit).
    setTimeout(() => {
      console.error(`still running 10 s after the benchmark: ${process.getActiveResourcesInfo().join(", ")}`)
      process.exit(1)
    }, 10_000).unref()
  },
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  }
)
