/**
 * `@effect/cluster`'s socket transport over our sockets: the protocol runners use to reach each other, the server a
 * runner listens on, and the whole runner layer.
 *
 * How the pieces meet, per process:
 *
 * ```
 * layer(options)
 *   ├─ SocketRunner.layer ── RunnerServer (RpcServer.layerProtocolSocketServer) ── layerSocketServer ── our listener
 *   │        └─ Sharding ── Runners.layerRpc ── layerClientProtocol ── one ReactorSocket per remote runner
 *   ├─ RunnerHealth.layerPing ── its own Runners.layerRpc ── layerClientProtocol (the same instance)
 *   ├─ MessageStorage, RunnerStorage ("local": no-op and in memory; "sql": over the SqlClient; "byo": the caller's)
 *   └─ ShardingConfig (the environment, then `shardingConfig`), RpcSerialization (msgpack or ndjson)
 * ```
 *
 * Runners in different processes agree on shard ownership only through `RunnerStorage`: it holds the registered
 * runners (every runner hashes the same list onto the same ring) and the shard locks. `RunnerStorage.layerMemory`
 * lives in one process, so `"local"` storage is for a cluster of one process; several need a shared store.
 *
 * Both directions set `TCP_NODELAY`: cluster traffic is small request and reply frames, which Nagle's algorithm
 * would hold back behind an unacknowledged one (Node's transport leaves the algorithm on).
 *
 * A client protocol lives in the scope its caller gives it (an entry of `Runners`' client cache) and never outlives
 * this layer. The second bound is not redundant: effect 3's `RcMap` can lose an entry that was invalidated while in
 * use and then looked up again (Effect-TS/effect#7515), and `Runners` does exactly that when a runner goes away during
 * calls. Such an entry's scope is never closed: its protocol would go on reconnecting to the dead runner every few
 * seconds after the cluster has shut down. (The RPC client `Runners` built over it stays too, idle; it is not ours to
 * close, and it keeps Node's loop alive: a program that ends while that happened should exit explicitly.)
 *
 * @internal
 */
import * as MessageStorage from "@effect/cluster/MessageStorage"
import * as RunnerHealth from "@effect/cluster/RunnerHealth"
import * as Runners from "@effect/cluster/Runners"
import * as RunnerStorage from "@effect/cluster/RunnerStorage"
import type { Sharding } from "@effect/cluster/Sharding"
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import * as SocketRunner from "@effect/cluster/SocketRunner"
import * as SqlMessageStorage from "@effect/cluster/SqlMessageStorage"
import * as SqlRunnerStorage from "@effect/cluster/SqlRunnerStorage"
import * as Socket from "@effect/platform/Socket"
import type * as SocketServer from "@effect/platform/SocketServer"
import * as RpcClient from "@effect/rpc/RpcClient"
import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import type { SqlClient } from "@effect/sql/SqlClient"
import type { ConfigError } from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import * as reactorRuntime from "./reactorRuntime.js"
import * as reactorSocket from "./reactorSocket.js"
import * as reactorSocketServer from "./reactorSocketServer.js"

/**
 * How long a connection to another runner may take to open before the attempt fails (and the RPC client's retry
 * schedule takes over): a runner on the network answers a SYN in well under this, a dead one never does.
 *
 * @internal
 */
export const OPEN_TIMEOUT_MILLIS = 1000

/** @internal */
export const layerClientProtocol: Layer.Layer<
  Runners.RpcClientProtocol,
  never,
  RpcSerialization.RpcSerialization | ReactorRuntime
> = Layer.scoped(
  Runners.RpcClientProtocol,
  Effect.gen(function*() {
    const serialization = yield* RpcSerialization.RpcSerialization
    const runtime = yield* reactorRuntime.runtimeFor("ReactorClusterSocket.layerClientProtocol")
    const layerScope = yield* Effect.scope
    return (address) =>
      Effect.gen(function*() {
        // Ends with the caller's scope or with this layer, whichever closes first (see the top of this file).
        const scope = yield* Scope.fork(layerScope, ExecutionStrategy.sequential)
        yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
        const socket = yield* reactorSocket.makeNet({
          host: address.host,
          port: address.port,
          noDelay: true,
          openTimeout: OPEN_TIMEOUT_MILLIS
        })
        return yield* RpcClient.makeProtocolSocket().pipe(
          Effect.provideService(Socket.Socket, socket),
          Scope.extend(scope)
        )
      }).pipe(
        Effect.provideService(RpcSerialization.RpcSerialization, serialization),
        Effect.provideService(reactorRuntime.tag, runtime),
        // `makeNet` fails only without a runtime, which was checked above: nothing is left to fail.
        Effect.orDie
      )
  })
)

/** @internal */
export const layerSocketServer: Layer.Layer<
  SocketServer.SocketServer,
  SocketServer.SocketServerError,
  ShardingConfig.ShardingConfig | ReactorRuntime
> = Layer.unwrapEffect(
  Effect.map(
    ShardingConfig.ShardingConfig,
    (config) =>
      Option.match(Option.orElse(config.runnerListenAddress, () => config.runnerAddress), {
        onNone: () =>
          Layer.die(
            "ReactorClusterSocket.layerSocketServer: the ShardingConfig has no runnerListenAddress nor runnerAddress " +
              "(a client-only configuration has nothing to listen on)"
          ),
        onSome: (address) => reactorSocketServer.layer({ host: address.host, port: address.port, noDelay: true })
      })
  )
)

/**
 * Where the cluster keeps its messages and its runners: `"local"` (no message storage, runners in this process's
 * memory), `"sql"` (both through the `SqlClient` provided), `"byo"` (`MessageStorage` and `RunnerStorage` provided).
 *
 * @internal
 */
export type Storage = "local" | "sql" | "byo"

/** @internal */
export interface Options<ClientOnly extends boolean, S extends Storage> {
  readonly serialization?: "msgpack" | "ndjson" | undefined
  readonly serializationMaxBufferSize?: number | "unbounded" | undefined
  readonly clientOnly?: ClientOnly | undefined
  readonly storage?: S | undefined
  readonly shardingConfig?: Partial<ShardingConfig.ShardingConfig["Type"]> | undefined
}

/** @internal */
export type Provides<S extends Storage> =
  | Sharding
  | Runners.Runners
  | ("byo" extends S ? never : MessageStorage.MessageStorage)

/** @internal */
export type Requires<S extends Storage> =
  | ReactorRuntime
  | (
    "local" extends S ? never
      : "byo" extends S ? MessageStorage.MessageStorage | RunnerStorage.RunnerStorage
      : SqlClient
  )

/** @internal */
export type Fails<ClientOnly extends boolean> =
  | ConfigError
  | (ClientOnly extends true ? never : SocketServer.SocketServerError)

type StorageLayers = readonly [
  messages: Layer.Layer<
    MessageStorage.MessageStorage,
    never,
    SqlClient | ShardingConfig.ShardingConfig | MessageStorage.MessageStorage
  >,
  runners: Layer.Layer<
    RunnerStorage.RunnerStorage,
    never,
    SqlClient | ShardingConfig.ShardingConfig | RunnerStorage.RunnerStorage
  >
]

// Per storage choice, where messages and runners are kept; "byo" passes the caller's through, so that every choice
// has the same shape.
const storageLayers: Record<Storage, StorageLayers> = {
  local: [MessageStorage.layerNoop, RunnerStorage.layerMemory],
  sql: [Layer.orDie(SqlMessageStorage.layer), Layer.orDie(SqlRunnerStorage.layer)],
  byo: [
    Layer.effect(MessageStorage.MessageStorage, MessageStorage.MessageStorage),
    Layer.effect(RunnerStorage.RunnerStorage, RunnerStorage.RunnerStorage)
  ]
}

/** @internal */
export const layer = <const ClientOnly extends boolean = false, const S extends Storage = never>(
  options?: Options<ClientOnly, S>
): Layer.Layer<Provides<S>, Fails<ClientOnly>, Requires<S>> => {
  const clientOnly = options?.clientOnly === true
  const storage: Storage = options?.storage ?? "sql"

  const runner: Layer.Layer<
    Sharding | Runners.Runners,
    SocketServer.SocketServerError,
    | Runners.RpcClientProtocol
    | ShardingConfig.ShardingConfig
    | RpcSerialization.RpcSerialization
    | MessageStorage.MessageStorage
    | RunnerStorage.RunnerStorage
    | RunnerHealth.RunnerHealth
    | ReactorRuntime
  > = clientOnly ?
    SocketRunner.layerClientOnly :
    Layer.provide(SocketRunner.layer, layerSocketServer)

  // A client-only member checks no runner's health; a runner pings the others over the same transport.
  const health: Layer.Layer<
    RunnerHealth.RunnerHealth,
    never,
    Runners.RpcClientProtocol | MessageStorage.MessageStorage | ShardingConfig.ShardingConfig
  > = clientOnly ?
    RunnerHealth.layerNoop :
    RunnerHealth.layerPing.pipe(Layer.provide(Runners.layerRpc))

  const [messages, runners] = storageLayers[storage]
  const serialization = options?.serialization === "ndjson" ?
    RpcSerialization.layerNdjsonWith({ maxBufferSize: options.serializationMaxBufferSize }) :
    RpcSerialization.layerMsgPackWith({ maxBufferSize: options?.serializationMaxBufferSize })

  const built = runner.pipe(
    Layer.provide(health),
    Layer.provide(layerClientProtocol),
    Layer.provideMerge(messages),
    Layer.provide(runners),
    Layer.provide(ShardingConfig.layerFromEnv(options?.shardingConfig)),
    Layer.provide(serialization)
  )
  // What each storage choice provides and requires is told by the conditional types, which the branches above
  // cannot narrow to.
  return built as unknown as Layer.Layer<Provides<S>, Fails<ClientOnly>, Requires<S>>
}
