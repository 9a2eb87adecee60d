/**
 * Echo on every core: `ServerWorkers` with 2 Workers, each a `ReactorRuntime` of its own (integrated with the
 * Worker's Node loop, which the main thread's messages need) listening on one port with SO_REUSEPORT, each running
 * the handler the platform benchmarks run (`./echoHandler.ts`).
 *
 * The Workers run this same bundle (`bench/echo-server.ts` with the same arguments), which sends them here: on the
 * main thread `serve` starts them, in a Worker it serves.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { isMainThread, Worker } from "node:worker_threads"
import * as ReactorRuntime from "../../src/ReactorRuntime.js"
import * as ServerWorkers from "../../src/ServerWorkers.js"
import { echoHandler } from "./echoHandler.js"
import type { EchoOptions } from "./echoOptions.js"
import { WORKERS } from "./echoWorkerCount.js"

const fail = (error: unknown): void => {
  console.error(error)
  process.exit(1)
}

/** @internal */
export const serve = (options: EchoOptions): void => {
  if (!isMainThread) {
    Effect.runPromise(ServerWorkers.serve({ handler: echoHandler }).pipe(Effect.provide(ReactorRuntime.layer)))
      .catch(fail)
    return
  }
  const program = Effect.gen(function*() {
    const workers = yield* ServerWorkers.make({
      spawn: () => new Worker(process.argv[1]!, { argv: process.argv.slice(2) }),
      workers: WORKERS,
      // The same socket options as the other platform benchmarks.
      listen: { host: options.host, port: options.port, noDelay: true, backlog: 4096 }
    })
    options.onListening(workers.address.port)
    return yield* workers.join
  })
  Effect.runPromise(Effect.scoped(program)).catch(fail)
  if (options.exitAfter !== undefined) setTimeout(() => process.exit(0), options.exitAfter * 1000).unref()
}
