/**
 * One TCP server, N threads: a server run in N `worker_threads` Workers, each with a `ReactorRuntime` of its own (its
 * poller, reactor and executor), all listening on one port with `SO_REUSEPORT`, so the kernel spreads the connections
 * over them and no thread hands connections to another — the way tokio and smol run a reactor per thread, and what
 * `node:cluster` does with processes.
 *
 * Two halves, as `@effect/platform`'s `Worker` and `WorkerRunner`:
 * - the Worker's module (the handler lives there) runs `serve` with its connection handler and, optionally, the
 *   handlers of a `Schema` union of requests;
 * - the main thread runs `make`, which spawns the Workers (with `spawn`, so the Worker's options are yours), holds the
 *   port, and owns them in its scope: closing it stops every Worker (its connections and listener closed) and waits
 *   for its thread to end. A Worker that dies is a `ServerWorkerError` (`join` fails with it, or it is restarted with
 *   `restart: true`, and told on `deaths` either way), and `request` / `broadcast` reach the Workers' handlers, typed
 *   by the schema, to read or aggregate their state.
 *
 * A failure or defect in one connection's handler is logged and ends that connection only (as in
 * `ReactorSocketServer`); an exception thrown outside any Effect (an uncaught one) ends its Worker, a death like any.
 * TCP only: Linux cannot share a Unix socket path between listeners.
 *
 * @since 0.1.0
 */
import type * as Socket from "@effect/platform/Socket"
import type * as SocketServer from "@effect/platform/SocketServer"
import type * as WorkerRunner from "@effect/platform/WorkerRunner"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Queue from "effect/Queue"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as WorkerThreads from "node:worker_threads"
import * as internal from "./internal/serverWorkers.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"
import type * as ReactorSocketServer from "./ReactorSocketServer.js"

/**
 * What went wrong, by `reason`:
 * - `"InvalidArgument"`: an option is not what it should be (the message names it);
 * - `"Unsupported"`: a Unix socket path (Linux cannot share one between listeners);
 * - `"Spawn"`: `spawn` threw, or `serve` ran outside a Worker `make` started, or its request handlers did not start;
 * - `"Listen"`: the port could not be reserved, or a Worker could not listen (the `cause` says why);
 * - `"Exited"`: a Worker's thread ended without being asked (`exitCode`), or ended before it listened;
 * - `"Crashed"`: a Worker ended on an uncaught exception (the `cause`);
 * - `"Request"`: a request or its answer could not be encoded or decoded, or the Worker's runner failed.
 *
 * `index` is the Worker's, when one is concerned.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ServerWorkers } from "effect-reactor"
 *
 * const describe = (error: ServerWorkers.ServerWorkerError) =>
 *   error.reason === "Crashed" ? `worker ${error.index} crashed` : error.message
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerWorkerError extends Data.TaggedError("ServerWorkerError")<{
  readonly reason: "InvalidArgument" | "Unsupported" | "Spawn" | "Listen" | "Exited" | "Crashed" | "Request"
  readonly index?: number | undefined
  readonly exitCode?: number | undefined
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * The options of `make`:
 * - `spawn(index)`: a new `Worker` running a module that calls `serve` (it is called again for a restart);
 * - `workers`: how many (one per core is the usual choice; `os.availableParallelism()`);
 * - `listen`: where, as `ReactorSocketServer.TcpListenOptions` (`reusePort` is always on; port 0 lets the kernel
 *   choose, read it back from `address`);
 * - `requests`: the `Schema` of the requests the Workers' `serve` handles; it types `request` and `broadcast`;
 * - `restart`: start a new Worker in place of one that died, once it had been listening (default `false`: the
 *   first death fails `join`);
 * - `stopTimeout`: how long closing the scope waits for each Worker to end before it terminates it (default 5 s).
 *
 * @example
 * ```ts
 * import type { ServerWorkers } from "effect-reactor"
 * import { Worker } from "node:worker_threads"
 *
 * const options: ServerWorkers.Options = {
 *   spawn: () => new Worker(new URL("./server-worker.js", import.meta.url)),
 *   workers: 2,
 *   listen: { host: "127.0.0.1", port: 8080 },
 *   restart: true
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<A extends Schema.TaggedRequest.All = never, I = never, R = never> {
  readonly spawn: (index: number) => WorkerThreads.Worker
  readonly workers: number
  readonly listen: ReactorSocketServer.TcpListenOptions
  readonly requests?: Schema.Schema<A, I, R> | undefined
  readonly restart?: boolean | undefined
  readonly stopTimeout?: Duration.DurationInput | undefined
}

/**
 * The running Workers, as `make` returns them once every one listens:
 * - `address`: the address they all listen on;
 * - `workers`: how many;
 * - `request(index, request)`: the answer of Worker `index`'s handler (it waits while that Worker restarts);
 * - `broadcast(request)`: every Worker's answer, in index order — to aggregate per-Worker state;
 * - `ready`: waits until every Worker listens (after a restart, until the new one does);
 * - `deaths`: a subscription, in the current scope, to every death from now on;
 * - `join`: fails with the first death when `restart` is off (or with a restart that failed); never succeeds.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { ServerWorkers } from "effect-reactor"
 *
 * const port = (workers: ServerWorkers.ServerWorkers) => workers.address.port
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerWorkers<A extends Schema.TaggedRequest.All = never> {
  readonly address: SocketServer.TcpAddress
  readonly workers: number
  readonly request: <Req extends A>(
    index: number,
    request: Req
  ) => Effect.Effect<
    Schema.WithResult.Success<Req>,
    Schema.WithResult.Failure<Req> | ServerWorkerError,
    Schema.SerializableWithResult.Context<Req>
  >
  readonly broadcast: <Req extends A>(
    request: Req
  ) => Effect.Effect<
    Array<Schema.WithResult.Success<Req>>,
    Schema.WithResult.Failure<Req> | ServerWorkerError,
    Schema.SerializableWithResult.Context<Req>
  >
  readonly ready: Effect.Effect<void, ServerWorkerError>
  readonly deaths: Effect.Effect<Queue.Dequeue<ServerWorkerError>, never, Scope.Scope>
  readonly join: Effect.Effect<never, ServerWorkerError>
}

/**
 * Starts `workers` Workers with `spawn`, each listening on `listen` with `SO_REUSEPORT`, and succeeds once all of them
 * listen. The current scope owns them: closing it stops each one (its handlers interrupted, its connections and
 * listener closed, its thread ended; terminated after `stopTimeout`) and releases the port.
 *
 * A Worker that dies before it listens fails `make`; one that lives but never calls `serve` (a wrong entry file) keeps
 * it waiting, as a Worker that never answers keeps `@effect/platform`'s Worker waiting: bound the start with
 * `Effect.timeout` when the entry is not yours.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { ServerWorkers } from "effect-reactor"
 * import { Worker } from "node:worker_threads"
 *
 * // Shared by both halves: what the main thread may ask each Worker.
 * class Connections extends Schema.TaggedRequest<Connections>()("Connections", {
 *   failure: Schema.Never,
 *   success: Schema.Number,
 *   payload: {}
 * }) {}
 *
 * const program = Effect.gen(function*() {
 *   const workers = yield* ServerWorkers.make({
 *     spawn: () => new Worker(new URL("./server-worker.js", import.meta.url)),
 *     workers: 2,
 *     listen: { host: "127.0.0.1", port: 0 },
 *     requests: Connections
 *   })
 *   const counts = yield* workers.broadcast(new Connections())
 *   console.log(workers.address.port, counts.reduce((a, b) => a + b, 0))
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <A extends Schema.TaggedRequest.All = never, I = never, R = never>(
  options: Options<A, I, R>
) => Effect.Effect<ServerWorkers<A>, ServerWorkerError, Scope.Scope> = internal.make

/**
 * The Worker's half: waits for `make`'s start message, listens on its address with `SO_REUSEPORT` on this thread's
 * `ReactorRuntime` (provide `ReactorRuntime.layer`), and runs `handler` for each connection (as
 * `SocketServer.run`), answering `requests` with `handlers` (as `WorkerRunner.layerSerialized`; handlers return
 * Effects), until the main thread stops it; then it closes everything and ends, and the thread with it.
 *
 * @example
 * ```ts
 * // server-worker.ts
 * import { Effect, Ref, Schema } from "effect"
 * import { ReactorRuntime, ServerWorkers } from "effect-reactor"
 *
 * class Connections extends Schema.TaggedRequest<Connections>()("Connections", {
 *   failure: Schema.Never,
 *   success: Schema.Number,
 *   payload: {}
 * }) {}
 *
 * const program = Effect.gen(function*() {
 *   const accepted = yield* Ref.make(0)
 *   yield* ServerWorkers.serve({
 *     handler: (socket) =>
 *       Effect.zipRight(Ref.update(accepted, (n) => n + 1), Effect.scoped(
 *         Effect.flatMap(socket.writer, (write) => socket.run((chunk) => write(chunk)))
 *       )),
 *     requests: Connections,
 *     handlers: { Connections: () => Ref.get(accepted) }
 *   })
 * })
 *
 * Effect.runFork(program.pipe(Effect.provide(ReactorRuntime.layer)))
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const serve: {
  <
    E,
    R,
    A extends Schema.TaggedRequest.All,
    I,
    RS,
    const Handlers extends WorkerRunner.SerializedRunner.Handlers<A>
  >(options: {
    readonly handler: (socket: Socket.Socket) => Effect.Effect<unknown, E, R>
    readonly requests: Schema.Schema<A, I, RS>
    readonly handlers: Handlers
  }): Effect.Effect<
    void,
    ServerWorkerError,
    ReactorRuntime | R | RS | WorkerRunner.SerializedRunner.HandlersContext<Handlers>
  >
  <E, R>(options: {
    readonly handler: (socket: Socket.Socket) => Effect.Effect<unknown, E, R>
  }): Effect.Effect<void, ServerWorkerError, ReactorRuntime | R>
} = internal.serve
