/**
 * Echo on the executor with hand-written futures: one accept future, and one future per
 * connection spawned on `executor.handle`. No Effect runs per event: a readiness event wakes the
 * connection's task, whose poll does the syscalls.
 *
 * A connection's future, written out:
 *
 *   READING --pollRead n > 0--> WRITING(0, n) --pollWrite w--> WRITING(w, n) ... --all written--> READING
 *   READING --pollRead 0 (EOF) or -errno--> DONE (stream closed)
 *   WRITING --pollWrite -errno--> DONE
 *   READING | WRITING --EAGAIN--> Pending (the waker is registered; the next readiness event polls again)
 *
 * Every connection reads into one shared 64 KiB buffer: a read is echoed from it at once, so the
 * buffer is free again before the next task runs. Only a short write leaves bytes behind; they are
 * copied into the connection's own `pending` buffer (the kernel's send buffer was full, which
 * ping-pong at these sizes hardly ever does) before the task yields.
 *
 * `future` runs dedicated (`ReactorRuntime.runBlockingExit`: the thread blocks in epoll_wait when idle);
 * `future-integrated` drives the same executor from Node's event loop (`ReactorRuntime.layer`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as Errno from "../../src/Errno.js"
import * as Executor from "../../src/Executor.js"
import { binding } from "../../src/internal/native.js"
import * as Poll from "../../src/Poll.js"
import * as Reactor from "../../src/Reactor.js"
import * as ReactorRuntime from "../../src/ReactorRuntime.js"
import * as SimpleFuture from "../../src/SimpleFuture.js"
import * as TcpListener from "../../src/TcpListener.js"
import * as TcpStream from "../../src/TcpStream.js"
import type { Waker } from "../../src/Waker.js"
import { type EchoOptions, exitAfterEffect, metricsFor } from "./echoOptions.js"

// Reads and writes one connection does in a row before it lets the other tasks run.
const rounds = 16

const shared = new Uint8Array(64 * 1024)

/** One connection's echo loop; `close` releases the stream's scope when it ends. */
const connection = (stream: TcpStream.TcpStream, close: () => void): SimpleFuture.SimpleFuture<void> => {
  // Bytes read and not yet written back: [offset, end) of `buffer`.
  let buffer: Uint8Array = shared
  let offset = 0
  let end = 0
  let pending: Uint8Array | undefined
  const done = (): Poll.Poll<void> => {
    close()
    return Poll.ready(undefined)
  }
  return SimpleFuture.fromPoll((waker: Waker): Poll.Poll<void> => {
    for (let i = 0; i < rounds; i++) {
      if (offset === end) {
        const n = stream.pollRead(waker, shared)
        if (n === -Errno.EAGAIN) return Poll.pending
        if (n <= 0) return done()
        buffer = shared
        offset = 0
        end = n
      }
      while (offset < end) {
        const w = stream.pollWrite(waker, buffer, offset, end - offset)
        if (w === -Errno.EAGAIN) {
          if (buffer === shared) {
            // Keep the unsent bytes: the next task reads into `shared`.
            if (pending === undefined || pending.length < end - offset) pending = new Uint8Array(shared.length)
            pending.set(shared.subarray(offset, end))
            buffer = pending
            end -= offset
            offset = 0
          }
          return Poll.pending
        }
        if (w < 0) return done()
        offset += w
      }
    }
    // Still busy after `rounds`: queue again behind the others instead of starving them.
    waker.wake()
    return Poll.pending
  })
}

const program = (options: EchoOptions) =>
  Effect.gen(function*() {
    const listener = yield* TcpListener.bind({
      host: options.host,
      port: options.port,
      backlog: 4096,
      reuseAddress: true
    })
    const executor = yield* Executor.Executor
    const reactor = yield* Reactor.Reactor
    const fds = new Int32Array(256)
    // The stream's synchronous constructor: no fiber and no Scope per connection. TCP_NODELAY as on every server
    // of the benchmark (see ./echoNet.ts). A connection that cannot be registered is closed and forgotten.
    const open = (fd: number): void => {
      let stream: TcpStream.TcpStream
      try {
        stream = TcpStream.unsafeFromFd(reactor, fd, { noDelay: true })
      } catch {
        binding.close(fd)
        return
      }
      executor.handle.spawn(connection(stream, () => stream.unsafeClose()))
    }
    const accept = SimpleFuture.fromPoll((waker: Waker): Poll.Poll<void> => {
      for (;;) {
        const n = listener.pollAccept(waker, fds)
        if (n === -Errno.EAGAIN) return Poll.pending
        // EMFILE and the like: the connection waits in the backlog; a later readiness retries.
        if (n < 0) return Poll.pending
        for (let i = 0; i < n; i++) open(fds[i]!)
      }
    })
    executor.handle.spawn(accept)
    options.onListening(listener.localAddress._tag === "Inet" ? listener.localAddress.port : options.port)
    yield* exitAfterEffect(options)
    yield* metricsFor(options)
    return yield* Effect.never
  })

/** @internal */
export const serve = (options: EchoOptions): void => {
  if (options.variant === "future-integrated") {
    Effect.runFork(Effect.scoped(program(options)).pipe(Effect.provide(ReactorRuntime.layer as Layer.Layer<any, any>)))
    return
  }
  const exit = ReactorRuntime.runBlockingExit(Effect.scoped(program(options)))
  if (Exit.isFailure(exit)) {
    console.error(exit.cause)
    process.exit(1)
  }
}
