/**
 * One echo server in two Workers sharing a port: `npx tsx docs/examples/server-workers.ts`. Ends by itself.
 *
 * This file is both halves. On the main thread it starts two Workers running this same file with
 * `ServerWorkers.make`; each of them runs `ServerWorkers.serve` on a `ReactorRuntime` of its own (its own poller,
 * reactor and executor) and listens on the same 127.0.0.1 port with SO_REUSEPORT, so the kernel spreads the
 * connections over them. Twenty clients each send a line and read it back; then the main thread asks every Worker how
 * many connections it accepted (a `Schema` request, answered by the Worker's handler) and adds them up. Closing the
 * scope stops both Workers: their connections and listeners close and their threads end.
 */
import { Console, Effect, Schema, Stream } from "effect"
import { ReactorRuntime, ServerWorkers, TcpStream } from "effect-reactor"
import { fileURLToPath } from "node:url"
import { isMainThread, Worker } from "node:worker_threads"

// What the main thread may ask a Worker: how many connections it accepted. Both halves share the class.
class Accepted extends Schema.TaggedRequest<Accepted>()("Accepted", {
  failure: Schema.Never,
  success: Schema.Number,
  payload: {}
}) {}

// The Worker's half: echo every connection, count them, answer `Accepted`.
const worker = Effect.gen(function*() {
  let accepted = 0
  yield* ServerWorkers.serve({
    handler: (socket) =>
      Effect.zipRight(
        Effect.sync(() => accepted++),
        Effect.scoped(Effect.flatMap(socket.writer, (write) => socket.run((chunk) => write(chunk))))
      ),
    requests: Accepted,
    handlers: { Accepted: () => Effect.sync(() => accepted) }
  })
})

// A Worker runs this file. With compiled JavaScript `new Worker(new URL(import.meta.url), ...)` is all it takes; under
// tsx, Node 20 runs no module hooks in a Worker, so it requires the file through tsx's CommonJS hook instead.
const spawn = () => new Worker(`require(${JSON.stringify(fileURLToPath(import.meta.url))})`, { eval: true })

// One client: send a line, half-close, read the echo until the server closes the connection.
const client = (port: number, line: string) =>
  Effect.gen(function*() {
    const connection = yield* TcpStream.connect({ host: "127.0.0.1", port })
    yield* connection.writeAll(new TextEncoder().encode(line))
    yield* connection.shutdown("write")
    return (yield* Stream.mkString(Stream.decodeText(connection.stream()))) === line
  }).pipe(Effect.scoped)

const main = Effect.gen(function*() {
  const workers = yield* ServerWorkers.make({
    spawn,
    workers: 2,
    listen: { host: "127.0.0.1", port: 0 },
    requests: Accepted
  })
  yield* Console.log(`${workers.workers} Workers listen on ${workers.address.hostname}, on one port the kernel chose`)
  const echoed = yield* Effect.forEach(
    Array.from({ length: 20 }, (_, i) => `line ${i}`),
    (line) => client(workers.address.port, line),
    { concurrency: 20 }
  )
  yield* Console.log(`${echoed.filter(Boolean).length} of 20 clients got their line back`)
  const accepted = yield* workers.broadcast(new Accepted())
  yield* Console.log(`the Workers accepted ${accepted.reduce((a, b) => a + b, 0)} connections in all`)
  // SO_REUSEPORT hashes each connection's ports: 20 all landing on one Worker has a chance of 2^-19.
  yield* Console.log(`every Worker took some: ${accepted.every((n) => n > 0)}`)
}).pipe(Effect.scoped, Effect.zipRight(Console.log("done: the scope stopped both Workers")))

if (isMainThread) {
  Effect.runPromise(main.pipe(Effect.provide(ReactorRuntime.layer)))
} else {
  Effect.runFork(worker.pipe(Effect.provide(ReactorRuntime.layer)))
}
