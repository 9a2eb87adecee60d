/**
 * Echo through our @effect/platform adapter (src/ReactorSocketServer.ts), with the handler the
 * @effect/platform-node baseline runs (`./echoHandler.ts`), under `ReactorRuntime.runBlockingExit`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as ReactorRuntime from "../../src/ReactorRuntime.js"
import * as ReactorSocketServer from "../../src/ReactorSocketServer.js"
import { echoHandler } from "./echoHandler.js"
import { type EchoOptions, exitAfterEffect } from "./echoOptions.js"

/** @internal */
export const serve = (options: EchoOptions): void => {
  const program = Effect.gen(function*() {
    // The same socket options as the platform-node baseline.
    const server = yield* ReactorSocketServer.make({
      host: options.host,
      port: options.port,
      noDelay: true,
      backlog: 4096
    })
    options.onListening(server.address._tag === "TcpAddress" ? server.address.port : options.port)
    yield* exitAfterEffect(options)
    return yield* server.run(echoHandler)
  })
  const exit = ReactorRuntime.runBlockingExit(Effect.scoped(program))
  if (Exit.isFailure(exit)) {
    console.error(exit.cause)
    process.exit(1)
  }
}
