/**
 * Unix domain stream sockets with the Effect API: `npm run example docs/examples/unix.ts`. Ends by itself.
 *
 * 1. A server on a socket path in a temporary directory, and a client: the `TcpListener` / `TcpStream` surface, with
 *    `SocketAddress.Unix` addresses.
 * 2. `UnixStream.pair()`: two connected sockets with no path at all (socketpair(2)), for tests and in-process pipes.
 */
import { Console, Effect, Stream } from "effect"
import { ReactorRuntime, SocketAddress, UnixListener, UnixStream } from "effect-reactor"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const program = Effect.gen(function*() {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "unix-example-"))),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )
  const path = Path.join(dir, "app.sock")

  // 1. A server that answers each connection's bytes upper-cased, until the client half-closes.
  const listener = yield* UnixListener.bind({ path })
  yield* Console.log(`listening on ${Path.basename(SocketAddress.format(listener.localAddress))}`)
  yield* Effect.forkScoped(listener.connections.pipe(
    Stream.runForEach((connection) =>
      connection.stream().pipe(
        Stream.map((chunk) => encoder.encode(decoder.decode(chunk).toUpperCase())),
        Stream.run(connection.sink),
        Effect.ensuring(connection.close),
        Effect.fork
      )
    )
  ))
  const client = yield* UnixStream.connect({ path })
  yield* client.writeAll(encoder.encode("hello over a unix socket"))
  yield* client.shutdown("write")
  yield* Console.log(`client read back ${JSON.stringify(yield* Stream.mkString(Stream.decodeText(client.stream())))}`)

  // 2. A pair.
  const [left, right] = yield* UnixStream.pair()
  yield* left.writeAll(encoder.encode("ping"))
  yield* Console.log(`pair: the right end read ${JSON.stringify(decoder.decode(yield* right.readChunk()))}`)
})

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(ReactorRuntime.layer))).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
