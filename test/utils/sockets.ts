/**
 * Helpers for socket tests: text <-> bytes, a connected loopback pair, bounded waiting, exact reads.
 */
import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import type { IoError } from "../../src/IoError.js"
import type * as ReactorRuntime from "../../src/ReactorRuntime.js"
import * as TcpListener from "../../src/TcpListener.js"
import * as TcpStream from "../../src/TcpStream.js"

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

export const text = (chunks: ReadonlyArray<Uint8Array>): string => Buffer.concat(chunks).toString()

/** Waits (bounded: 5 s) until `condition` holds; fails the test otherwise. */
export const eventually = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1000 && !condition(); i++) yield* Effect.sleep("5 millis")
    expect(condition()).toBe(true)
  })

/**
 * Waits (bounded, as `eventually`) until `fiber` is suspended: it has run up to an asynchronous wait (a latch, a
 * lock's turn, readiness) and is in it, so what the test does next happens while it waits.
 */
export const awaitSuspended = (fiber: Fiber.RuntimeFiber<unknown, unknown>) =>
  Effect.gen(function*() {
    let status = yield* Fiber.status(fiber)
    for (let i = 0; i < 1000 && status._tag !== "Suspended"; i++) {
      yield* Effect.sleep("5 millis")
      status = yield* Fiber.status(fiber)
    }
    expect(status._tag).toBe("Suspended")
  })

/** Reads exactly `n` bytes (failing on an early end of stream) as text. */
export const readExactly = (stream: TcpStream.TcpStream, n: number): Effect.Effect<string, IoError | Error> =>
  Effect.gen(function*() {
    const buffer = new Uint8Array(n)
    let filled = 0
    while (filled < n) {
      const got = yield* stream.read(buffer.subarray(filled))
      if (got === 0) return yield* Effect.fail(new Error(`end of stream after ${filled} of ${n} bytes`))
      filled += got
    }
    return Buffer.from(buffer).toString()
  })

/** A connected TCP pair on 127.0.0.1 (or `host`), both ends owned by the current scope; the listener is closed. */
export const connectedPair: Effect.Effect<
  { readonly client: TcpStream.TcpStream; readonly server: TcpStream.TcpStream },
  IoError,
  ReactorRuntime.ReactorRuntime | Scope.Scope
> = Effect.gen(function*() {
  const bound = yield* TcpListener.bind({ port: 0 })
  const port = (bound.localAddress as { port: number }).port
  const [client, server] = yield* Effect.all([TcpStream.connect({ port }), bound.accept], { concurrency: 2 })
  yield* bound.close
  return { client, server }
})
