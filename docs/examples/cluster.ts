/**
 * `@effect/cluster` on effect-reactor's sockets: `npx tsx --conditions=effect-reactor-source docs/examples/cluster.ts`
 * (in your own project: `npx tsx cluster.ts`). Ends by itself in about ten seconds, most of them spent loading modules.
 *
 * Two runners on 127.0.0.1, in two processes: this one (runner 1) and a child it forks (runner 2), each listening on
 * its own port through `ReactorClusterSocket.layer`. They share the shards of a `Greeter` entity:
 *
 * 1. Runner 1 starts, then runner 2; the shards are divided between them, and a greeting sent to an entity on runner 2
 *    travels over our sockets and waits for its reply.
 * 2. Runner 2 is stopped (SIGTERM): it releases its shards and its process ends.
 * 3. Runner 1 takes them over: the same greetings are all answered there.
 *
 * Messages are kept in memory. The runners share only a SQLite file, which holds who is a runner and which shard
 * each one has locked (`SqlRunnerStorage`): that is how runners in different processes agree. In production the file
 * is a database every runner reaches (`ReactorClusterSocket.layer({ storage: "sql" })` over `@effect/sql-pg`, say).
 */
import { Entity, MessageStorage, RunnerAddress, ShardingConfig, SqlRunnerStorage } from "@effect/cluster"
import { Rpc } from "@effect/rpc"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Fiber, Layer, Logger, LogLevel, Option, Schedule, Schema } from "effect"
import { ReactorRuntime, TcpListener } from "effect-reactor"
import * as ReactorClusterSocket from "effect-reactor/ReactorClusterSocket"
import { type ChildProcess, fork } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

// An entity: each greeter answers with the port of the runner that hosts it.
const Greeter = Entity.make("Greeter", [
  Rpc.make("Greet", {
    payload: { name: Schema.String },
    success: Schema.Struct({ text: Schema.String, port: Schema.Number })
  })
])

const GreeterLive = Greeter.toLayer(Effect.gen(function*() {
  const runner = yield* Entity.CurrentRunnerAddress
  return {
    Greet: ({ payload }) => Effect.succeed({ text: `hello, ${payload.name}`, port: runner.port })
  }
}))

// A runner on 127.0.0.1:port, on the ReactorRuntime it is given. Every runner has the same configuration but for
// its address; the intervals are shortened so that the example sees a change of runners within a second.
const Runner = (port: number, database: string) => {
  const config: Partial<ShardingConfig.ShardingConfig["Type"]> = {
    runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", port)),
    refreshAssignmentsInterval: "200 millis",
    sendRetryInterval: "50 millis"
  }
  return GreeterLive.pipe(
    Layer.provideMerge(ReactorClusterSocket.layer({ storage: "byo", shardingConfig: config })),
    Layer.provide([MessageStorage.layerMemory, SqlRunnerStorage.layer]),
    Layer.provide(ShardingConfig.layer(config)),
    Layer.provide(SqliteClient.layer({ filename: database })),
    // The cluster logs at Info level (each runner's "Listening on"); show only warnings and worse.
    Layer.provide(Logger.minimumLogLevel(LogLevel.Warning))
  )
}

// Runner 2, in the child process: up until SIGTERM, then shut down gracefully.
const runSecondRunner = (port: number, database: string) => {
  const fiber = Effect.runFork(
    Effect.scoped(Effect.gen(function*() {
      yield* Layer.build(Runner(port, database))
      process.send?.("ready")
      return yield* Effect.never
    })).pipe(Effect.provide(ReactorRuntime.layer))
  )
  const shutdown = () => Effect.runFork(Fiber.interrupt(fiber))
  process.once("SIGTERM", shutdown)
  // Runner 1 went away without stopping this one (killed, say): stop too.
  process.once("disconnect", shutdown)
  // The IPC channel would keep this process alive after the runner stops.
  fiber.addObserver(() => process.connected && process.disconnect?.())
}

// Two ports the kernel picks, so that the example runs anywhere: two listeners open at once (so the ports differ),
// closed again before the runners bind them. A TCP listener's address is always "Inet".
const kernelPort = Effect.map(
  TcpListener.bind({ host: "127.0.0.1", port: 0 }),
  ({ localAddress }) => localAddress._tag === "Inet" ? localAddress.port : 0
)
const freePorts = Effect.scoped(Effect.all([kernelPort, kernelPort]))

// Runner 2 as a child process of this one: forked, then awaited until it is up; killed at the end if still alive.
const forkSecondRunner = (port: number, database: string) =>
  Effect.gen(function*() {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        fork(fileURLToPath(import.meta.url), ["runner-2", String(port), database], {
          stdio: ["ignore", "inherit", "inherit", "ipc"]
        })
      ),
      (child) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
    )
    yield* Effect.async<void, Error>((resume) => {
      child.once("message", () => resume(Effect.void))
      child.once("exit", (code) => resume(Effect.fail(new Error(`runner 2 exited with ${code}`))))
    }).pipe(Effect.timeout("30 seconds"))
    return child
  })

// Stops runner 2 as an orchestrator would, and waits until its process has ended.
const stop = (child: ChildProcess) =>
  Effect.async<number | null>((resume) => {
    child.once("exit", (code) => resume(Effect.succeed(code)))
    child.kill("SIGTERM")
  }).pipe(Effect.timeout("20 seconds"))

const names = [
  "ada",
  "alan",
  "barbara",
  "edsger",
  "grace",
  "john",
  "ken",
  "leslie",
  "margaret",
  "niklaus",
  "robin",
  "tony"
]

const main = Effect.gen(function*() {
  const directory = yield* Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "cluster-example-"))),
    (directory) => Effect.sync(() => Fs.rmSync(directory, { recursive: true, force: true }))
  )
  const database = Path.join(directory, "runners.sqlite")
  const [port1, port2] = yield* freePorts
  const runnerOf = (port: number) => (port === port1 ? "runner 1" : port === port2 ? "runner 2" : `port ${port}`)

  // 1. Runner 1 here, runner 2 in a child.
  const runner1 = yield* Layer.build(Runner(port1, database))
  const runner2 = yield* forkSecondRunner(port2, database)
  console.log("runner 1 and runner 2 are up")

  const greetAll = Effect.gen(function*() {
    const greeter = yield* Greeter.client
    const replies = yield* Effect.forEach(names, (name) => greeter(name).Greet({ name }), { concurrency: "unbounded" })
    return [...new Set(replies.map((reply) => runnerOf(reply.port)))].sort()
  }).pipe(Effect.provide(runner1))

  // Runner 2 takes its share of the shards within a second or so; until then runner 1 answers every greeting.
  const shared = yield* greetAll.pipe(
    Effect.filterOrFail((runners) => runners.length === 2),
    Effect.retry(Schedule.spaced("100 millis")),
    Effect.timeout("30 seconds")
  )
  console.log(`${names.length} greetings answered by ${shared.join(" and ")}`)

  // 2. Runner 2 stops.
  const code = yield* stop(runner2)
  console.log(`runner 2 stopped (exit code ${code})`)

  // 3. Its shards move to runner 1; greetings to its former entities wait until runner 1 holds them.
  const after = yield* greetAll.pipe(Effect.timeout("30 seconds"))
  console.log(`${names.length} greetings answered by ${after.join(" and ")}`)
})

if (process.argv[2] === "runner-2") {
  runSecondRunner(Number(process.argv[3]), process.argv[4]!)
} else {
  // Ends the process as `NodeRuntime.runMain` would. Waiting for Node's loop to drain is not enough here: greetings
  // that found runner 2 gone leave @effect/cluster 0.60 a client to it that nothing closes (Effect-TS/effect#7515).
  // ReactorClusterSocket closes that client's connection when the cluster shuts down; the client itself waits on.
  Effect.runPromise(main.pipe(Effect.scoped, Effect.provide(ReactorRuntime.layer))).then(
    () => process.exit(0),
    (error) => {
      console.error(error)
      process.exit(1)
    }
  )
}
