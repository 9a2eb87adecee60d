/**
 * `@effect/rpc` end to end over our socket layers: the client on `RpcClient.layerProtocolSocket` over
 * `ReactorSocket.layerNet`, the server on `RpcServer.layerProtocolSocketServer` over `ReactorSocketServer.layer`, with
 * ndjson, msgpack and (newline-framed) JSON-RPC serialization, over TCP on 127.0.0.1 (and ndjson over Unix sockets).
 */
import * as SocketServer from "@effect/platform/SocketServer"
import { RpcClient, RpcSerialization, RpcServer } from "@effect/rpc"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as ReactorSocket from "../src/ReactorSocket.js"
import * as ReactorSocketServer from "../src/ReactorSocketServer.js"
import { runExample } from "./utils/examples.js"
import { AuthClientLive, AuthLive, HandlersLive, Probe, ProbeLive, Rpcs, RpcsClient, User } from "./utils/rpcSchemas.js"

interface Setup {
  readonly name: string
  readonly serialization: Layer.Layer<RpcSerialization.RpcSerialization>
  readonly listen: () => ReactorSocketServer.ListenOptions
}

const setups: ReadonlyArray<Setup> = [
  { name: "ndjson over tcp", serialization: RpcSerialization.layerNdjson, listen: () => ({ host: "127.0.0.1" }) },
  { name: "msgpack over tcp", serialization: RpcSerialization.layerMsgPack, listen: () => ({ host: "127.0.0.1" }) },
  {
    name: "jsonrpc over tcp",
    serialization: RpcSerialization.layerNdJsonRpc(),
    listen: () => ({ host: "127.0.0.1" })
  },
  {
    name: "ndjson over unix",
    serialization: RpcSerialization.layerNdjson,
    listen: () => ({ path: Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "reactor-rpc-")), "rpc.sock") })
  }
]

/** The client's socket reaches the server at the address it is really bound to. */
const SocketLive = Layer.unwrapEffect(Effect.map(SocketServer.SocketServer, (server) =>
  ReactorSocket.layerNet(
    server.address._tag === "TcpAddress" ?
      { host: server.address.hostname, port: server.address.port } :
      { path: server.address.path }
  )))

const makeLayer = (setup: Setup, listen: ReactorSocketServer.ListenOptions) => {
  const ServerLive = RpcServer.layer(Rpcs).pipe(
    Layer.provide([HandlersLive, AuthLive]),
    Layer.provide(RpcServer.layerProtocolSocketServer)
  )
  const ClientLive = Layer.scoped(RpcsClient, RpcClient.make(Rpcs)).pipe(
    Layer.provide(AuthClientLive),
    Layer.provide(RpcClient.layerProtocolSocket()),
    Layer.provide(SocketLive)
  )
  return Layer.mergeAll(ClientLive, ServerLive).pipe(
    Layer.provideMerge(ReactorSocketServer.layer(listen)),
    Layer.provideMerge(ProbeLive),
    Layer.provide(setup.serialization),
    Layer.provide(ReactorRuntime.layer)
  )
}

for (const setup of setups) {
  describe(`rpc e2e, ${setup.name}`, () => {
    const test = <A, E>(
      name: string,
      body: (
        listen: ReactorSocketServer.ListenOptions
      ) => Effect.Effect<A, E, RpcsClient | Probe | SocketServer.SocketServer>
    ) =>
      it.live(name, () => {
        const listen = setup.listen()
        return Effect.suspend(() => body(listen)).pipe(
          Effect.timeout("10 seconds"),
          Effect.provide(makeLayer(setup, listen))
        )
      })

    test("a plain call", () =>
      Effect.gen(function*() {
        const client = yield* RpcsClient
        const user = yield* client.GetUser({ id: "1" })
        expect(user).toBeInstanceOf(User)
        expect(user).toStrictEqual(new User({ id: "1", name: "user 1" }))
      }))

    test("concurrent calls on one connection", () =>
      Effect.gen(function*() {
        const client = yield* RpcsClient
        const users = yield* Effect.forEach(
          Array.from({ length: 50 }, (_, i) => String(i)),
          (id) => client.GetUser({ id }),
          { concurrency: "unbounded" }
        )
        expect(users.map((user) => user.id)).toStrictEqual(Array.from({ length: 50 }, (_, i) => String(i)))
      }))

    test("a nested method", () =>
      Effect.gen(function*() {
        const client = yield* RpcsClient
        expect(yield* client.nested.Echo({ text: "deep" })).toBe("deep")
      }))

    test("an Option success is not flattened", () =>
      Effect.gen(function*() {
        const client = yield* RpcsClient
        const found = yield* client.FindUser({ id: "7" })
        expect(Option.isOption(found)).toBe(true)
        expect(found).toStrictEqual(Option.some(new User({ id: "7", name: "found" })))
        expect(yield* client.FindUser({ id: "none" })).toStrictEqual(Option.none())
      }))

    test("headers reach the handler, from the fiber and from the call", () =>
      Effect.gen(function*() {
        const client = yield* RpcsClient
        expect(yield* client.GetHeader({ name: "x-test" })).toStrictEqual(Option.none())
        expect(yield* client.GetHeader({ name: "x-test" }).pipe(RpcClient.withHeaders({ "x-test": "fiber" })))
          .toStrictEqual(Option.some("fiber"))
        expect(yield* client.GetHeader({ name: "x-call" }, { headers: { "x-call": "call" } }))
          .toStrictEqual(Option.some("call"))
      }))

    test("a stream, whose interruption reaches the server", () =>
      Effect.gen(function*() {
        const client = yield* RpcsClient
        const probe = yield* Probe
        const first = yield* client.Count({ from: 10 }).pipe(Stream.take(5), Stream.runCollect)
        expect(Chunk.toReadonlyArray(first)).toStrictEqual([10, 11, 12, 13, 14])
        // The stream never ends by itself: taking 5 interrupted it, and the server saw that.
        yield* Deferred.await(probe.countInterrupted)
      }))

    test("a stream is backpressured by a consumer that stops pulling", () =>
      Effect.gen(function*() {
        const client = yield* RpcsClient
        const probe = yield* Probe
        // The consumer pulls one chunk per demand, and nothing without one.
        const demand = yield* Queue.unbounded<void>()
        const pulled = yield* Queue.unbounded<Chunk.Chunk<number>>()
        const consumer = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
          const pull = yield* Stream.toPull(client.Count({ from: 0 }, { streamBufferSize: 4 }))
          for (;;) {
            yield* Queue.take(demand)
            yield* Queue.offer(pulled, yield* pull)
          }
        })))
        const pullChunk = Effect.zipRight(
          Queue.offer(demand, undefined),
          Effect.map(Queue.take(pulled), Chunk.toReadonlyArray)
        )
        const seen = [...(yield* pullChunk)]
        expect(seen[0]).toBe(0)
        // Calls on the same connection, one after the other: each is a round trip through the server's reads, handlers
        // and writes, turns in which a stream that ignored the consumer would go on emitting.
        const roundTrips = Effect.repeatN(client.GetUser({ id: "x" }), 19)
        yield* roundTrips
        const stalled = yield* Ref.get(probe.emitted)
        expect(stalled).toBeLessThan(100)
        yield* roundTrips
        expect(yield* Ref.get(probe.emitted)).toBe(stalled)
        // The control: pulling again resumes the same stream, in order, and the server emits past where it stopped.
        for (let i = 0; i < 1000 && (yield* Ref.get(probe.emitted)) <= stalled; i++) {
          seen.push(...(yield* pullChunk))
        }
        expect(yield* Ref.get(probe.emitted)).toBeGreaterThan(stalled)
        expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i))
        yield* Fiber.interrupt(consumer)
        yield* Deferred.await(probe.countInterrupted)
      }))

    test("a defect", () =>
      Effect.gen(function*() {
        const client = yield* RpcsClient
        // The call's cause as a value (a success fails the test here).
        const cause = yield* Effect.flip(Effect.sandbox(client.Die({ message: "boom" })))
        expect(Cause.isDie(cause)).toBe(true)
        expect(Cause.squash(cause)).toBe("boom")
      }))

    test("an Error defect", () =>
      Effect.gen(function*() {
        const client = yield* RpcsClient
        const cause = yield* Effect.flip(Effect.sandbox(client.DieWithError({ message: "broken" })))
        expect(Cause.isDie(cause)).toBe(true)
        const defect = Cause.squash(cause)
        expect(defect).toBeInstanceOf(Error)
        expect((defect as Error).message).toBe("broken")
      }))

    test("interrupting a call that never ends interrupts its handler on the server", () =>
      Effect.gen(function*() {
        const client = yield* RpcsClient
        const probe = yield* Probe
        const call = yield* Effect.fork(client.Never())
        yield* Deferred.await(probe.neverStarted)
        const exit = yield* Fiber.interrupt(call)
        expect(Exit.isInterrupted(exit)).toBe(true)
        yield* Deferred.await(probe.neverInterrupted)
      }))

    test("middleware: the client adds a header, the server's middleware provides the user", () =>
      Effect.gen(function*() {
        const client = yield* RpcsClient
        expect(yield* client.Whoami()).toStrictEqual(new User({ id: "token-1", name: "authorized" }))
      }))

    test("the server is listening at the address the client used", (listen) =>
      Effect.gen(function*() {
        const server = yield* SocketServer.SocketServer
        // The address of what `listen` asked for; the port is the kernel's choice, and the call below used it.
        expect(server.address).toEqual(
          "path" in listen ?
            { _tag: "UnixAddress", path: listen.path } :
            { _tag: "TcpAddress", hostname: "127.0.0.1", port: expect.any(Number) }
        )
        const client = yield* RpcsClient
        expect((yield* client.GetUser({ id: "x" })).id).toBe("x")
      }))
  })
}

describe("rpc example", () => {
  it("docs/examples/rpc.ts, a platform-node program on our layers, runs by itself and prints its calls", async () => {
    expect(await runExample("rpc.ts")).toEqual([
      "GetUser 1 -> alice",
      "GetUser 3 -> UserNotFound (id 3)",
      "two calls at once on one connection -> alice, bob",
      "Countdown from 3, streamed -> 3, 2, 1, 0",
      "done: the client's connection and the server closed with their layers"
    ])
  }, 90_000)
})
