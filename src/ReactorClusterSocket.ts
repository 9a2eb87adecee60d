/**
 * `@effect/cluster` over our sockets: a drop-in for `@effect/platform-node`'s `NodeClusterSocket`, with the same
 * layers and option shapes.
 *
 * - `layerClientProtocol`: how a runner (or a client-only member) reaches another runner, a `ReactorSocket` per
 *   `RunnerAddress`, speaking `@effect/rpc`'s socket protocol.
 * - `layerSocketServer`: the `ReactorSocketServer` a runner listens on, bound to `ShardingConfig`'s
 *   `runnerListenAddress` (or its `runnerAddress`).
 * - `layer(options)`: a whole runner (or client) with storage, serialization and configuration chosen by `options`.
 *
 * Import it from `"effect-reactor/ReactorClusterSocket"`: the package's root does not load it, so `@effect/cluster`
 * stays an optional peer dependency that only its users install.
 *
 * Every layer requires the `ReactorRuntime`: provide `ReactorRuntime.layer`. Runners in separate processes agree on
 * who owns which shard through `RunnerStorage` alone, so they must share one: `storage: "sql"` (or a
 * `SqlRunnerStorage` of your own with `storage: "byo"`) over a database they all reach. `storage: "local"` keeps
 * runners in this process's memory and suits a single process.
 *
 * Connections to other runners open within 1 second or fail (the RPC client then retries), and both directions set
 * `TCP_NODELAY`, since cluster traffic is small frames that wait for a reply. A connection never outlives the layer.
 *
 * Ending a program: when a runner goes away while calls to it are in flight, `@effect/cluster` 0.60 keeps an idle RPC
 * client to it that nothing closes (Effect-TS/effect#7515), and that client keeps Node's event loop alive. This
 * transport closes the client's connection with the layer; end the program with `process.exit` (as
 * `NodeRuntime.runMain` does) rather than wait for the loop to drain.
 *
 * Not here: `NodeClusterSocket`'s Kubernetes health check (`runnerHealth: "k8s"`). It calls the Kubernetes API over
 * HTTPS with the pod's service-account files, and this package ships neither an HTTP client nor a `FileSystem`.
 * Runners check each other by pinging over these sockets, which needs neither. To use the Kubernetes check anyway,
 * compose `SocketRunner.layer` with `layerSocketServer`, `layerClientProtocol` and `RunnerHealth.layerK8s`.
 *
 * @since 0.1.0
 */
import type * as Runners from "@effect/cluster/Runners"
import type * as ShardingConfig from "@effect/cluster/ShardingConfig"
import type * as SocketServer from "@effect/platform/SocketServer"
import type * as RpcSerialization from "@effect/rpc/RpcSerialization"
import type * as Layer from "effect/Layer"
import * as internal from "./internal/reactorClusterSocket.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"

/**
 * How a member reaches another runner: one `ReactorSocket` connection per `RunnerAddress`, opened within 1 second,
 * carrying `@effect/rpc` frames in the `RpcSerialization` provided. Swap it for
 * `NodeClusterSocket.layerClientProtocol`.
 *
 * @example
 * ```ts
 * import { SocketRunner } from "@effect/cluster"
 * import { RpcSerialization } from "@effect/rpc"
 * import { Layer } from "effect"
 * import { ReactorRuntime } from "effect-reactor"
 * import * as ReactorClusterSocket from "effect-reactor/ReactorClusterSocket"
 *
 * const ClientOnly = SocketRunner.layerClientOnly.pipe(
 *   Layer.provide(ReactorClusterSocket.layerClientProtocol),
 *   Layer.provide([RpcSerialization.layerMsgPack, ReactorRuntime.layer])
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClientProtocol: Layer.Layer<
  Runners.RpcClientProtocol,
  never,
  RpcSerialization.RpcSerialization | ReactorRuntime
> = internal.layerClientProtocol

/**
 * The `SocketServer` a runner listens on: a `ReactorSocketServer` bound to `ShardingConfig`'s `runnerListenAddress`,
 * or its `runnerAddress` when that is `None`. A configuration with neither (client-only) is a defect. Swap it for
 * `NodeClusterSocket.layerSocketServer`.
 *
 * @example
 * ```ts
 * import { RunnerAddress, ShardingConfig } from "@effect/cluster"
 * import { Layer, Option } from "effect"
 * import { ReactorRuntime } from "effect-reactor"
 * import * as ReactorClusterSocket from "effect-reactor/ReactorClusterSocket"
 *
 * const runnerAddress = Option.some(RunnerAddress.make("127.0.0.1", 34431))
 * const ServerLive = ReactorClusterSocket.layerSocketServer.pipe(
 *   Layer.provide(ShardingConfig.layer({ runnerAddress })),
 *   Layer.provide(ReactorRuntime.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSocketServer: Layer.Layer<
  SocketServer.SocketServer,
  SocketServer.SocketServerError,
  ShardingConfig.ShardingConfig | ReactorRuntime
> = internal.layerSocketServer

/**
 * Where the cluster keeps its state:
 *
 * - `"local"`: no message storage, and runners registered in this process's memory (`RunnerStorage.layerMemory`):
 *   one process only, since runners elsewhere cannot see it;
 * - `"sql"` (the default): messages and runners in the database of the `SqlClient` you provide (`SqlMessageStorage`,
 *   `SqlRunnerStorage`), which every runner shares;
 * - `"byo"`: the `MessageStorage` and `RunnerStorage` you provide.
 *
 * @example
 * ```ts
 * import type * as ReactorClusterSocket from "effect-reactor/ReactorClusterSocket"
 *
 * const storage: ReactorClusterSocket.Storage = "byo"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Storage = internal.Storage

/**
 * The options of `layer`, as `NodeClusterSocket.layer`'s without `runnerHealth` (runners always check each other by
 * ping):
 *
 * - `serialization`: `"msgpack"` (the default) or `"ndjson"`, with `serializationMaxBufferSize`;
 * - `clientOnly`: a member that sends to entities but hosts none, and listens on nothing;
 * - `storage`: see `Storage`;
 * - `shardingConfig`: overrides the `ShardingConfig` read from the environment (`RUNNER_ADDRESS`-style constant-case
 *   variables, see `ShardingConfig.configFromEnv`).
 *
 * @example
 * ```ts
 * import { RunnerAddress } from "@effect/cluster"
 * import { Option } from "effect"
 * import type * as ReactorClusterSocket from "effect-reactor/ReactorClusterSocket"
 *
 * const options: ReactorClusterSocket.Options<false, "local"> = {
 *   storage: "local",
 *   shardingConfig: { runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", 34431)) }
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<ClientOnly extends boolean, S extends Storage> extends internal.Options<ClientOnly, S> {}

/**
 * What `layer` provides: `Sharding` and `Runners`, and the `MessageStorage` it built (none with `"byo"`).
 *
 * @example
 * ```ts
 * import type { Sharding } from "@effect/cluster"
 * import type * as ReactorClusterSocket from "effect-reactor/ReactorClusterSocket"
 *
 * type HasSharding = Sharding.Sharding extends ReactorClusterSocket.Provides<"local"> ? true : false
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Provides<S extends Storage> = internal.Provides<S>

/**
 * What `layer` requires: the `ReactorRuntime`, and the `SqlClient` (`"sql"`) or the `MessageStorage` and
 * `RunnerStorage` (`"byo"`).
 *
 * @example
 * ```ts
 * import type { ReactorRuntime } from "effect-reactor"
 * import type * as ReactorClusterSocket from "effect-reactor/ReactorClusterSocket"
 *
 * type OnlyTheRuntime = ReactorClusterSocket.Requires<"local"> extends ReactorRuntime.ReactorRuntime ? true : false
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Requires<S extends Storage> = internal.Requires<S>

/**
 * How `layer` can fail: a `ConfigError` from the environment, and a `SocketServerError` when a runner cannot listen.
 *
 * @example
 * ```ts
 * import type * as ReactorClusterSocket from "effect-reactor/ReactorClusterSocket"
 *
 * type ClientFailure = ReactorClusterSocket.Fails<true>
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Fails<ClientOnly extends boolean> = internal.Fails<ClientOnly>

/**
 * A runner (or, with `clientOnly`, a member that only sends) on our sockets: `SocketRunner` with `layerSocketServer`
 * and `layerClientProtocol`, runner health by ping, the storage of `options.storage`, the `ShardingConfig` from the
 * environment overridden by `options.shardingConfig`, and msgpack or ndjson serialization. Provide
 * `ReactorRuntime.layer`, plus the `SqlClient` (`"sql"`) or the two storages (`"byo"`).
 *
 * @example
 * ```ts
 * import { RunnerAddress } from "@effect/cluster"
 * import { Layer, Option } from "effect"
 * import { ReactorRuntime } from "effect-reactor"
 * import * as ReactorClusterSocket from "effect-reactor/ReactorClusterSocket"
 *
 * // One runner in one process, listening on 127.0.0.1:34431.
 * const RunnerLive = ReactorClusterSocket.layer({
 *   storage: "local",
 *   shardingConfig: { runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", 34431)) }
 * }).pipe(Layer.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: <const ClientOnly extends boolean = false, const S extends Storage = never>(
  options?: Options<ClientOnly, S>
) => Layer.Layer<Provides<S>, Fails<ClientOnly>, Requires<S>> = internal.layer
