/**
 * node:cluster's answer to the same question, the baseline of `./echoWorkers.ts`: a primary process forks 2 workers
 * running the node:net echo (`./echoNet.ts`) on one shared port. On Linux the primary accepts every connection and
 * hands them to the workers in turn (cluster.SCHED_RR, Node's default there).
 *
 * The workers run this same bundle (`bench/echo-server.ts` with the same arguments), which sends them here.
 *
 * @internal
 */
import cluster from "node:cluster"
import * as echoNet from "./echoNet.js"
import type { EchoOptions } from "./echoOptions.js"
import { WORKERS } from "./echoWorkerCount.js"

/** @internal */
export const serve = (options: EchoOptions): void => {
  if (!cluster.isPrimary) {
    echoNet.serve({ ...options, exitAfter: undefined, onListening: () => {} })
    return
  }
  let stopping = false
  let listening = 0
  cluster.on("listening", (_worker, address) => {
    if (++listening === WORKERS) options.onListening(address.port)
  })
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return
    console.error(`cluster worker ${worker.id} exited (${code ?? signal})`)
    process.exit(1)
  })
  const stop = () => {
    stopping = true
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGKILL")
    process.exit(0)
  }
  process.on("SIGTERM", stop)
  for (let i = 0; i < WORKERS; i++) cluster.fork()
  if (options.exitAfter !== undefined) setTimeout(stop, options.exitAfter * 1000).unref()
}
