/**
 * Echo server for `bench/echo.ts`: accepts TCP connections on `--host` (127.0.0.1) and `--port`
 * and writes back every byte it reads, until SIGTERM. Once listening it prints one line,
 * `listening <port>`, on stdout (so `--port 0` works: the runner reads the port from it).
 *
 * `--api` picks the implementation, each in `bench/internal/`:
 * - `net`: node:net, `socket.on("data", (d) => socket.write(d))` (baseline);
 * - `platform-node`: @effect/platform-node's NodeSocketServer, echoing via `socket.run` + `writer` (baseline);
 * - `future`: a hand-written SimpleFuture per connection on our executor (dedicated mode);
 * - `future-integrated`: the same futures, with the executor driven from Node's loop;
 * - `effect`: a fiber per connection looping `TcpStream.read` -> `writeAll`, under `ReactorRuntime.runBlockingExit`;
 * - `platform`: our SocketServer adapter (src/ReactorSocketServer.ts) with the platform-node handler;
 * - `effect-gen`, `effect-stream`: the echo as our docs teach it (`listener.connections`, a forked fiber per
 *   connection), with an `Effect.gen` read/write loop or `Stream.run(connection.stream(), connection.sink)`;
 * - `effect-gen-integrated`: `effect-gen` wired as the README wires a program (`ReactorRuntime.layer`, Node's loop).
 * - `effect-floor`: the bound under the Effect forms, one fiber suspension a request and nothing else (not user code).
 * - `workers`: `ServerWorkers` (src/ServerWorkers.ts), the platform handler in 2 Workers sharing the port (SO_REUSEPORT);
 * - `cluster`: node:cluster, 2 worker processes running the `net` echo (baseline of `workers`).
 * - `effect+metrics`, `future+metrics`: `effect` and `future` with `ReactorMetrics.layer` exporting the runtime's
 *   counters to Effect's metrics every second (the counters are always on; this is what exporting them adds).
 *
 * Each implementation is imported only when chosen, so the baselines run without the others.
 *
 * `--exit-after <seconds>` makes the server exit by itself, for profiling with `node --cpu-prof`
 * (SIGTERM ends it without writing the profile).
 *
 *   npm run echo-server -- --port 9000 --api <net|platform-node|future|future-integrated|effect|platform|
 *                          effect-gen|effect-stream|effect-gen-integrated|effect-floor|workers|cluster|effect+metrics|
 *                          future+metrics>
 *                          [--host 127.0.0.1] [--exit-after <seconds>]
 */
import { parseArgs } from "node:util"
import type { EchoOptions } from "./internal/echoOptions.js"

// Each API's module, imported only when chosen.
const apis = {
  net: () => import("./internal/echoNet.js"),
  "platform-node": () => import("./internal/echoPlatformNode.js"),
  future: () => import("./internal/echoFuture.js"),
  "future-integrated": () => import("./internal/echoFuture.js"),
  effect: () => import("./internal/echoEffect.js"),
  platform: () => import("./internal/echoPlatform.js"),
  "effect-gen": () => import("./internal/echoIdiomatic.js"),
  "effect-stream": () => import("./internal/echoIdiomatic.js"),
  "effect-gen-integrated": () => import("./internal/echoIdiomatic.js"),
  "effect-floor": () => import("./internal/echoFloor.js"),
  workers: () => import("./internal/echoWorkers.js"),
  cluster: () => import("./internal/echoCluster.js"),
  "effect+metrics": () => import("./internal/echoEffect.js"),
  "future+metrics": () => import("./internal/echoFuture.js")
} as const

type Api = keyof typeof apis

const isApi = (name: string): name is Api => Object.hasOwn(apis, name)

const { values: args } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    api: { type: "string", default: "net" },
    "exit-after": { type: "string" }
  }
})

const port = Number(args.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new RangeError(`--port must be in [0, 65535], got ${args.port}`)
}
const api = args.api
if (!isApi(api)) throw new RangeError(`--api must be one of ${Object.keys(apis).join(", ")}, got ${api}`)

const exitAfter = args["exit-after"] === undefined ? undefined : Number(args["exit-after"])
if (exitAfter !== undefined && !(exitAfter > 0)) {
  throw new RangeError(`--exit-after must be positive, got ${args["exit-after"]}`)
}

const options: EchoOptions = {
  host: args.host,
  port,
  variant: api,
  exitAfter,
  onListening: (bound) => process.stdout.write(`listening ${bound}\n`)
}

const module = await apis[api]()
module.serve(options)
