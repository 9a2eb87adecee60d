/**
 * An `@effect/rpc` server and client over TCP, written as an `@effect/platform-node` program and moved onto
 * effect-reactor's sockets: `npx tsx docs/examples/rpc.ts`. Ends by itself.
 *
 * The swap is two layers, plus the runtime they run on (each platform-node line is kept as a comment next to ours):
 *
 * - the server's `NodeSocketServer.layer(...)` becomes `ReactorSocketServer.layer(...)`, same options;
 * - the client's `NodeSocket.layerNet(...)` becomes `ReactorSocket.layerNet(...)`, same options;
 * - `ReactorRuntime.layer` is provided once, under both (platform-node has no such thing: Node's loop is its runtime).
 *
 * Nothing else changes: the rpc group, the handlers, `RpcServer.layerProtocolSocketServer`,
 * `RpcClient.layerProtocolSocket` and the serialization are `@effect/rpc`'s own.
 */
import * as SocketServer from "@effect/platform/SocketServer"
import { Rpc, RpcClient, RpcGroup, RpcSerialization, RpcServer } from "@effect/rpc"
import { Console, Effect, Layer, Schema, Stream } from "effect"
// import { NodeSocket, NodeSocketServer } from "@effect/platform-node"
import { ReactorRuntime, ReactorSocket, ReactorSocketServer } from "effect-reactor"

// The API, shared by both sides.
class User extends Schema.Class<User>("User")({ id: Schema.Number, name: Schema.String }) {}

class UserNotFound extends Schema.TaggedError<UserNotFound>()("UserNotFound", { id: Schema.Number }) {}

class UserRpcs extends RpcGroup.make(
  Rpc.make("GetUser", { payload: { id: Schema.Number }, success: User, error: UserNotFound }),
  Rpc.make("Countdown", { payload: { from: Schema.Number }, success: Schema.Number, stream: true })
) {}

// The server.
const users = new Map([[1, "alice"], [2, "bob"]])

const HandlersLive = UserRpcs.toLayer({
  GetUser: ({ id }) => {
    const name = users.get(id)
    return name === undefined ? Effect.fail(new UserNotFound({ id })) : Effect.succeed(new User({ id, name }))
  },
  Countdown: ({ from }) => Stream.iterate(from, (n) => n - 1).pipe(Stream.take(from + 1))
})

const ServerLive = RpcServer.layer(UserRpcs).pipe(
  Layer.provide(HandlersLive),
  Layer.provide(RpcServer.layerProtocolSocketServer),
  Layer.provide(RpcSerialization.layerNdjson),
  // platform-node: Layer.provideMerge(NodeSocketServer.layer({ host: "127.0.0.1", port: 0 }))
  Layer.provideMerge(ReactorSocketServer.layer({ host: "127.0.0.1", port: 0 }))
)

// The client's protocol, for the port the server listens on.
const ClientProtocolLive = (port: number) =>
  RpcClient.layerProtocolSocket().pipe(
    // platform-node: Layer.provide(NodeSocket.layerNet({ host: "127.0.0.1", port }))
    Layer.provide(ReactorSocket.layerNet({ host: "127.0.0.1", port })),
    Layer.provide(RpcSerialization.layerNdjson)
  )

const calls = Effect.gen(function*() {
  const client = yield* RpcClient.make(UserRpcs)
  yield* Console.log(`GetUser 1 -> ${(yield* client.GetUser({ id: 1 })).name}`)
  // A typed failure crosses the wire as itself.
  const missing = yield* client.GetUser({ id: 3 }).pipe(
    Effect.catchTag("UserNotFound", (error) => Effect.succeed(`UserNotFound (id ${error.id})`))
  )
  yield* Console.log(`GetUser 3 -> ${typeof missing === "string" ? missing : missing.name}`)
  const both = yield* Effect.all([client.GetUser({ id: 1 }), client.GetUser({ id: 2 })], { concurrency: 2 })
  yield* Console.log(`two calls at once on one connection -> ${both.map((user) => user.name).join(", ")}`)
  const counted = yield* Stream.runCollect(client.Countdown({ from: 3 }))
  yield* Console.log(`Countdown from 3, streamed -> ${Array.from(counted).join(", ")}`)
})

const program = Effect.gen(function*() {
  // With port 0 the kernel chose the port: the client reads it from the server.
  const server = yield* SocketServer.SocketServer
  const port = server.address._tag === "TcpAddress" ? server.address.port : 0
  yield* Effect.scoped(calls).pipe(Effect.provide(ClientProtocolLive(port)))
})

Effect.runPromise(
  program.pipe(
    Effect.provide(ServerLive),
    // platform-node: nothing here.
    Effect.provide(ReactorRuntime.layer)
  )
).then(
  () => console.log("done: the client's connection and the server closed with their layers"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
