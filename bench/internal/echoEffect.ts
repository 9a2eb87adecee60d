/**
 * Echo with the Effect API of our IO types, under `ReactorRuntime.runBlockingExit` (dedicated mode): one fiber
 * per connection looping `readChunk` -> `writeAll` with `Effect.whileLoop`, which runs in the fiber's
 * own loop (`Effect.forever` would add a yield per iteration).
 *
 * `readChunk` hands out views into the slab all connections read into, so a connection holds no
 * read buffer of its own (1000 buffers of 16 KiB were 16 MiB of RSS, and cold in the cache at every
 * read); a chunk lives until `writeAll` has sent it.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as ReactorRuntime from "../../src/ReactorRuntime.js"
import * as TcpListener from "../../src/TcpListener.js"
import type * as TcpStream from "../../src/TcpStream.js"
import { type EchoOptions, exitAfterEffect, metricsFor } from "./echoOptions.js"

const echo = (stream: TcpStream.TcpStream) => {
  let open = true
  const step = Effect.flatMap(stream.readChunk(), (chunk) => {
    if (chunk.length === 0) {
      open = false
      return Effect.void
    }
    return stream.writeAll(chunk)
  })
  return Effect.whileLoop({ while: () => open, body: () => step, step: () => {} })
}

/**
 * The dedicated Effect servers' accept loop: each connection in a daemon fiber of its own, running `handle` after
 * `setNoDelay(true)`, its scope closed when that fiber ends (whatever `handle` did). Shared with ./echoFloor.ts.
 *
 * @internal
 */
export const serveEach = (
  options: EchoOptions,
  handle: (stream: TcpStream.TcpStream) => Effect.Effect<void, unknown>
): void => {
  const program = Effect.gen(function*() {
    const listener = yield* TcpListener.bind({
      host: options.host,
      port: options.port,
      backlog: 4096,
      reuseAddress: true
    })
    options.onListening(listener.localAddress._tag === "Inet" ? listener.localAddress.port : options.port)
    yield* exitAfterEffect(options)
    yield* metricsFor(options)
    return yield* Effect.forever(
      Effect.flatMap(
        Scope.make(),
        (scope) =>
          Effect.flatMap(Scope.extend(listener.accept, scope), (stream) =>
            Effect.forkDaemon(
              Effect.ensuring(
                Effect.ignore(Effect.zipRight(stream.setNoDelay(true), handle(stream))),
                Scope.close(scope, Exit.void)
              )
            ))
      )
    )
  })
  const exit = ReactorRuntime.runBlockingExit(Effect.scoped(program))
  if (Exit.isFailure(exit)) {
    console.error(exit.cause)
    process.exit(1)
  }
}

/** @internal */
export const serve = (options: EchoOptions): void => serveEach(options, echo)
