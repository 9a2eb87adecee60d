/**
 * The chapter, step 6 — from futures to Effect: `npm run example docs/examples/effect-bridge.ts`. Ends by itself.
 *
 * 1. `SimpleFuture.toEffect` (or `Executor.run`): a future as an Effect, run as a task of the runtime's executor.
 *    `SimpleFuture.fromEffect`: an Effect as a future, its fiber running in the executor's turns.
 * 2. Interruption: interrupting the Effect drops the future, and its cleanup (`onDrop`) runs exactly once.
 * 3. Scopes own fds: a listener, a connection and a socket pair opened in a scope are all closed with it, and the
 *    process's fd count is back where it was.
 * 4. Typed errors: a refused connection is an `IoError` with the reason `ConnectionRefused`, caught by its tag.
 */
import { Console, Effect, Option } from "effect"
import { ReactorRuntime, SimpleFuture, TcpListener, TcpStream, UnixStream } from "effect-reactor"
import * as Fs from "node:fs"

const openFds = () => Fs.readdirSync("/proc/self/fd").length

const program = Effect.gen(function*() {
  // 1. Both directions.
  const slept = yield* SimpleFuture.toEffect(SimpleFuture.sleep("10 millis").pipe(SimpleFuture.map(() => "slept")))
  yield* Console.log(`toEffect(sleep(10 ms) then "slept") -> ${JSON.stringify(slept)}`)
  const doubled = yield* SimpleFuture.toEffect(
    SimpleFuture.fromEffect(Effect.succeed(21).pipe(Effect.delay("5 millis"))).pipe(SimpleFuture.map((n) => n * 2))
  )
  yield* Console.log(`toEffect(fromEffect(21 after 5 ms) mapped x2) -> ${doubled}`)

  // 2. Interruption reaches the future.
  let drops = 0
  const forever = SimpleFuture.never().pipe(SimpleFuture.onDrop(() => drops++))
  const timedOut = yield* Effect.timeoutOption(SimpleFuture.toEffect(forever), "20 millis")
  yield* Console.log(`a future that never ends, timed out after 20 ms -> ${Option.isNone(timedOut) ? "None" : "?"}`)
  yield* Console.log(`  its onDrop ran ${drops} time(s)`)

  // 3. Scopes.
  const before = openFds()
  yield* Effect.scoped(Effect.gen(function*() {
    const listener = yield* TcpListener.bind({ host: "127.0.0.1", port: 0 })
    const client = yield* TcpStream.connect({ host: "127.0.0.1", port: listener.localAddress.port })
    const server = yield* listener.accept
    yield* UnixStream.pair()
    yield* client.writeAll(new TextEncoder().encode("hi"))
    const chunk = yield* server.readChunk()
    yield* Console.log(`in a scope: a listener, a connection (both ends) and a socket pair: ${openFds() - before} fds`)
    yield* Console.log(`  the server read ${JSON.stringify(new TextDecoder().decode(chunk))}`)
  }))
  yield* Console.log(`after the scope: ${openFds() - before} fds more than before`)

  // 4. Typed errors: a port that nothing listens on any more.
  const port = yield* Effect.scoped(
    Effect.map(TcpListener.bind({ host: "127.0.0.1", port: 0 }), (listener) => listener.localAddress.port)
  )
  const refused = yield* TcpStream.connect({ host: "127.0.0.1", port }).pipe(
    Effect.as("connected"),
    Effect.catchTag("IoError", (error) => Effect.succeed(`IoError ${error.reason} (${error.code}, ${error.syscall})`)),
    Effect.scoped
  )
  yield* Console.log(`connect to a closed port -> ${refused}`)
})

Effect.runPromise(program.pipe(Effect.provide(ReactorRuntime.layer))).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
