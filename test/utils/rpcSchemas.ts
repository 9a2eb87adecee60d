/**
 * The rpc group of the end-to-end suite, its server handlers and the probe they report to.
 *
 * The probe is shared by the server handlers and the test, so a test can see what happened on the server side
 * (a stream's emitted count, an interruption that reached a handler).
 */
import { Headers } from "@effect/platform"
import type { RpcClient } from "@effect/rpc"
import { Rpc, RpcGroup, RpcMiddleware } from "@effect/rpc"
import type { RpcClientError } from "@effect/rpc/RpcClientError"
import { Context, Deferred, Effect, Layer, Option, Ref, Schema, Stream } from "effect"

export class User extends Schema.Class<User>("User")({
  id: Schema.String,
  name: Schema.String
}) {}

export class CurrentUser extends Context.Tag("test/CurrentUser")<CurrentUser, User>() {}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {}) {}

/** Reads the `authorization` header and provides the user it names; the client side adds the header. */
export class Auth extends RpcMiddleware.Tag<Auth>()("test/Auth", {
  provides: CurrentUser,
  failure: Unauthorized,
  requiredForClient: true
}) {}

export class Rpcs extends RpcGroup.make(
  Rpc.make("GetUser", { payload: { id: Schema.String }, success: User }),
  Rpc.make("FindUser", { payload: { id: Schema.String }, success: Schema.Option(User) }),
  Rpc.make("nested.Echo", { payload: { text: Schema.String }, success: Schema.String }),
  Rpc.make("GetHeader", { payload: { name: Schema.String }, success: Schema.Option(Schema.String) }),
  Rpc.make("Count", { payload: { from: Schema.Number }, success: Schema.Number, stream: true }),
  Rpc.make("Die", { payload: { message: Schema.String } }),
  Rpc.make("DieWithError", { payload: { message: Schema.String } }),
  Rpc.make("Never"),
  Rpc.make("Whoami", { success: User }).middleware(Auth)
) {}

/** What the server handlers report. */
export class Probe extends Context.Tag("test/Probe")<Probe, {
  /** How many stream elements the `Count` handler has produced. */
  readonly emitted: Ref.Ref<number>
  /** Completed when a `Count` stream (it never ends by itself) is interrupted on the server. */
  readonly countInterrupted: Deferred.Deferred<void>
  /** Completed when `Never` is running on the server. */
  readonly neverStarted: Deferred.Deferred<void>
  /** Completed when the `Never` handler is interrupted on the server. */
  readonly neverInterrupted: Deferred.Deferred<void>
}>() {}

export const ProbeLive: Layer.Layer<Probe> = Layer.effect(
  Probe,
  Effect.all({
    emitted: Ref.make(0),
    countInterrupted: Deferred.make<void>(),
    neverStarted: Deferred.make<void>(),
    neverInterrupted: Deferred.make<void>()
  })
)

export const HandlersLive = Rpcs.toLayer(Effect.gen(function*() {
  const probe = yield* Probe
  return {
    GetUser: ({ id }) => Effect.succeed(new User({ id, name: `user ${id}` })),
    FindUser: ({ id }) => Effect.succeed(id === "none" ? Option.none() : Option.some(new User({ id, name: "found" }))),
    "nested.Echo": ({ text }) => Effect.succeed(text),
    GetHeader: ({ name }, { headers }) => Effect.succeed(Headers.get(headers, name)),
    Count: ({ from }) =>
      Stream.iterate(from, (n) => n + 1).pipe(
        Stream.tap(() => Ref.update(probe.emitted, (n) => n + 1)),
        // The stream never ends, so the only way out is interruption.
        Stream.ensuring(Deferred.succeed(probe.countInterrupted, undefined))
      ),
    Die: ({ message }) => Effect.die(message),
    DieWithError: ({ message }) => Effect.die(new Error(message)),
    Never: () =>
      Deferred.succeed(probe.neverStarted, undefined).pipe(
        Effect.zipRight(Effect.never),
        Effect.onInterrupt(() => Deferred.succeed(probe.neverInterrupted, undefined))
      ),
    Whoami: () => CurrentUser
  }
}))

export const AuthLive: Layer.Layer<Auth> = Layer.succeed(
  Auth,
  Auth.of(({ headers }) =>
    Option.match(Headers.get(headers, "authorization"), {
      onNone: () => Effect.fail(new Unauthorized()),
      onSome: (token) => Effect.succeed(new User({ id: token, name: "authorized" }))
    })
  )
)

export const AuthClientLive = RpcMiddleware.layerClient(
  Auth,
  ({ request }) => Effect.succeed({ ...request, headers: Headers.set(request.headers, "authorization", "token-1") })
)

export class RpcsClient extends Context.Tag("test/RpcsClient")<
  RpcsClient,
  RpcClient.RpcClient<RpcGroup.Rpcs<typeof Rpcs>, RpcClientError>
>() {}
