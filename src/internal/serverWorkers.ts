/**
 * A TCP server run in N `worker_threads` Workers, each with a `ReactorRuntime` of its own, all listening on one port
 * with `SO_REUSEPORT` (socket(7)): the kernel hashes each new connection to one of the listening sockets, so no
 * thread hands connections to another.
 *
 * The main thread (`make`), in its scope, outermost first:
 *
 * ```
 * scope ── port reservation: a socket bound to the address with SO_REUSEPORT that never listens, so the kernel
 *    │     never gives it a connection; it holds the port (chosen by the kernel for port 0) across restarts
 *    ├─ stop: every live Worker told to Stop, waited for (terminated after `stopTimeout`)
 *    └─ one supervisor fiber per slot (a worker index), interrupted first
 * ```
 *
 * A slot's Worker (an incarnation) goes through:
 *
 * ```
 * spawned ──Start──▶ starting ──Listening──▶ up ──'exit' (not asked)──▶ dead ──restart──▶ a new incarnation
 *                        └──Failed / 'exit'──▶ failed to start              └──no restart──▶ `join` fails
 * ```
 *
 * A death is a `ServerWorkerError` ("Crashed" when the Worker emitted 'error' — an uncaught exception —, else
 * "Exited" with its exit code); requests in flight to that Worker fail with it. Only a Worker that had been up is
 * restarted: one that cannot start (its listener fails to bind, its program throws at load) would fail again.
 *
 * The Worker (`serve`): waits for Start (its index, the listen options with the reserved port, the channel's port),
 * binds its own listener with SO_REUSEPORT, starts `WorkerRunner.layerSerialized` on the channel when it has request
 * handlers, says Listening, and serves until Stop; then closes its server (the handlers are interrupted, every
 * connection and the listener closed) and the channel, and its thread ends as its loop empties.
 *
 * Two message paths: the control messages (Start, Listening, Failed, Stop) on the Worker's own port, the user's
 * requests on a `MessageChannel` of their own in `@effect/platform`'s Worker protocol (`Worker.Request` /
 * `Worker.Response`), so the Worker side is `WorkerRunner` itself over a small `PlatformRunner` on that port.
 *
 * @internal
 */
import type * as Socket from "@effect/platform/Socket"
import type * as SocketServer from "@effect/platform/SocketServer"
import type * as PlatformWorker from "@effect/platform/Worker"
import { WorkerError } from "@effect/platform/WorkerError"
import * as WorkerRunner from "@effect/platform/WorkerRunner"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as WorkerThreads from "node:worker_threads"
import { IoError } from "../IoError.js"
import type * as ReactorSocketServer from "../ReactorSocketServer.js"
import type * as ServerWorkersApi from "../ServerWorkers.js"
import { ServerWorkerError } from "../ServerWorkers.js"
import * as address from "./address.js"
import * as ioError from "./ioError.js"
import { binding } from "./native.js"
import * as reactorSocket from "./reactorSocket.js"
import * as reactorSocketServer from "./reactorSocketServer.js"
import { show } from "./show.js"
import { openSocket } from "./socket.js"

const constants = binding.constants

// The control messages. Tagged with the module's name so a user's own messages on the Worker's port never match.
const START = "effect-reactor/ServerWorkers/Start"
const LISTENING = "effect-reactor/ServerWorkers/Listening"
const FAILED = "effect-reactor/ServerWorkers/Failed"
const STOP = "effect-reactor/ServerWorkers/Stop"

interface Start {
  readonly _tag: typeof START
  readonly index: number
  readonly listen: ReactorSocketServer.TcpListenOptions
  readonly channel: WorkerThreads.MessagePort
}

const isControl = <T extends string>(message: unknown, tag: T): message is { readonly _tag: T } =>
  typeof message === "object" && message !== null && (message as { readonly _tag?: unknown })._tag === tag

const MAX_WORKERS = 1024

// -------------------------------------------------------------------------------------------------------------------
// The main thread
// -------------------------------------------------------------------------------------------------------------------

/** One Worker of a slot, from its spawn to its exit. */
class Incarnation {
  /** Requests in flight on the channel, by id: each resumed with its answer, or with the Worker's death. */
  readonly pending = new Map<
    number,
    (outcome: Exit.Exit<PlatformWorker.Worker.Response<unknown, unknown>, ServerWorkerError>) => void
  >()
  private nextId = 0
  /** Succeeds at Listening; fails when the Worker failed to start or ended first. */
  readonly listening = Deferred.unsafeMake<void, ServerWorkerError>(FiberId.none)
  /** Completes at 'exit': with the death, or `undefined` when the Worker was asked to stop. */
  readonly exited = Deferred.unsafeMake<ServerWorkerError | undefined>(FiberId.none)
  stopping = false
  /** Set at 'exit': what a request to this Worker fails with from then on. */
  private gone: ServerWorkerError | undefined = undefined
  private error: unknown = undefined

  constructor(
    readonly index: number,
    readonly worker: WorkerThreads.Worker,
    readonly channel: WorkerThreads.MessagePort
  ) {
    // Only the Worker keeps the process alive, as a server should; its channel does not.
    channel.unref()
    channel.on("message", (message: unknown) => {
      // `[0]`: the runner is up; `[1, response]`: an answer.
      if (!Array.isArray(message) || message[0] !== 1) return
      const response = message[1] as PlatformWorker.Worker.Response<unknown, unknown>
      const resume = this.pending.get(response[0])
      if (resume !== undefined) {
        this.pending.delete(response[0])
        resume(Exit.succeed(response))
      }
    })
    worker.on("message", (message: unknown) => {
      if (isControl(message, LISTENING)) Deferred.unsafeDone(this.listening, Exit.void)
      else if (isControl(message, FAILED)) {
        const { message: text } = message as unknown as { readonly message: string }
        const failure = this.failure("Listen", `worker ${index} could not serve: ${text}`)
        Deferred.unsafeDone(this.listening, Exit.fail(failure))
      }
    })
    // An uncaught exception: Node emits 'error', then 'exit' with code 1.
    worker.on("error", (error) => {
      this.error ??= error
    })
    worker.on("exit", (code) => {
      const death = this.stopping ? undefined : this.death(code)
      const gone = death ?? this.failure("Exited", `worker ${index} was stopped`)
      this.gone = gone
      this.channel.close()
      for (const resume of this.pending.values()) resume(Exit.fail(gone))
      this.pending.clear()
      Deferred.unsafeDone(this.listening, Exit.fail(gone))
      Deferred.unsafeDone(this.exited, Exit.succeed(death))
    })
  }

  private failure(reason: ServerWorkerError["reason"], message: string, cause?: unknown): ServerWorkerError {
    return new ServerWorkerError({ reason, index: this.index, message, cause })
  }

  private death(code: number): ServerWorkerError {
    if (this.error !== undefined) {
      const text = this.error instanceof Error ? this.error.message : show(this.error)
      return new ServerWorkerError({
        reason: "Crashed",
        index: this.index,
        exitCode: code,
        message: `worker ${this.index} crashed: ${text}`,
        cause: this.error
      })
    }
    return new ServerWorkerError({
      reason: "Exited",
      index: this.index,
      exitCode: code,
      message: `worker ${this.index} exited with code ${code}`
    })
  }

  /** Sends `request` on the channel; an interruption tells the Worker to interrupt its handler. */
  request<A extends Schema.TaggedRequest.All>(request: A): Effect.Effect<unknown, unknown, unknown> {
    return Effect.flatMap(
      Effect.mapError(
        Schema.serialize(request),
        (cause) => this.failure("Request", `cannot encode ${request._tag}`, cause)
      ),
      (payload) =>
        Effect.flatMap(
          Effect.async<PlatformWorker.Worker.Response<unknown, unknown>, ServerWorkerError>((resume) => {
            if (this.gone !== undefined) return resume(Effect.fail(this.gone))
            const id = this.nextId++
            this.pending.set(id, resume)
            this.channel.postMessage([0, [id, 0, payload, undefined]])
            return Effect.sync(() => {
              if (this.pending.delete(id)) this.channel.postMessage([0, [id, 1]])
            })
          }),
          (response) => this.decode(request, response)
        )
    )
  }

  private decode<A extends Schema.TaggedRequest.All>(
    request: A,
    response: PlatformWorker.Worker.Response<unknown, unknown>
  ): Effect.Effect<unknown, unknown, unknown> {
    // Any TaggedRequest is a WithResult; its variance over `never` failures is what the cast hides.
    const withResult = request as unknown as Schema.WithResult<unknown, unknown, unknown, unknown, unknown>
    const undecodable = (cause: unknown) =>
      this.failure("Request", `cannot decode the answer to ${request._tag}`, cause)
    switch (response[1]) {
      case 0:
        return Effect.mapError(Schema.deserializeSuccess(withResult, response[2][0]), undecodable)
      case 1:
        return response.length === 2
          ? Effect.interrupt
          : Effect.mapError(Schema.deserializeSuccess(withResult, response[2][0]), undecodable)
      case 2:
        return Effect.flatMap(
          Effect.mapError(Schema.deserializeFailure(withResult, response[2]), undecodable),
          Effect.fail
        )
      case 3: {
        // A defect of the handler, or the runner's own failure (a WorkerError): the latter is ours to type.
        const cause = WorkerError.decodeCause(response[2])
        return Effect.failCause(
          Cause.map(cause, (error) => this.failure("Request", `${request._tag}: ${error.message}`, error))
        )
      }
    }
  }

  stop(timeout: Duration.Duration): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.stopping = true
      try {
        this.worker.postMessage({ _tag: STOP })
      } catch {
        // Already gone: 'exit' completes `exited`.
      }
      return Deferred.await(this.exited).pipe(
        Effect.timeout(timeout),
        Effect.catchAll(() =>
          // A Worker that does not end by itself (a handler that ignores interruption, a busy loop): terminate()
          // ends it, and the addon closes whatever fds its environment still owned.
          Effect.zipRight(Effect.promise(() => this.worker.terminate()), Deferred.await(this.exited))
        ),
        Effect.asVoid
      )
    })
  }
}

class Slot {
  current: Incarnation | undefined = undefined
  /** The incarnation to send requests to, once it listens. */
  ready = Deferred.unsafeMake<Incarnation, ServerWorkerError>(FiberId.none)
  constructor(readonly index: number) {}
}

const invalid = (message: string) => new ServerWorkerError({ reason: "InvalidArgument", message })

/** The options, checked; or why not. */
const checkOptions = (options: ServerWorkersApi.Options<any, any, any>): ServerWorkerError | undefined => {
  if (typeof options !== "object" || options === null) return invalid(`options must be an object, got ${show(options)}`)
  if (typeof options.spawn !== "function") return invalid(`spawn must be a function, got ${show(options.spawn)}`)
  if (!Number.isInteger(options.workers) || options.workers < 1 || options.workers > MAX_WORKERS) {
    return invalid(`workers must be an integer in [1, ${MAX_WORKERS}], got ${show(options.workers)}`)
  }
  const listen = options.listen as unknown
  if (typeof listen !== "object" || listen === null) return invalid(`listen must be an object, got ${show(listen)}`)
  if ("path" in listen) {
    // Linux keeps one socket per path: a second bind(2) fails with EADDRINUSE, and since 6.x setsockopt(SO_REUSEPORT)
    // on an AF_UNIX socket fails with EOPNOTSUPP (test/ServerWorkers.test.ts checks both), so there is no group of
    // Unix listeners for the kernel to spread connections over.
    return new ServerWorkerError({
      reason: "Unsupported",
      message: "Linux cannot share a Unix socket path between listeners (SO_REUSEPORT is TCP and UDP only)"
    })
  }
  const settings = reactorSocket.settingsOf(listen)
  if (settings instanceof IoError) return invalid(settings.message)
  if (options.stopTimeout !== undefined && Duration.decodeUnknown(options.stopTimeout)._tag === "None") {
    return invalid(`stopTimeout must be a Duration, got ${show(options.stopTimeout)}`)
  }
  return undefined
}

/**
 * Binds (never listens) a socket with SO_REUSEPORT to the listen address: the port is ours while the scope lasts.
 * The listeners of the Workers join its group; a socket that does not listen is never handed a connection.
 */
const reserve = (
  listen: ReactorSocketServer.TcpListenOptions
): Effect.Effect<SocketServer.TcpAddress, ServerWorkerError, Scope.Scope> =>
  Effect.gen(function*() {
    const { address: host, family } = yield* address.resolveHost(listen.host ?? "127.0.0.1", "bind")
    const port = listen.port ?? 0
    const badPort = address.checkPort(port, "bind")
    if (badPort !== undefined) return yield* Effect.fail(badPort)
    const fd = yield* Effect.acquireRelease(
      ioError.attemptSync(() => {
        const fd = openSocket(family, "stream")
        try {
          if (listen.reuseAddress ?? true) {
            ioError.check(binding.setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEADDR, 1), "setsockopt")
          }
          ioError.check(binding.setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEPORT, 1), "setsockopt")
          ioError.check(binding.bind(fd, host, port), "bind")
          return fd
        } catch (error) {
          binding.close(fd)
          throw error
        }
      }),
      (fd) => Effect.sync(() => binding.close(fd))
    )
    const bound = binding.localAddress(fd)
    if (typeof bound === "number") return yield* Effect.fail(ioError.fromErrno(bound, "getsockname"))
    if (bound.family === "Unix") return yield* Effect.die(new TypeError("an inet socket reported a Unix address"))
    return { _tag: "TcpAddress" as const, hostname: host, port: bound.port }
  }).pipe(
    Effect.mapError((cause) =>
      cause instanceof ServerWorkerError
        ? cause
        : new ServerWorkerError({ reason: "Listen", message: `cannot reserve the port: ${cause.message}`, cause })
    )
  )

/** @internal */
export const make = <A extends Schema.TaggedRequest.All = never, I = never, R = never>(
  options: ServerWorkersApi.Options<A, I, R>
): Effect.Effect<ServerWorkersApi.ServerWorkers<A>, ServerWorkerError, Scope.Scope> =>
  Effect.gen(function*() {
    const bad = checkOptions(options)
    if (bad !== undefined) return yield* Effect.fail(bad)
    const restart = options.restart ?? false
    const stopTimeout = Duration.decode(options.stopTimeout ?? "5 seconds")
    const served = yield* reserve(options.listen)
    const listen: ReactorSocketServer.TcpListenOptions = {
      ...options.listen,
      host: served.hostname,
      port: served.port,
      reusePort: true
    }
    const deaths = yield* PubSub.unbounded<ServerWorkerError>()
    const failed = yield* Deferred.make<never, ServerWorkerError>()
    const slots = Array.from({ length: options.workers }, (_, index) => new Slot(index))
    let closing = false

    const stopAll = Effect.suspend(() => {
      closing = true
      return Effect.forEach(slots, (slot) => slot.current?.stop(stopTimeout) ?? Effect.void, {
        concurrency: "unbounded",
        discard: true
      })
    })
    // Registered before any Worker exists, so none outlives the scope.
    yield* Effect.addFinalizer(() => stopAll)

    /** Spawns the slot's next Worker and tells it to start; its `listening` says how that went. */
    const spawn = (slot: Slot): Effect.Effect<Incarnation, ServerWorkerError> =>
      Effect.suspend(() => {
        let worker: WorkerThreads.Worker
        try {
          worker = options.spawn(slot.index)
        } catch (cause) {
          return Effect.fail(
            new ServerWorkerError({ reason: "Spawn", index: slot.index, message: `spawn(${slot.index}) threw`, cause })
          )
        }
        if (!(worker instanceof WorkerThreads.Worker)) {
          return Effect.fail(invalid(`spawn(${slot.index}) must return a worker_threads Worker, got ${show(worker)}`))
        }
        const { port1, port2 } = new WorkerThreads.MessageChannel()
        const incarnation = new Incarnation(slot.index, worker, port1)
        slot.current = incarnation
        const start: Start = { _tag: START, index: slot.index, listen, channel: port2 }
        worker.postMessage(start, [port2])
        return Effect.succeed(incarnation)
      })

    /** Waits for the slot's Worker to listen; then hands it to requests. */
    const startSlot = (slot: Slot): Effect.Effect<void, ServerWorkerError> =>
      Effect.flatMap(spawn(slot), (incarnation) =>
        Effect.tap(Deferred.await(incarnation.listening), () =>
          Deferred.succeed(slot.ready, incarnation)))

    const supervise = (slot: Slot): Effect.Effect<void> =>
      Effect.gen(function*() {
        while (true) {
          const death = yield* Deferred.await(slot.current!.exited)
          if (death === undefined || closing) {
            return
          }
          if (!restart) {
            slot.ready = yield* Deferred.make<Incarnation, ServerWorkerError>()
            yield* Deferred.fail(slot.ready, death)
            yield* PubSub.publish(deaths, death)
            yield* Deferred.fail(failed, death)
            return
          }
          // Requests from now on wait for the next Worker: the slot is replaced before the death is told.
          slot.ready = yield* Deferred.make<Incarnation, ServerWorkerError>()
          yield* PubSub.publish(deaths, death)
          const restarted = yield* Effect.either(startSlot(slot))
          if (restarted._tag === "Left") {
            yield* Deferred.fail(slot.ready, restarted.left)
            yield* Deferred.fail(failed, restarted.left)
            return
          }
        }
      })

    // Every Worker listens before `make` returns; if one cannot, the others are stopped and `make` fails.
    yield* Effect.forEach(slots, startSlot, { concurrency: "unbounded", discard: true }).pipe(
      Effect.onError(() =>
        stopAll
      )
    )
    for (const slot of slots) yield* Effect.forkScoped(supervise(slot))

    const ready: Effect.Effect<void, ServerWorkerError> = Effect.forEach(
      slots,
      (slot) => Effect.suspend(() => Deferred.await(slot.ready)),
      { discard: true }
    )

    const request = (index: number, message: A): Effect.Effect<unknown, unknown, unknown> =>
      Effect.suspend(() => {
        const slot = slots[index]
        if (!Number.isInteger(index) || slot === undefined) {
          return Effect.fail(invalid(`index must be an integer in [0, ${slots.length - 1}], got ${show(index)}`))
        }
        return Effect.flatMap(Deferred.await(slot.ready), (incarnation) => incarnation.request(message))
      })

    const handle: ServerWorkersApi.ServerWorkers<A> = {
      address: served,
      workers: slots.length,
      request: request as ServerWorkersApi.ServerWorkers<A>["request"],
      broadcast: ((message: A) =>
        Effect.forEach(slots, (slot) => request(slot.index, message), {
          concurrency: "unbounded"
        })) as ServerWorkersApi.ServerWorkers<A>["broadcast"],
      ready,
      deaths: PubSub.subscribe(deaths) as Effect.Effect<Queue.Dequeue<ServerWorkerError>, never, Scope.Scope>,
      join: Deferred.await(failed)
    }
    return handle
  })

// -------------------------------------------------------------------------------------------------------------------
// The Worker
// -------------------------------------------------------------------------------------------------------------------

/** `@effect/platform`'s `PlatformRunner` on a `MessagePort`: the Worker side of the request channel. */
const runnerOn = (port: WorkerThreads.MessagePort): WorkerRunner.PlatformRunner =>
  WorkerRunner.PlatformRunner.of({
    [WorkerRunner.PlatformRunnerTypeId]: WorkerRunner.PlatformRunnerTypeId,
    start: <I, O>() =>
      Effect.succeed<WorkerRunner.BackingRunner<I, O>>({
        run: <A, E, R>(handler: (portId: number, message: I) => Effect.Effect<A, E, R> | void) =>
          Effect.gen(function*() {
            const fibers = yield* FiberSet.make<A, E>()
            const runFork = yield* FiberSet.runtime(fibers)<R>()
            const onMessage = (message: WorkerRunner.BackingRunner.Message<I>) => {
              // `[1]` (close) is not used: the Worker ends on the control message Stop.
              if (message[0] !== 0) return
              const result = handler(0, message[1])
              if (Effect.isEffect(result)) runFork(result)
            }
            port.on("message", onMessage)
            yield* Effect.addFinalizer(() => Effect.sync(() => port.off("message", onMessage)))
            port.postMessage([0])
          }),
        send: (_portId, message, transfers) =>
          Effect.sync(() => port.postMessage([1, message], transfers as ReadonlyArray<WorkerThreads.Transferable>))
      })
  })

const notInWorker = () =>
  new ServerWorkerError({
    reason: "Spawn",
    message: "ServerWorkers.serve runs in a Worker started by ServerWorkers.make, not on the main thread"
  })

/**
 * Our control messages on the Worker's port, listened for from the start: a Stop that arrives while the Worker is
 * still binding (the scope closing during start-up) must not be missed. The listener goes with the scope.
 */
const listenControl = (
  parent: WorkerThreads.MessagePort
): Effect.Effect<
  { readonly start: Deferred.Deferred<Start>; readonly stop: Deferred.Deferred<void> },
  never,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const start = yield* Deferred.make<Start>()
    const stop = yield* Deferred.make<void>()
    const onMessage = (message: unknown) => {
      if (isControl(message, START)) Deferred.unsafeDone(start, Exit.succeed(message as unknown as Start))
      else if (isControl(message, STOP)) Deferred.unsafeDone(stop, Exit.void)
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => parent.on("message", onMessage)),
      () => Effect.sync(() => parent.off("message", onMessage))
    )
    return { start, stop }
  })

/** @internal */
export const serve = <E, R, A extends Schema.TaggedRequest.All, I, RS, Handlers>(
  options: {
    readonly handler: (socket: Socket.Socket) => Effect.Effect<unknown, E, R>
    readonly requests?: Schema.Schema<A, I, RS> | undefined
    readonly handlers?: Handlers | undefined
  }
): Effect.Effect<void, ServerWorkerError, any> =>
  Effect.gen(function*() {
    const parent = WorkerThreads.parentPort
    if (WorkerThreads.isMainThread || parent === null) return yield* Effect.fail(notInWorker())
    if (typeof options?.handler !== "function") {
      return yield* Effect.fail(invalid(`handler must be a function, got ${show(options?.handler)}`))
    }
    if ((options.requests === undefined) !== (options.handlers === undefined)) {
      return yield* Effect.fail(invalid("requests and handlers go together: give both or neither"))
    }
    const failed = (message: string) => Effect.sync(() => parent.postMessage({ _tag: FAILED, message }))
    yield* Effect.scoped(Effect.gen(function*() {
      const scope = yield* Effect.scope
      const control = yield* listenControl(parent)
      const start = yield* Deferred.await(control.start)
      yield* Effect.addFinalizer(() => Effect.sync(() => start.channel.close()))
      const server = yield* reactorSocketServer.make(start.listen).pipe(
        Effect.tapError((error) => failed(String((error.cause as { message?: unknown })?.message ?? error.message))),
        Effect.mapError((cause) =>
          new ServerWorkerError({ reason: "Listen", index: start.index, message: cause.message, cause })
        )
      )
      if (options.requests !== undefined) {
        const runner = WorkerRunner.layerSerialized(options.requests, options.handlers as any).pipe(
          Layer.provide(Layer.succeed(WorkerRunner.PlatformRunner, runnerOn(start.channel)))
        )
        yield* Layer.buildWithScope(runner, scope).pipe(
          Effect.tapError((error) => failed(error.message)),
          Effect.mapError((cause) =>
            new ServerWorkerError({ reason: "Spawn", index: start.index, message: cause.message, cause })
          )
        )
      }
      parent.postMessage({ _tag: LISTENING })
      // Until Stop; closing the scope interrupts the handlers, closes every connection, then the listener.
      yield* Effect.raceFirst(server.run(options.handler), Deferred.await(control.stop)).pipe(
        Effect.catchAll((error) =>
          Effect.fail(
            new ServerWorkerError({ reason: "Listen", index: start.index, message: error.message, cause: error })
          )
        )
      )
    }))
  })
