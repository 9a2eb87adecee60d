/**
 * A TCP echo server and its client, with the Effect API: `npx tsx docs/examples/tcp-echo.ts`. Ends by itself.
 *
 * The server listens on 127.0.0.1, on a port the kernel chooses, and forks a fiber per connection that pipes the
 * connection's bytes back into it (`stream()` into `sink`) until the client half-closes. The client sends one line at
 * a time and prints the reply, then half-closes and reads until the server closes. When the program's scope closes,
 * the listener, every connection and every fiber of the server go with it.
 */
import { Console, Effect, Stream } from "effect"
import { ReactorRuntime, TcpListener, TcpStream } from "effect-reactor"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

// One connection: echo until the client half-closes, then close (the client reads end of stream).
const echo = (connection: TcpStream.TcpStream) =>
  Effect.gen(function*() {
    let bytes = 0
    yield* connection.stream().pipe(
      Stream.tap((chunk) => Effect.sync(() => (bytes += chunk.length))),
      Stream.run(connection.sink)
    )
    yield* Console.log(`server: the client half-closed after ${bytes} bytes; closing the connection`)
  }).pipe(Effect.ensuring(connection.close))

// Every connection as it arrives, each served by a fiber of its own.
const serve = (listener: TcpListener.TcpListener) =>
  listener.connections.pipe(
    Stream.runForEach((connection) => {
      const peer = connection.remoteAddress
      return Console.log(`server: a connection from ${peer._tag === "Inet" ? peer.address : peer.path}`).pipe(
        Effect.zipRight(Effect.fork(echo(connection)))
      )
    })
  )

// TCP is a byte stream: a line may come in pieces, so read until its newline.
const readLine = (stream: TcpStream.TcpStream) =>
  Effect.gen(function*() {
    let text = ""
    while (!text.endsWith("\n")) {
      const chunk = yield* stream.readChunk()
      if (chunk.length === 0) break
      text += decoder.decode(chunk)
    }
    return text.trimEnd()
  })

const client = (port: number) =>
  Effect.gen(function*() {
    const stream = yield* TcpStream.connect({ host: "127.0.0.1", port })
    for (const line of ["hello", "from effect-reactor", "over 127.0.0.1"]) {
      yield* stream.writeAll(encoder.encode(`${line}\n`))
      yield* Console.log(`client: sent ${JSON.stringify(line)}, got back ${JSON.stringify(yield* readLine(stream))}`)
    }
    yield* Console.log("client: done; half-closing (shutdown write)")
    yield* stream.shutdown("write")
    const rest = yield* stream.readChunk()
    yield* Console.log(`client: read ${rest.length} bytes: the server closed the connection`)
  })

const program = Effect.gen(function*() {
  const listener = yield* TcpListener.bind({ host: "127.0.0.1", port: 0 })
  yield* Console.log("server: listening on 127.0.0.1, on a port the kernel chose")
  yield* Effect.forkScoped(serve(listener))
  yield* client(listener.localAddress.port)
})

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(ReactorRuntime.layer))).then(
  () => console.log("done: the scope closed the listener, its connections and the server's fibers"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
