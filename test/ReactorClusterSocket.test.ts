/**
 * `ReactorClusterSocket`: `@effect/cluster` on our sockets.
 *
 * The main test runs two runners in two child processes (test/fixtures/cluster-runner.ts) on 127.0.0.1, each with
 * its messages in memory. Processes share nothing but a SQLite file, through which `SqlRunnerStorage` tells every
 * member the registered runners (all hash them onto the same ring) and holds the shard locks: in @effect/cluster
 * 0.60 there is no shard manager, and `RunnerStorage.layerMemory` exists in one process only. This process joins as a
 * client-only member and calls entities, which wait for replies; one runner is stopped, its shards move to the other,
 * and every call is answered there.
 *
 * The other tests run in this process: each storage choice of `layer`, the listen address of `layerSocketServer`,
 * and the `ReactorRuntime` requirement.
 */
import * as MessageStorage from "@effect/cluster/MessageStorage"
import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import * as Runners from "@effect/cluster/Runners"
import type * as RunnerStorage from "@effect/cluster/RunnerStorage"
import type { Sharding } from "@effect/cluster/Sharding"
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import * as SqlRunnerStorage from "@effect/cluster/SqlRunnerStorage"
import * as SocketServer from "@effect/platform/SocketServer"
import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import type { ConfigError } from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as ReactorClusterSocket from "../src/ReactorClusterSocket.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as TcpListener from "../src/TcpListener.js"
import { type Child, startChild } from "./utils/child.js"
import { type Answer, Greeter, GreeterLive, shardingConfig } from "./utils/clusterEntities.js"
import { runExample } from "./utils/examples.js"
import { fdCount } from "./utils/fds.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const fixture = Path.join(root, "test", "fixtures", "cluster-runner.ts")

/**
 * Ports nothing listens on now, in increasing order: the kernel's choices for listeners on 127.0.0.1 open at the same
 * time (so all differ), closed again.
 */
const freePorts = (count: number): Effect.Effect<Array<number>> =>
  Effect.promise(async () => {
    const servers = await Promise.all(Array.from({ length: count }, () =>
      new Promise<Net.Server>((resolve) => {
        const server = Net.createServer()
        server.listen(0, "127.0.0.1", () => resolve(server))
      })))
    const ports = servers.map((server) => (server.address() as Net.AddressInfo).port)
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
    return ports.sort((a, b) => a - b)
  })

const freePort: Effect.Effect<number> = Effect.map(freePorts(1), (ports) => ports[0]!)

/** A temporary directory for the scope, removed when it closes. */
const tempDir: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "reactor-cluster-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** A runner process for the scope: started, awaited until its layers are up; SIGKILLed at the end if still alive. */
const startRunner = (port: number, database: string) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      startChild(
        ["--conditions=effect-reactor-source", "--import", "tsx", fixture, String(port), database],
        60_000,
        root
      )
    ),
    (child) =>
      Effect.promise(() => {
        if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL")
        return child.done
      })
  ).pipe(Effect.tap((child) => Effect.promise(() => child.output("ready", 40_000))))

/** Stops a runner as an orchestrator would (SIGTERM) and waits until its process has ended by itself. */
const stopRunner = (child: Child) =>
  Effect.promise(() => {
    child.process.kill("SIGTERM")
    return child.done
  }).pipe(Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error("the runner did not stop") }))

/** This process as a client-only member: it reads the runners from the shared SQLite file and hosts no entity. */
const clientLayer = (database: string) => {
  const config = shardingConfig()
  return ReactorClusterSocket.layer({ clientOnly: true, storage: "byo", shardingConfig: config }).pipe(
    Layer.provide([MessageStorage.layerNoop, SqlRunnerStorage.layer]),
    Layer.provide(ShardingConfig.layer(config)),
    Layer.provide(SqliteClient.layer({ filename: database })),
    Layer.provide(ReactorRuntime.layer)
  )
}

const ids = Array.from({ length: 32 }, (_, i) => `greeter-${i}`)

/** One `Whoami` per id, concurrently; each call waits for its reply. */
const askAll = Effect.gen(function*() {
  const greeters = yield* Greeter.client
  return yield* Effect.forEach(ids, (id) => greeters(id).Whoami(), { concurrency: "unbounded" })
})

const runnersOf = (answers: ReadonlyArray<Answer>): Array<number> =>
  [...new Set(answers.map((answer) => answer.runner))].sort((a, b) => a - b)

describe("ReactorClusterSocket, two runner processes", () => {
  it.live(
    "shards entities across both; when one stops, its shards move to the other and calls are answered",
    () =>
      Effect.gen(function*() {
        const fdsBefore = fdCount()
        yield* Effect.scoped(Effect.gen(function*() {
          const database = Path.join(yield* tempDir, "cluster.sqlite")
          // The client goes first: it creates the database (WAL mode, tables) before two runners could race for it.
          const client = yield* Layer.build(clientLayer(database))
          const [portA, portB] = (yield* freePorts(2)) as [number, number]
          const [runnerA, runnerB] = yield* Effect.all([startRunner(portA, database), startRunner(portB, database)], {
            concurrency: 2
          })

          const ask = askAll.pipe(Effect.provide(client), Effect.timeout("10 seconds"))
          // B's replies show once this member's view of the ring has B; from then on routing is settled. Until then the
          // runners are taking and releasing shards, and a call may end with the entity it reached.
          yield* ask.pipe(
            Effect.filterOrFail((answers) => runnersOf(answers).length === 2),
            Effect.sandbox,
            Effect.retry(Schedule.spaced("100 millis")),
            Effect.timeout("30 seconds")
          )
          const spread = yield* ask
          expect(runnersOf(spread)).toStrictEqual([portA, portB])
          expect(new Set(spread.map((answer) => answer.pid))).toStrictEqual(
            new Set([runnerA.process.pid, runnerB.process.pid])
          )
          expect(spread.map((answer) => answer.entity)).toStrictEqual(ids)

          // An entity on A calls one on B: runner to runner, over A's client protocol and B's server.
          const onA = spread.find((answer) => answer.runner === portA)!.entity
          const onB = spread.find((answer) => answer.runner === portB)!.entity
          const forwarded = yield* Effect.flatMap(Greeter.client, (greeters) => greeters(onA).Forward({ to: onB }))
            .pipe(
              Effect.provide(client),
              Effect.timeout("10 seconds")
            )
          expect(forwarded).toStrictEqual({
            via: portA,
            answer: { entity: onB, runner: portB, pid: runnerB.process.pid }
          })

          // B stops gracefully: it unregisters and releases its shards, and its process ends by itself.
          const stopped = yield* stopRunner(runnerB)
          expect({ code: stopped.code, stopped: stopped.stdout.includes("stopped") }).toStrictEqual({
            code: 0,
            stopped: true
          })

          // Every call is answered, all by A: calls to B's former entities wait (retrying) until A holds their shards.
          const moved = yield* askAll.pipe(Effect.provide(client), Effect.timeout("20 seconds"))
          expect(runnersOf(moved)).toStrictEqual([portA])
          expect(moved.map((answer) => answer.entity)).toStrictEqual(ids)
          const local = yield* Effect.flatMap(Greeter.client, (greeters) => greeters(onA).Forward({ to: onB })).pipe(
            Effect.provide(client),
            Effect.timeout("10 seconds")
          )
          expect(local).toStrictEqual({ via: portA, answer: { entity: onB, runner: portA, pid: runnerA.process.pid } })

          const last = yield* stopRunner(runnerA)
          expect(last.code).toBe(0)
        }))
        expect(fdCount()).toBe(fdsBefore)
      }),
    90_000
  )
})

describe("ReactorClusterSocket, one runner in this process", () => {
  const pingSelf = (port: number) =>
    Effect.flatMap(Runners.Runners, (runners) => runners.ping(RunnerAddress.make("127.0.0.1", port)))

  it.live("storage \"local\", ndjson: a call is answered, and the runner answers a ping over its own socket", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const RunnerLive = ReactorClusterSocket.layer({
        storage: "local",
        serialization: "ndjson",
        shardingConfig: shardingConfig(port)
      })
      const program = Effect.gen(function*() {
        yield* pingSelf(port)
        const greeters = yield* Greeter.client
        return yield* greeters("local-1").Whoami()
      })
      const answer = yield* program.pipe(
        Effect.provide(GreeterLive.pipe(Layer.provideMerge(RunnerLive), Layer.provide(ReactorRuntime.layer))),
        Effect.timeout("10 seconds")
      )
      expect(answer).toStrictEqual({ entity: "local-1", runner: port, pid: process.pid })
    }))

  it.live("storage \"sql\": messages and runners go to the SqlClient's database", () =>
    Effect.scoped(Effect.gen(function*() {
      const port = yield* freePort
      const database = Path.join(yield* tempDir, "cluster.sqlite")
      const RunnerLive = ReactorClusterSocket.layer({ storage: "sql", shardingConfig: shardingConfig(port) })
      const program = Effect.gen(function*() {
        yield* pingSelf(port)
        const greeters = yield* Greeter.client
        const answer = yield* greeters("sql-1").Whoami()
        const sql = yield* SqlClient.SqlClient
        const runners = yield* sql<{ address: string }>`SELECT address FROM cluster_runners`
        return { answer, runners: runners.map((row) => row.address) }
      })
      const result = yield* program.pipe(
        Effect.provide(
          GreeterLive.pipe(
            Layer.provideMerge(RunnerLive),
            Layer.provideMerge(SqliteClient.layer({ filename: database })),
            Layer.provide(ReactorRuntime.layer)
          )
        ),
        Effect.timeout("10 seconds")
      )
      expect(result).toStrictEqual({
        answer: { entity: "sql-1", runner: port, pid: process.pid },
        runners: [`127.0.0.1:${port}`]
      })
    })))
})

describe("ReactorClusterSocket.layerClientProtocol", () => {
  // Runners' client cache can lose an entry whose scope then never closes (Effect-TS/effect#7515): the connection
  // must not outlive the layer, or it would keep reconnecting to a runner that is gone.
  it.live("a connection ends with the layer, even when the scope it was made in stays open", () =>
    Effect.scoped(Effect.gen(function*() {
      const listener = yield* TcpListener.bind({ host: "127.0.0.1", port: 0 })
      const port = listener.localAddress._tag === "Inet" ? listener.localAddress.port : 0
      const layerScope = yield* Scope.make()
      const makeProtocol = yield* Layer.buildWithScope(
        ReactorClusterSocket.layerClientProtocol.pipe(Layer.provide(RpcSerialization.layerMsgPack)),
        layerScope
      ).pipe(Effect.map(Context.get(Runners.RpcClientProtocol)))
      const callerScope = yield* Scope.make()
      yield* makeProtocol(RunnerAddress.make("127.0.0.1", port)).pipe(Scope.extend(callerScope))
      const peer = yield* listener.accept

      yield* Scope.close(layerScope, Exit.void)
      const read = yield* peer.read(new Uint8Array(64)).pipe(Effect.timeout("5 seconds"))
      expect(read).toBe(0)
      yield* Scope.close(callerScope, Exit.void)
    })).pipe(Effect.provide(ReactorRuntime.layer)))
})

describe("ReactorClusterSocket.layerSocketServer", () => {
  const serverAddress = (config: Partial<ShardingConfig.ShardingConfig["Type"]>) =>
    Effect.map(SocketServer.SocketServer, (server) => server.address).pipe(
      Effect.provide(ReactorClusterSocket.layerSocketServer.pipe(
        Layer.provide(ShardingConfig.layer(config)),
        Layer.provide(ReactorRuntime.layer)
      ))
    )

  it.live("listens on the runner address", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const address = yield* serverAddress({ runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", port)) })
      expect(address).toStrictEqual({ _tag: "TcpAddress", hostname: "127.0.0.1", port })
    }))

  it.live("prefers the listen address when there is one", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const address = yield* serverAddress({
        runnerAddress: Option.some(RunnerAddress.make("runner.example", 34431)),
        runnerListenAddress: Option.some(RunnerAddress.make("127.0.0.1", port))
      })
      expect(address).toStrictEqual({ _tag: "TcpAddress", hostname: "127.0.0.1", port })
    }))

  it.live("a client-only configuration (no address) is a defect that says so", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        serverAddress({ runnerAddress: Option.none(), runnerListenAddress: Option.none() })
      )
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      if (Exit.isFailure(exit)) expect(String(Cause.squash(exit.cause))).toContain("runnerListenAddress")
    }))

  it.live("a port in use fails with a SocketServerError", () =>
    Effect.scoped(Effect.gen(function*() {
      const taken = yield* Layer.build(ReactorClusterSocket.layerSocketServer.pipe(
        Layer.provide(ShardingConfig.layer({ runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", 0)) })),
        Layer.provide(ReactorRuntime.layer)
      ))
      const address = Context.get(taken, SocketServer.SocketServer).address
      const port = address._tag === "TcpAddress" ? address.port : 0
      expect(port).toBeGreaterThan(0)
      const error = yield* Effect.flip(
        serverAddress({ runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", port)) })
      )
      expect(error).toBeInstanceOf(SocketServer.SocketServerError)
      expect(error.reason).toBe("Open")
    })))
})

describe("docs/examples/cluster.ts", () => {
  it("runs two runners in two processes, stops one and its shards move to the other", async () => {
    expect(await runExample("cluster.ts")).toStrictEqual([
      "runner 1 and runner 2 are up",
      "12 greetings answered by runner 1 and runner 2",
      "runner 2 stopped (exit code 0)",
      "12 greetings answered by runner 1"
    ])
  }, 90_000)
})

describe("ReactorClusterSocket requires the ReactorRuntime", () => {
  it("in its types", () => {
    expectTypeOf(ReactorClusterSocket.layer({ storage: "local" })).toEqualTypeOf<
      Layer.Layer<
        Sharding | Runners.Runners | MessageStorage.MessageStorage,
        ConfigError | SocketServer.SocketServerError,
        ReactorRuntime.ReactorRuntime
      >
    >()
    expectTypeOf(ReactorClusterSocket.layer({ storage: "byo", clientOnly: true })).toEqualTypeOf<
      Layer.Layer<
        Sharding | Runners.Runners,
        ConfigError,
        ReactorRuntime.ReactorRuntime | MessageStorage.MessageStorage | RunnerStorage.RunnerStorage
      >
    >()
    expectTypeOf(ReactorClusterSocket.layer()).toEqualTypeOf<
      Layer.Layer<
        Sharding | Runners.Runners | MessageStorage.MessageStorage,
        ConfigError | SocketServer.SocketServerError,
        ReactorRuntime.ReactorRuntime | SqlClient.SqlClient
      >
    >()
    expectTypeOf(ReactorClusterSocket.layerClientProtocol).toEqualTypeOf<
      Layer.Layer<Runners.RpcClientProtocol, never, RpcSerialization.RpcSerialization | ReactorRuntime.ReactorRuntime>
    >()
    expectTypeOf(ReactorClusterSocket.layerSocketServer).toEqualTypeOf<
      Layer.Layer<
        SocketServer.SocketServer,
        SocketServer.SocketServerError,
        ShardingConfig.ShardingConfig | ReactorRuntime.ReactorRuntime
      >
    >()
  })

  it.live("and without it (past the types) dies naming the layer to provide", () =>
    Effect.gen(function*() {
      const unwired = ReactorClusterSocket.layerClientProtocol.pipe(
        Layer.provide(RpcSerialization.layerMsgPack)
      ) as Layer.Layer<Runners.RpcClientProtocol>
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(unwired)))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      if (Exit.isFailure(exit)) expect(String(Cause.squash(exit.cause))).toContain("ReactorRuntime.layer")
    }))
})
