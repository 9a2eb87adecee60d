/**
 * The least Effect code a fiber-per-connection echo can run per request: the bound under `effect`, `effect-gen` and
 * `effect-stream`, not a way to write a server (it reaches into the IO types' internals).
 *
 * One fiber per connection, accepted and run as ./echoEffect.ts runs its own (`serveEach`, dedicated mode). Per request
 * it runs one `Effect.suspend` step that reads and writes back with the syscalls directly, and one wait: an
 * `Effect.async` that parks a waker the connection keeps (no Effect per read, no `Effect.succeed` of the chunk, no
 * generator, no `writeAll` Effect). Every fiber that waits for readiness suspends in an `Effect.async` at least once
 * a request, and every form above does this much and more. The chunk is handed out as `readChunk` hands it out (a
 * view into the thread's slab up to 4 KiB, a buffer of its own past that), since every form that gives the user a
 * chunk must pay that too.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { EAGAIN } from "../../src/internal/errno.js"
import { binding } from "../../src/internal/native.js"
import * as readSlab from "../../src/internal/readSlab.js"
import { PARKED } from "../../src/internal/source.js"
import type { StreamSocket } from "../../src/internal/streamSocket.js"
import * as waker from "../../src/internal/waker.js"
import type * as TcpStream from "../../src/TcpStream.js"
import { serveEach } from "./echoEffect.js"
import type { EchoOptions } from "./echoOptions.js"

const READ = 65536

const echo = (stream: TcpStream.TcpStream): Effect.Effect<void, unknown> => {
  // Every TcpStream the listener makes is a StreamSocket: its Source is the registration to wait on.
  const source = (stream as StreamSocket).source
  const fd = source.fd
  const slab = readSlab.shared(READ)
  let open = true
  let parked: ((effect: Effect.Effect<void>) => void) | undefined
  const readable = waker.make(() => {
    const resume = parked
    parked = undefined
    resume?.(Effect.void)
  })
  const wait = Effect.async<void>((resume) => {
    parked = resume
    if (source.afterWouldBlock("readable", readable) === PARKED) return
    // Closed or hung up: end the loop.
    parked = undefined
    open = false
    resume(Effect.void)
  })
  const step = Effect.suspend((): Effect.Effect<void, unknown> => {
    if (!source.mayProgress("readable")) return wait
    const n = binding.recv(fd, slab.region(), slab.offset, READ)
    if (n === -EAGAIN) return wait
    if (n <= 0) {
      open = false
      return Effect.void
    }
    source.transferred("readable", n, READ)
    const chunk = slab.take(n)
    const sent = binding.send(fd, chunk, 0, n)
    // A full socket buffer (never with this load generator's one message in flight) goes the IO types' way.
    return sent === n ? Effect.void : stream.writeAll(chunk.subarray(Math.max(sent, 0)))
  })
  return Effect.whileLoop({ while: () => open, body: () => step, step: () => {} })
}

/** @internal */
export const serve = (options: EchoOptions): void => serveEach(options, echo)
