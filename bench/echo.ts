/**
 * Echo benchmark: node:net, @effect/platform-node and our three APIs (the Effect one both hand-tuned and as users
 * write it: `effect-gen`, `effect-stream`, `effect-gen-integrated`) serving the same echo workload in one run, so
 * the ratios between them hold for one machine at one time. `effect-floor` (bench/internal/echoFloor.ts) is the
 * bound under the Effect forms: one fiber suspension a request and nothing else. A C epoll
 * server (`bench/echo.c`) runs alongside as the ceiling: what this machine and this load
 * generator allow a server with nothing between a readiness event and its syscalls.
 *
 * For each cell (connections × message size) and each API, in a fresh pair of processes:
 * `bench/echo-server.ts --api <api>` (or `bench/echo.c`) pinned to CPU 0 and the load generator
 * `bench/load.c` pinned to CPU 1 (taskset(1)), so the server has one core to itself and the load
 * generator cannot steal it. The multi-core servers (`workers`: ServerWorkers, 2 threads; `cluster`: node:cluster, 2
 * processes) get CPUs 0 and 1 instead, the load generator still on CPU 1 (bench/internal/multiCore.ts says why); a
 * server's CPU time and peak RSS are summed over its threads and processes. The
 * load generator reports requests/s and p50/p99 latency; the server's peak RSS is its VmHWM
 * (proc(5)) read just before SIGTERM. The APIs run interleaved within a cell, their order rotated
 * each round, and each figure is the median over rounds (RSS: the largest), so a slow spell of the
 * machine lands on every API alike rather than on one.
 *
 * The server is bundled with esbuild first and runs as plain JavaScript (see `bundle`); the load generator and the C
 * server are compiled with the C compiler the addon's build needs anyway.
 *
 * The figures are printed and written to bench/results.md between the echo markers.
 *
 * With `--paired`, each API instead runs at the same time as node:net on one core, and the ratio of the two is
 * written to its own section (see `mainPaired`).
 *
 *   npm run bench:echo -- [--seconds 3] [--warmup 1] [--rounds 3] [--quick] [--apis net,future,workers,cluster,...]
 *                         [--conns 1,64,1000] [--sizes 64,16384] [--paired] [--dry-run]
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { bundle, compile } from "./internal/bundle.js"
import { WORKERS } from "./internal/echoWorkerCount.js"
import { multiCoreApis, multiCoreNote } from "./internal/multiCore.js"
import { treeCpuSeconds, treeStatusBytes } from "./internal/processTree.js"
import { positive, resultsPath, sectionHead, writeSection } from "./internal/results.js"

const allApis = [
  "c",
  "net",
  "platform-node",
  "future",
  "future-integrated",
  "effect",
  "effect-gen",
  "effect-stream",
  "effect-gen-integrated",
  "effect-floor",
  "platform",
  "workers",
  "cluster",
  "future+metrics",
  "effect+metrics"
] as const
type Api = (typeof allApis)[number]

const labels: Record<Api, string> = {
  c: "C epoll (ceiling)",
  net: "node:net",
  "platform-node": "@effect/platform-node",
  future: "future (dedicated)",
  "future-integrated": "future (integrated)",
  effect: "effect",
  "effect-gen": "effect (Effect.gen loop)",
  "effect-stream": "effect (Stream.run)",
  "effect-gen-integrated": "effect (Effect.gen, integrated)",
  "effect-floor": "effect floor (one Effect.async a request)",
  platform: "platform (our SocketServer)",
  workers: `ServerWorkers (${WORKERS} threads)`,
  cluster: `node:cluster (${WORKERS} processes)`,
  "future+metrics": "future + metrics export",
  "effect+metrics": "effect + metrics export"
}

// The servers that run on more than one core (see multiCore.ts) get both CPUs; the load generator stays on CPU 1.
const serverCpus = (api: Api): string => (multiCoreApis as ReadonlyArray<string>).includes(api) ? "0,1" : "0"

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string" },
    warmup: { type: "string" },
    rounds: { type: "string" },
    quick: { type: "boolean", default: false },
    apis: { type: "string" },
    conns: { type: "string" },
    paired: { type: "boolean", default: false },
    sizes: { type: "string", default: "64,16384" },
    "dry-run": { type: "boolean", default: false }
  }
})

const list = (name: string, text: string): Array<number> => text.split(",").map((item) => positive(name, item, 1e6))

const quick = args.quick
const seconds = positive("seconds", args.seconds ?? (quick ? "1" : "3"), 600)
const warmup = positive("warmup", args.warmup ?? (quick ? "0.5" : "1"), 60)
const rounds = Math.ceil(positive("rounds", args.rounds ?? (quick ? "1" : "3"), 20))
const paired = args.paired
// Paired, every server shares CPU 0 with node:net: the single-core ones, at the connection counts that keep both busy.
const pairedApis: ReadonlyArray<Api> = [
  "future",
  "effect",
  "effect-gen",
  "effect-stream",
  "effect-gen-integrated",
  "effect-floor",
  "platform"
]
const connCounts = list("conns", args.conns ?? (paired ? "64,1000" : "1,64,1000")).map(Math.floor)
const sizes = list("sizes", args.sizes).map(Math.floor)
const apis = (args.apis?.split(",") ?? (paired ? pairedApis : allApis)).map((name) => {
  if (!(allApis as ReadonlyArray<string>).includes(name)) {
    throw new RangeError(`--apis: unknown api ${name}; known: ${allApis.join(", ")}`)
  }
  if (paired && (name === "net" || (multiCoreApis as ReadonlyArray<string>).includes(name))) {
    throw new RangeError(`--apis: ${name} cannot be paired with node:net on one core`)
  }
  return name as Api
})
const dryRun = args["dry-run"]

const root = fileURLToPath(new URL("..", import.meta.url))
const clockTicks = 100 // USER_HZ: the unit of utime/stime in /proc/<pid>/stat on Linux (proc(5))

// Every child this script starts, so that none outlives it, whatever ends the run.
const children = new Set<ChildProcess>()

const killAll = (): void => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  }
}

process.on("exit", killAll)
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}

// Pinned to `cpu`, with the open-files limit raised to the hard limit (1000 connections need
// more than the common soft limit of 1024). `exec` all the way, so the pid is the command's.
const launch = (cpu: number | string, command: ReadonlyArray<string>, commandArgs: ReadonlyArray<string>) => {
  const child = spawn(
    "bash",
    [
      "-c",
      "ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; exec \"$@\"",
      "bash",
      "taskset",
      "-c",
      String(cpu),
      ...command,
      ...commandArgs
    ],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] }
  )
  children.add(child)
  child.on("exit", () => children.delete(child))
  let stdout = ""
  let stderr = ""
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)))
  return { child, stdout: () => stdout, stderr: () => stderr }
}

type Launched = ReturnType<typeof launch>

const exited = (child: ChildProcess, timeoutMs: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true)
    const timer = setTimeout(() => resolve(false), timeoutMs)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve(true)
    })
  })

const waitFor = (launched: Launched, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> =>
  new Promise((resolve, reject) => {
    const deadline = performance.now() + timeoutMs
    const check = () => {
      const match = launched.stdout().match(pattern)
      if (match !== null) return resolve(match)
      const { child } = launched
      if (child.exitCode !== null || child.signalCode !== null) {
        return reject(new Error(`exited (${child.exitCode ?? child.signalCode}): ${launched.stderr().trim()}`))
      }
      if (performance.now() > deadline) return reject(new Error(`not ready after ${timeoutMs} ms`))
      setTimeout(check, 20)
    }
    check()
  })

// utime + stime of a server, in seconds (proc(5)): of all its threads, and of its child processes (node:cluster's).
const cpuSeconds = treeCpuSeconds

// Busy seconds of the whole machine (every CPU), to tell how much else ran during a cell.
const machineBusySeconds = (): number => {
  const [, ...fields] = Fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/)
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number)
  return (user! + nice! + system! + irq! + softirq! + steal!) / clockTicks
}

interface Measurement {
  readonly load: LoadReport
  /**
   * Server CPU time per request over the measured window, in µs: what a request costs the server,
   * whether or not the load generator kept it busy.
   */
  readonly cpuPerRequest: number
  readonly rss: number
  /** Server CPU over the load generator's life, as a fraction of one core. */
  readonly serverCpu: number
  /** CPU used by neither process during the cell, in cores: other work on the machine. */
  readonly otherCpu: number
}

const stopServer = async (server: Launched): Promise<void> => {
  const { child } = server
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill("SIGTERM")
  if (!(await exited(child, 5000))) {
    child.kill("SIGKILL")
    await exited(child, 5000)
  }
}

// A port free right now, for the next server (not every API can report the port it bound to 0).
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = Net.createServer()
    probe.on("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      probe.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(address)))
    })
  })

/** What the load generator (bench/load.c) prints. Latencies in microseconds. */
interface LoadReport {
  readonly conns: number
  readonly size: number
  readonly seconds: number
  readonly requests: number
  readonly rps: number
  readonly p50Us: number
  readonly p99Us: number
  readonly p999Us: number
  readonly maxUs: number
  /** Connections that failed (refused, reset, early EOF) during the run. */
  readonly errors: number
  /** CPU time of the load generator over the measured window, as a fraction of one core. */
  readonly loadCpu: number
  /** Milliseconds it took to connect every socket. */
  readonly connectMs: number
}

let serverCommand: ReadonlyArray<string> = []
let cServerCommand: ReadonlyArray<string> = []
let loadCommand: ReadonlyArray<string> = []

/** One load generator's run against one server: its report, and the server's CPU seconds over its measured window. */
interface LoadRun {
  readonly report: LoadReport
  readonly windowCpu: number
}

// One load generator (on CPU 1) against each server at once, each with `conns` connections of `size`-byte messages.
const runLoads = async (
  servers: ReadonlyArray<{ readonly pid: number; readonly port: string }>,
  conns: number,
  size: number
): Promise<Array<LoadRun>> => {
  const limitMs = (seconds + warmup + 30) * 1000
  const loads = servers.map(({ port }) =>
    launch(1, loadCommand, [
      "--port",
      port,
      "--conns",
      String(conns),
      "--size",
      String(size),
      "--seconds",
      String(seconds),
      "--warmup",
      String(warmup)
    ])
  )
  const windowCpus = await Promise.all(loads.map(async (load, i) => {
    const pid = servers[i]!.pid
    await waitFor(load, /^measuring$/m, limitMs).catch(() => undefined)
    const before = cpuSeconds(pid)
    await waitFor(load, /^\{.*\}$/m, limitMs).catch(() => undefined)
    return cpuSeconds(pid) - before
  }))
  const runs: Array<LoadRun> = []
  for (const [i, load] of loads.entries()) {
    if (!(await exited(load.child, limitMs))) {
      load.child.kill("SIGKILL")
      throw new Error(`load generator still running after ${limitMs} ms`)
    }
    const line = load.stdout().trim().split("\n").pop() ?? ""
    if (load.child.exitCode !== 0 || !line.startsWith("{")) {
      throw new Error(`load generator failed (${load.child.exitCode}): ${load.stderr().trim() || line}`)
    }
    runs.push({ report: JSON.parse(line) as LoadReport, windowCpu: windowCpus[i]! })
  }
  return runs
}

const launchServer = (api: Api, port: string, cpus: string = serverCpus(api)): Launched =>
  api === "c"
    ? launch(cpus, cServerCommand, ["--port", port])
    : launch(cpus, serverCommand, ["--api", api, "--port", port])

const stillRunning = (server: Launched): void => {
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    throw new Error(`server exited during the run: ${server.stderr().trim()}`)
  }
}

const measure = async (api: Api, conns: number, size: number): Promise<Measurement> => {
  const server = launchServer(api, String(await freePort()))
  try {
    const [, port] = await waitFor(server, /^listening (\d+)$/m, 30_000)
    const pid = server.child.pid!
    const serverCpuBefore = cpuSeconds(pid)
    const busyBefore = machineBusySeconds()
    const started = performance.now()
    const [{ report, windowCpu }] = await runLoads([{ pid, port: port! }], conns, size) as [LoadRun]
    const elapsed = (performance.now() - started) / 1000
    const serverCpu = (cpuSeconds(pid) - serverCpuBefore) / elapsed
    const busy = machineBusySeconds() - busyBefore
    // Summed over a multi-process server's processes (each VmHWM is its own peak: an upper bound of the total's).
    const rss = treeStatusBytes(pid, "VmHWM") ?? Number.NaN
    stillRunning(server)
    const otherCpu = Math.max(0, busy / elapsed - serverCpu - report.loadCpu)
    return { load: report, cpuPerRequest: (windowCpu * 1e6) / report.requests, rss, serverCpu, otherCpu }
  } finally {
    await stopServer(server)
  }
}

/** One paired measurement: node:net and `api` served at once, both on CPU 0 (see `mainPaired`). */
interface Pair {
  /** `api`'s requests/s over node:net's, in the same seconds on the same core. */
  readonly rpsRatio: number
  /** node:net's server CPU per request over `api`'s. */
  readonly cpuRatio: number
}

const measurePair = async (api: Api, conns: number, size: number, netFirst: boolean): Promise<Pair> => {
  const order: ReadonlyArray<Api> = netFirst ? ["net", api] : [api, "net"]
  const servers: Array<Launched> = []
  try {
    for (const each of order) servers.push(launchServer(each, String(await freePort()), "0"))
    const ports = await Promise.all(servers.map((server) => waitFor(server, /^listening (\d+)$/m, 30_000)))
    const runs = await runLoads(
      servers.map((server, i) => ({ pid: server.child.pid!, port: ports[i]![1]! })),
      conns,
      size
    )
    for (const server of servers) stillRunning(server)
    const [net, mine] = netFirst ? [runs[0]!, runs[1]!] : [runs[1]!, runs[0]!]
    const perRequest = (run: LoadRun) => run.windowCpu / run.report.requests
    return { rpsRatio: mine.report.rps / net.report.rps, cpuRatio: perRequest(net) / perRequest(mine) }
  } finally {
    await Promise.all(servers.map(stopServer))
  }
}

// The machine is shared (other jobs run tests beside the benchmark). Before each measurement wait,
// up to `quietWaitMs`, for a moment when little else runs; a measurement during which other
// processes used more than `noisyCores` is taken once more. Both spend at most `extraBudgetMs` in
// all, so a busy machine slows the run by a bounded amount and the figures say how noisy it was.
const quietCores = 0.25
const noisyCores = 0.5
const quietWaitMs = 5_000
const extraBudgetMs = 180_000
let extraSpentMs = 0

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const awaitQuiet = async (): Promise<void> => {
  const started = performance.now()
  while (performance.now() - started < quietWaitMs && extraSpentMs < extraBudgetMs) {
    const before = machineBusySeconds()
    await sleep(300)
    if ((machineBusySeconds() - before) / 0.3 < quietCores) break
  }
  extraSpentMs += performance.now() - started
}

const measureQuietly = async (api: Api, conns: number, size: number): Promise<Measurement> => {
  await awaitQuiet()
  const first = await measure(api, conns, size)
  if (first.otherCpu <= noisyCores || extraSpentMs >= extraBudgetMs) return first
  const started = performance.now()
  await awaitQuiet()
  const second = await measure(api, conns, size)
  extraSpentMs += performance.now() - started
  return second.otherCpu < first.otherCpu ? second : first
}

const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

interface Figure {
  readonly api: Api
  readonly conns: number
  readonly size: number
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly rss: number
  readonly cpuPerRequest: number
  readonly serverCpu: number
  readonly loadCpu: number
  readonly samples: number
  readonly failure: string | undefined
}

const key = (api: Api, conns: number, size: number) => `${api}/${conns}/${size}`

const integer = (n: number): string => Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–"
const micros = (us: number): string =>
  !Number.isFinite(us)
    ? "–"
    : us >= 10_000
    ? `${(us / 1000).toFixed(1)} ms`
    : us >= 1000
    ? `${(us / 1000).toFixed(2)} ms`
    : `${us.toFixed(0)} µs`
const mib = (bytes: number): string => Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : "–"
const times = (n: number): string => Number.isFinite(n) ? `${n.toFixed(2)}×` : "–"
const percent = (n: number): string => Number.isFinite(n) ? `${Math.round(n * 100)}%` : "–"
const sizeLabel = (size: number): string => size % 1024 === 0 ? `${size / 1024} KiB` : `${size} B`

const printTable = (rows: Array<Array<string>>): void => {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
  const line = (row: Array<string>) =>
    row.map((cell, c) => (c <= 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ")
  console.log(line(rows[0]!))
  console.log(widths.map((w) => "-".repeat(w)).join("  "))
  for (const row of rows.slice(1)) console.log(line(row))
}

const markdownTable = (rows: Array<Array<string>>): string => {
  const line = (row: Array<string>) => `| ${row.join(" | ")} |`
  const rule = `|${rows[0]!.map((_, c) => (c <= 2 ? " --- " : " ---: ")).join("|")}|`
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join("\n")
}

/** Builds what every measurement runs: the bundled echo server, the load generator, the C server. */
const prepare = (): void => {
  if (Os.availableParallelism() < 2) throw new Error("needs 2 CPUs: the server on CPU 0, the load generator on CPU 1")
  serverCommand = [process.execPath, bundle("bench/echo-server.ts")]
  loadCommand = [compile("bench/load.c")]
  cServerCommand = [compile("bench/echo.c")]
}

const main = async (): Promise<void> => {
  prepare()
  const samples = new Map<string, Array<Measurement>>()
  const failures = new Map<string, string>()
  let otherCpuMax = 0
  let measurements = 0
  let noisy = 0
  const cells = connCounts.flatMap((conns) => sizes.map((size) => ({ conns, size })))
  const perMeasurement = seconds + warmup + 1.5
  console.log(
    `${apis.length} APIs × ${cells.length} cells × ${rounds} rounds, ${warmup} s warm-up + ${seconds} s each ` +
      `(about ${Math.ceil((apis.length * cells.length * rounds * perMeasurement) / 60)} min)`
  )
  for (let round = 0; round < rounds; round++) {
    const order = apis.map((_, i) => apis[(i + round) % apis.length]!)
    for (const { conns, size } of cells) {
      for (const api of order) {
        const id = key(api, conns, size)
        // An API that cannot start (not written yet, broken) is reported, not retried every round.
        if (failures.has(id) && !samples.has(id)) continue
        try {
          const m = await measureQuietly(api, conns, size)
          samples.set(id, [...(samples.get(id) ?? []), m])
          otherCpuMax = Math.max(otherCpuMax, m.otherCpu)
          measurements++
          if (m.otherCpu > noisyCores) noisy++
          console.log(
            `  round ${round + 1}  ${String(conns).padStart(4)} conns  ${sizeLabel(size).padStart(6)}  ` +
              `${labels[api].padEnd(28)} ${integer(m.load.rps).padStart(9)} req/s  p50 ${micros(m.load.p50Us)}  ` +
              `p99 ${micros(m.load.p99Us)}  rss ${mib(m.rss)}  server cpu ${percent(m.serverCpu)}  ` +
              `load cpu ${percent(m.load.loadCpu)}  other cpu ${percent(m.otherCpu)}`
          )
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error)
          failures.set(id, message.split("\n").find((line) => line.trim() !== "") ?? message)
          console.log(`  round ${round + 1}  ${conns} conns  ${sizeLabel(size)}  ${labels[api]}: FAILED ${message}`)
        }
      }
    }
  }

  const figures = new Map<string, Figure>()
  for (const { conns, size } of cells) {
    for (const api of apis) {
      const id = key(api, conns, size)
      const ms = samples.get(id) ?? []
      figures.set(id, {
        api,
        conns,
        size,
        rps: median(ms.map((m) => m.load.rps)),
        p50: median(ms.map((m) => m.load.p50Us)),
        p99: median(ms.map((m) => m.load.p99Us)),
        rss: ms.length === 0 ? Number.NaN : Math.max(...ms.map((m) => m.rss)),
        cpuPerRequest: median(ms.map((m) => m.cpuPerRequest)),
        serverCpu: median(ms.map((m) => m.serverCpu)),
        loadCpu: median(ms.map((m) => m.load.loadCpu)),
        samples: ms.length,
        failure: ms.length === 0 ? failures.get(id) : undefined
      })
    }
  }
  const figure = (api: Api, conns: number, size: number) => figures.get(key(api, conns, size))
  const ratio = (api: Api, base: Api, conns: number, size: number): number =>
    (figure(api, conns, size)?.rps ?? Number.NaN) / (figure(base, conns, size)?.rps ?? Number.NaN)

  // node:net's server CPU per request over ours: how much cheaper a request is, even where the load
  // generator (one core, like the server) could not keep the faster server busy.
  const cpuRatio = (api: Api, conns: number, size: number): number =>
    (figure("net", conns, size)?.cpuPerRequest ?? Number.NaN) / (figure(api, conns, size)?.cpuPerRequest ?? Number.NaN)
  const rows: Array<Array<string>> = [
    [
      "Conns",
      "Size",
      "API",
      "req/s",
      "vs node:net",
      "p50",
      "p99",
      "Peak RSS",
      "Server CPU",
      "Load CPU",
      "Server µs/req"
    ]
  ]
  for (const { conns, size } of cells) {
    for (const api of apis) {
      const f = figure(api, conns, size)!
      const vsNet = api === "net" ? "1×" : times(ratio(api, "net", conns, size))
      const vsPlatformNode = api === "platform" && apis.includes("platform-node")
        ? ` (${times(ratio("platform", "platform-node", conns, size))} platform-node)`
        : api === "workers" && apis.includes("cluster")
        ? ` (${times(ratio("workers", "cluster", conns, size))} cluster)`
        : ""
      rows.push(
        f.samples === 0
          ? [
            String(conns),
            sizeLabel(size),
            labels[api],
            `failed: ${f.failure ?? "not run"}`,
            "",
            "",
            "",
            "",
            "",
            "",
            ""
          ]
          : [
            String(conns),
            sizeLabel(size),
            labels[api],
            integer(f.rps),
            vsNet + vsPlatformNode,
            micros(f.p50),
            micros(f.p99),
            mib(f.rss),
            percent(f.serverCpu),
            percent(f.loadCpu),
            `${f.cpuPerRequest.toFixed(1)} (${times(cpuRatio(api, conns, size))})`
          ]
      )
    }
  }
  console.log("")
  printTable(rows)

  // Goals, each checked in every cell it names.
  const goalConns = connCounts.filter((c) => c >= 64)
  const goalCells = goalConns.flatMap((conns) => sizes.map((size) => ({ conns, size })))
  const better = (a: Api, b: Api): Api => {
    const score = (api: Api) => median(goalCells.map(({ conns, size }) => ratio(api, "net", conns, size)))
    return !(score(b) > score(a)) ? a : b
  }
  const futureApi = apis.includes("future-integrated") ? better("future", "future-integrated") : "future"
  const goalLines: Array<string> = []
  const check = (name: string, results: ReadonlyArray<{ readonly ok: boolean; readonly text: string }>) => {
    const measured = results.filter((r) => !r.text.includes("–"))
    const verdict = measured.length < results.length
      ? "not measured in every cell"
      : results.every((r) => r.ok)
      ? "met"
      : "not met"
    goalLines.push(`- ${name}: **${verdict}** — ${results.map((r) => r.text).join("; ")}`)
  }
  const speedGoal = (api: Api, target: number) =>
    goalCells.map(({ conns, size }) => {
      const r = ratio(api, "net", conns, size)
      const p99 = figure(api, conns, size)?.p99 ?? Number.NaN
      const netP99 = figure("net", conns, size)?.p99 ?? Number.NaN
      const ok = r >= target && p99 <= netP99
      return {
        ok,
        text: `${conns}×${sizeLabel(size)} ${times(r)}, p99 ${micros(p99)} vs ${micros(netP99)}`
      }
    })
  if (apis.includes("net")) {
    if (apis.includes(futureApi)) {
      check(`${labels[futureApi]} ≥ 1.45× node:net req/s, p99 ≤ node:net's`, speedGoal(futureApi, 1.45))
    }
    if (apis.includes("effect")) check("effect ≥ 1.35× node:net req/s, p99 ≤ node:net's", speedGoal("effect", 1.35))
    for (const api of ["effect-gen", "effect-stream", "effect-gen-integrated"] as const) {
      if (apis.includes(api)) check(`${labels[api]} ≥ node:net req/s, p99 ≤ node:net's`, speedGoal(api, 1))
    }
  }
  if (apis.includes("platform") && apis.includes("platform-node")) {
    check(
      "platform ≥ 2× @effect/platform-node req/s",
      cells.map(({ conns, size }) => {
        const r = ratio("platform", "platform-node", conns, size)
        return { ok: r >= 2, text: `${conns}×${sizeLabel(size)} ${times(r)}` }
      })
    )
  }
  if (apis.includes("net") && connCounts.includes(1000)) {
    // One process's memory against one's: the multi-core servers are compared with each other below. The floor is a
    // bound, not a server to deploy.
    const ours = apis.filter((api) =>
      api !== "c" && api !== "net" && api !== "platform-node" && api !== "effect-floor" &&
      !(multiCoreApis as ReadonlyArray<string>).includes(api)
    )
    if (ours.length > 0) {
      check(
        "peak RSS at 1000 connections below node:net's",
        ours.flatMap((api) =>
          sizes.map((size) => {
            const mine = figure(api, 1000, size)?.rss ?? Number.NaN
            const net = figure("net", 1000, size)?.rss ?? Number.NaN
            return { ok: mine < net, text: `${labels[api]} ${sizeLabel(size)} ${mib(mine)} vs ${mib(net)}` }
          })
        )
      )
    }
  }
  if (apis.includes("workers") && apis.includes("cluster")) {
    const cpu = (api: Api, conns: number, size: number) => figure(api, conns, size)?.cpuPerRequest ?? Number.NaN
    const rss = (api: Api, conns: number, size: number) => figure(api, conns, size)?.rss ?? Number.NaN
    const against = cells.map(({ conns, size }) =>
      `${conns}×${sizeLabel(size)} ${times(ratio("workers", "cluster", conns, size))} req/s, ` +
      `server CPU per request ${
        times(cpu("workers", conns, size) / cpu("cluster", conns, size))
      } node:cluster's, peak RSS ` +
      `${mib(rss("workers", conns, size))} vs ${mib(rss("cluster", conns, size))}`
    )
    goalLines.push(`- ${labels.workers} against ${labels.cluster}: ${against.join("; ")}`)
  }
  // The bound under every fiber-per-connection form (bench/internal/echoFloor.ts): what one fiber suspension a
  // request leaves of node:net's req/s, and how much of it each form keeps.
  if (apis.includes("effect-floor") && apis.includes("net")) {
    const forms = (["effect", "effect-gen", "effect-stream"] as const).filter((api) => apis.includes(api))
    const kept = (conns: number, size: number) =>
      forms.map((api) => `${labels[api]} ${times(ratio(api, "effect-floor", conns, size))}`).join(", ")
    const bound = goalCells.map(({ conns, size }) =>
      `${conns}×${sizeLabel(size)} ${times(ratio("effect-floor", "net", conns, size))}` +
      (forms.length === 0 ? "" : ` (of it: ${kept(conns, size)})`)
    )
    goalLines.push(`- the bound, ${labels["effect-floor"]} against node:net: ${bound.join("; ")}`)
  }
  if (apis.includes("c") && apis.includes("net")) {
    const ceiling = goalCells.map(({ conns, size }) =>
      `${conns}×${sizeLabel(size)} ${times(ratio("c", "net", conns, size))}`
    )
    goalLines.push(`- for reference, ${labels.c} against node:net: ${ceiling.join("; ")}`)
  }
  // What exporting the runtime's metrics costs a server: the same server with and without `ReactorMetrics.layer`.
  for (const [exporting, base] of [["future+metrics", "future"], ["effect+metrics", "effect"]] as const) {
    if (!apis.includes(exporting) || !apis.includes(base)) continue
    const costs = cells.map(({ conns, size }) => {
      const cpu = (figure(exporting, conns, size)?.cpuPerRequest ?? Number.NaN) /
        (figure(base, conns, size)?.cpuPerRequest ?? Number.NaN)
      return `${conns}×${sizeLabel(size)} req/s ${times(ratio(exporting, base, conns, size))}, µs/req ${times(cpu)}`
    })
    goalLines.push(`- ${labels[exporting]} against ${labels[base]} (the export's cost): ${costs.join("; ")}`)
  }
  console.log("")
  for (const line of goalLines) console.log(line)
  const noise = `${noisy} of ${measurements} measurements ran while other processes used more than ${noisyCores} ` +
    `cores (the largest: ${otherCpuMax.toFixed(2)} cores)`
  console.log(noise)
  if (dryRun) return

  writeSection(
    "echo",
    [
      ...sectionHead("Echo server: requests/s and latency", "bench:echo"),
      `- Workload: the load generator (\`bench/load.c\`) opens N connections to 127.0.0.1, each sending a message of ` +
      `the given size and waiting for all of it to come back before sending the next (ping-pong). Server ` +
      `(\`bench/echo-server.ts\`; \`bench/echo.c\` for the C ceiling) ` +
      `pinned to CPU 0, load generator to CPU 1, a fresh pair of processes per measurement; ${warmup} s warm-up, ` +
      `${seconds} s measured, ${rounds} round(s) with the API order rotated, median reported (peak RSS: the ` +
      `largest VmHWM). Latency is per message, send to last byte back. Server µs/req: the server's CPU time ` +
      `(utime + stime, including the kernel's loopback work) over the measured window per request, and in ` +
      `parentheses node:net's figure over it. The load generator has one core too: where its Load CPU nears ` +
      `100% it, not the server, sets req/s, and µs/req is the fairer comparison.` +
      (apis.some((api) => (multiCoreApis as ReadonlyArray<string>).includes(api)) ? ` ${multiCoreNote}` : ""),
      `- Noise: ${noise}; the machine is shared, so figures of one run compare with each other better than ` +
      `with another run's.`,
      "",
      markdownTable(rows),
      "",
      "Goals (at 64 and 1000 connections unless said otherwise; `future` is the better of its two modes):",
      "",
      ...goalLines,
      ""
    ].join("\n")
  )
  console.log(`Wrote ${resultsPath}`)
}

/**
 * `--paired`: each API served at the same time as node:net, both servers on CPU 0 and one load generator each on CPU
 * 1, the two started in turn first. Sharing one core for the same seconds, the two meet the same spells of a shared
 * machine, which sequential runs meet apart (a server's req/s moved by ±20 % between rounds of one run): the ratio
 * of their server CPU per request is the ratio of what a request costs each, measured closer than any two separate
 * runs can. Their req/s ratio says the same while each takes half the core, and more where one leaves the other some
 * of its half (waiting on its load generator, which shares CPU 1 with the other's).
 */
const mainPaired = async (): Promise<void> => {
  prepare()
  const cells = connCounts.flatMap((conns) => sizes.map((size) => ({ conns, size })))
  console.log(
    `${apis.length} APIs paired with node:net × ${cells.length} cells × ${rounds} rounds (about ${
      Math.ceil((apis.length * cells.length * rounds * (seconds + warmup + 2)) / 60)
    } min)`
  )
  const pairs = new Map<string, Array<Pair>>()
  for (let round = 0; round < rounds; round++) {
    const order = apis.map((_, i) => apis[(i + round) % apis.length]!)
    for (const { conns, size } of cells) {
      for (const api of order) {
        await awaitQuiet()
        const pair = await measurePair(api, conns, size, round % 2 === 0)
        const id = key(api, conns, size)
        pairs.set(id, [...(pairs.get(id) ?? []), pair])
        console.log(
          `  round ${round + 1}  ${String(conns).padStart(4)} conns  ${sizeLabel(size).padStart(6)}  ` +
            `${labels[api].padEnd(28)} ${times(pair.rpsRatio)} node:net's req/s, its µs/req ${times(pair.cpuRatio)}`
        )
      }
    }
  }
  const rows: Array<Array<string>> = [[
    "Conns",
    "Size",
    "API",
    "req/s vs node:net",
    "Min – max",
    "node:net µs/req ÷ ours"
  ]]
  const summary = new Map<Api, Array<string>>()
  for (const { conns, size } of cells) {
    for (const api of apis) {
      const ratios = (pairs.get(key(api, conns, size)) ?? []).map((pair) => pair.rpsRatio)
      const cpu = median((pairs.get(key(api, conns, size)) ?? []).map((pair) => pair.cpuRatio))
      const rps = median(ratios)
      rows.push([
        String(conns),
        sizeLabel(size),
        labels[api],
        times(rps),
        `${times(Math.min(...ratios))} – ${times(Math.max(...ratios))}`,
        times(cpu)
      ])
      summary.set(api, [...(summary.get(api) ?? []), `${conns}×${sizeLabel(size)} ${times(rps)} (${times(cpu)})`])
    }
  }
  console.log("")
  printTable(rows)
  const lines = apis.map((api) =>
    `- ${labels[api]}, req/s (and CPU per request) against node:net's: ${summary.get(api)!.join("; ")}`
  )
  for (const line of lines) console.log(line)
  if (dryRun) return
  writeSection(
    "echo-paired",
    [
      ...sectionHead("Echo server, paired with node:net on one core", "bench:echo"),
      `- Workload: the echo benchmark's, but each server runs at the same time as a node:net echo server, both ` +
      `pinned to CPU 0, each loaded by its own load generator on CPU 1 with the cell's connections; ${warmup} s ` +
      `warm-up, ${seconds} s measured, ${rounds} round(s), the two started in turn first. Sharing one core for the ` +
      `same seconds, the two meet the same slow spells of the shared machine, so the ratio of their server CPU time ` +
      `per request says what a request costs each more closely than two separate runs (as in the table above) can; ` +
      `their req/s ratio says the same while each takes half the core, and more where one leaves the other part of ` +
      `its half (waiting on its load generator, which shares CPU 1). req/s vs node:net: the median of the rounds' ` +
      `ratios, and their spread; node:net µs/req ÷ ours: the median of the rounds' ratios of server CPU per request.`,
      "",
      markdownTable(rows),
      "",
      ...lines,
      ""
    ].join("\n")
  )
  console.log(`Wrote ${resultsPath}`)
}
;(paired ? mainPaired() : main()).then(
  () => {
    killAll()
  },
  (error: unknown) => {
    console.error(error)
    killAll()
    process.exitCode = 1
  }
)
