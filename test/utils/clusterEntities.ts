/**
 * The entity of the cluster tests, shared by the runner processes (test/fixtures/cluster-runner.ts) and the tests,
 * and the sharding configuration they all use.
 *
 * `Whoami` answers with the entity's id, the port of the runner hosting it and that runner's pid, so a test can tell
 * which process served a call. `Forward` makes the entity call another one itself: from runner to runner when the two
 * live in different processes.
 */
import * as Entity from "@effect/cluster/Entity"
import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import * as Rpc from "@effect/rpc/Rpc"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

export const Answer = Schema.Struct({ entity: Schema.String, runner: Schema.Number, pid: Schema.Number })
export type Answer = typeof Answer.Type

export const Greeter = Entity.make("Greeter", [
  Rpc.make("Whoami", { success: Answer }),
  Rpc.make("Forward", {
    payload: { to: Schema.String },
    success: Schema.Struct({ via: Schema.Number, answer: Answer })
  })
])

export const GreeterLive = Greeter.toLayer(Effect.gen(function*() {
  const address = yield* Entity.CurrentAddress
  const runner = yield* Entity.CurrentRunnerAddress
  const greeters = yield* Greeter.client
  const whoami = { entity: address.entityId, runner: runner.port, pid: process.pid }
  return {
    Whoami: () => Effect.succeed(whoami),
    Forward: ({ payload }) =>
      greeters(payload.to).Whoami().pipe(
        Effect.map((answer) => ({ via: runner.port, answer })),
        Effect.orDie
      )
  }
}))

/**
 * The configuration of every member: a runner at `127.0.0.1:port` (client-only without a port), with the intervals
 * that set how fast a change of runners is seen (the defaults are seconds) shortened. Every field is given, so the
 * environment cannot change any.
 */
export const shardingConfig = (port?: number): ShardingConfig.ShardingConfig["Type"] => ({
  ...ShardingConfig.defaults,
  runnerAddress: port === undefined ?
    Option.none() :
    Option.some(RunnerAddress.make("127.0.0.1", port)),
  shardsPerGroup: 60,
  refreshAssignmentsInterval: "200 millis",
  entityMessagePollInterval: "500 millis",
  sendRetryInterval: "50 millis"
})
