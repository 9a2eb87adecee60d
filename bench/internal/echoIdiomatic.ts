/**
 * Echo written as a user writes it from our docs, not tuned for the benchmark: every connection of
 * `listener.connections`, each in a fiber of its own (`Effect.fork`), closed by `Effect.ensuring(connection.close)`,
 * under `ReactorRuntime.runBlockingExit` (dedicated mode, as `./echoEffect.ts`). Two bodies:
 *
 * - `effect-gen`: an `Effect.gen` loop, `readChunk` then `writeAll` until end of stream (the TcpStream TSDoc);
 * - `effect-stream`: `Stream.run(connection.stream(), connection.sink)` (the README and the TcpListener TSDoc).
 *
 * `effect-gen-integrated` is the first wired as the README wires a program: `Effect.runFork` with
 * `ReactorRuntime.layer` (the executor driven from Node's loop, fibers on Effect's default scheduler).
 *
 * `setNoDelay(true)` as on every server of the benchmark (see ./echoNet.ts).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import * as ReactorRuntime from "../../src/ReactorRuntime.js"
import * as TcpListener from "../../src/TcpListener.js"
import type * as TcpStream from "../../src/TcpStream.js"
import { type EchoOptions, exitAfterEffect } from "./echoOptions.js"

const echoGen = (connection: TcpStream.TcpStream) =>
  Effect.gen(function*() {
    yield* connection.setNoDelay(true)
    while (true) {
      const chunk = yield* connection.readChunk()
      if (chunk.length === 0) return
      yield* connection.writeAll(chunk)
    }
  })

const echoStream = (connection: TcpStream.TcpStream) =>
  Effect.zipRight(connection.setNoDelay(true), Stream.run(connection.stream(), connection.sink))

const program = (options: EchoOptions, echo: (connection: TcpStream.TcpStream) => Effect.Effect<void, unknown>) =>
  Effect.gen(function*() {
    const listener = yield* TcpListener.bind({ host: options.host, port: options.port, backlog: 4096 })
    options.onListening(listener.localAddress.port)
    yield* exitAfterEffect(options)
    yield* listener.connections.pipe(
      Stream.runForEach((connection) => Effect.fork(echo(connection).pipe(Effect.ensuring(connection.close))))
    )
  })

/** @internal */
export const serve = (options: EchoOptions): void => {
  const echo = options.variant === "effect-stream" ? echoStream : echoGen
  if (options.variant === "effect-gen-integrated") {
    Effect.runFork(Effect.scoped(program(options, echo)).pipe(Effect.provide(ReactorRuntime.layer))).addObserver(
      (exit) => {
        if (Exit.isFailure(exit)) {
          console.error(exit.cause)
          process.exit(1)
        }
      }
    )
    return
  }
  const exit = ReactorRuntime.runBlockingExit(Effect.scoped(program(options, echo)))
  if (Exit.isFailure(exit)) {
    console.error(exit.cause)
    process.exit(1)
  }
}
