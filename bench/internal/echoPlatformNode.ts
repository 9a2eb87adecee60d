/**
 * @effect/platform-node echo, the baseline of our SocketServer adapter: NodeSocketServer with
 * the handler `bench/internal/echoPlatform.ts` gives ours — `socket.run` writing every chunk back
 * through `socket.writer`.
 *
 * @internal
 */
import { NodeRuntime, NodeSocketServer } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import { echoHandler } from "./echoHandler.js"
import { type EchoOptions, exitAfterEffect } from "./echoOptions.js"

/** @internal */
export const serve = (options: EchoOptions): void => {
  const program = Effect.gen(function*() {
    const server = yield* NodeSocketServer.make({
      host: options.host,
      port: options.port,
      noDelay: true,
      backlog: 4096
    })
    options.onListening(server.address._tag === "TcpAddress" ? server.address.port : options.port)
    yield* exitAfterEffect(options)
    return yield* server.run(echoHandler)
  })
  NodeRuntime.runMain(Effect.scoped(program), { disableErrorReporting: false })
}
