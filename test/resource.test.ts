/**
 * The one acquisition path (src/internal/resource.ts), through every IO constructor: over a closed reactor each one
 * fails with `Closed` once it has opened its fd, and the fd is given up as its ownership says (closed when the
 * constructor opened it or was handed it to close, left open when it stays the caller's). `File.open` refuses an
 * undriven reactor before it opens anything (File.test.ts covers its closed reactor). The future face fails with
 * `Closed` once the reactor is gone, as the Effect face does.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as AsyncFd from "../src/AsyncFd.js"
import * as Inotify from "../src/Inotify.js"
import * as Interest from "../src/Interest.js"
import { binding } from "../src/internal/native.js"
import type { IoError } from "../src/IoError.js"
import * as Pidfd from "../src/Pidfd.js"
import * as Poller from "../src/Poller.js"
import * as Reactor from "../src/Reactor.js"
import * as ReactorRuntime from "../src/ReactorRuntime.js"
import * as Signalfd from "../src/Signalfd.js"
import * as SimpleFuture from "../src/SimpleFuture.js"
import * as TcpListener from "../src/TcpListener.js"
import * as TcpStream from "../src/TcpStream.js"
import * as Timerfd from "../src/Timerfd.js"
import * as UdpSocket from "../src/UdpSocket.js"
import * as UnixListener from "../src/UnixListener.js"
import * as UnixStream from "../src/UnixStream.js"
import * as Waker from "../src/Waker.js"
import { fdCount, FdScope } from "./utils/fds.js"
import { runtimeOver } from "./utils/runtime.js"

const reasonOf = (exit: Exit.Exit<unknown, IoError>): string | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.reason : undefined

/** Runs `acquire` in its own scope over a closed reactor: its failure's reason. */
const overClosedReactor = <A>(acquire: Effect.Effect<A, IoError, ReactorRuntime.ReactorRuntime | Scope.Scope>) =>
  Effect.gen(function*() {
    const handle = Poller.unsafeOpen()
    const reactor = Reactor.unsafeMake(handle)
    reactor.close()
    const exit = yield* Effect.exit(
      Effect.scoped(acquire).pipe(Effect.provideService(ReactorRuntime.ReactorRuntime, runtimeOver(handle, reactor)))
    )
    handle.close()
    return reasonOf(exit)
  })

describe("the acquisition of every IO type, over a closed reactor", () => {
  it.live("fails with Closed and closes the fd it opened", () =>
    Effect.gen(function*() {
      const fds = new FdScope()
      const [, writeEnd] = fds.pipe()
      const constructors: ReadonlyArray<
        readonly [string, Effect.Effect<unknown, IoError, ReactorRuntime.ReactorRuntime | Scope.Scope>]
      > = [
        ["Timerfd.make", Timerfd.make()],
        ["Signalfd.make", Signalfd.make(["SIGUSR2"])],
        ["Inotify.make", Inotify.make()],
        ["Pidfd.open", Pidfd.open(process.pid)],
        ["UdpSocket.bind", UdpSocket.bind({ port: 0 })],
        ["TcpListener.bind", TcpListener.bind({ port: 0 })],
        ["TcpStream.connect", TcpStream.connect({ port: fds.closedPort() })],
        ["UnixStream.pair", UnixStream.pair()],
        ["AsyncFd.register", AsyncFd.register(writeEnd, { interest: Interest.writable })]
      ]
      const before = fdCount()
      const reasons: Record<string, string | undefined> = {}
      for (const [name, acquire] of constructors) reasons[name] = yield* overClosedReactor(acquire)
      expect(reasons).toEqual(Object.fromEntries(constructors.map(([name]) => [name, "Closed"])))
      expect(fdCount()).toBe(before)
      // A registered fd stays the caller's: still open.
      expect(binding.write(writeEnd, new Uint8Array([1]))).toBe(1)
      fds.closeAll()
    }))

  it.live("a Unix listener removes the path it bound", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-reactor-resource-"))
      const path = Path.join(dir, "listener.sock")
      const before = fdCount()
      expect(yield* overClosedReactor(UnixListener.bind({ path }))).toBe("Closed")
      expect(Fs.existsSync(path)).toBe(false)
      expect(fdCount()).toBe(before)
      Fs.rmSync(dir, { recursive: true, force: true })
    }))

  it.live("a handed-over fd stays the caller's (fromFd); an adopted one is closed (AsyncFd.adopt)", () =>
    Effect.gen(function*() {
      const [left, right] = binding.socketpair()
      const [readEnd, writeEnd] = binding.pipe()
      const before = fdCount()
      expect(yield* overClosedReactor(UnixStream.fromFd(left))).toBe("Closed")
      expect(yield* overClosedReactor(TcpStream.fromFd(left))).toBe("Closed")
      expect(fdCount()).toBe(before)
      expect(binding.send(left, new Uint8Array([1]))).toBe(1)
      expect(yield* overClosedReactor(AsyncFd.adopt(readEnd))).toBe("Closed")
      expect(fdCount()).toBe(before - 1)
      for (const fd of [left, right, writeEnd]) binding.close(fd)
    }))
})

/** A stream over one end of a socketpair, on a reactor nobody drives; `peer` is the other end. */
const unsafeStream = () => {
  const handle = Poller.unsafeOpen()
  const reactor = Reactor.unsafeMake(handle)
  const [fd, peer] = binding.socketpair()
  const stream = TcpStream.unsafeFromFd(reactor, fd)
  const release = () => {
    stream.unsafeClose()
    binding.close(peer)
    reactor.close()
    handle.close()
  }
  return { reactor, stream, peer, release }
}

describe("the future face once the reactor is gone", () => {
  it("readFuture and writeAllFuture fail with Closed, not BadDescriptor", () => {
    const { reactor, release, stream } = unsafeStream()
    reactor.close()
    const read = stream.readFuture(new Uint8Array(4)).poll(Waker.noop)
    const write = stream.writeAllFuture(new Uint8Array(1 << 22)).poll(Waker.noop)
    expect([read._tag, write._tag]).toEqual(["Ready", "Ready"])
    const reasons = [read, write].map((poll) => poll._tag === "Ready" ? reasonOf(poll.value) : undefined)
    expect(reasons).toEqual(["Closed", "Closed"])
    release()
  })

  it("a future polled after it finished is a defect, not a second read", () => {
    const { peer, reactor, release, stream } = unsafeStream()
    const future = stream.readFuture(new Uint8Array(4))
    expect(future.poll(Waker.noop)._tag).toBe("Pending")
    binding.send(peer, new Uint8Array([7]))
    reactor.turn(0)
    const first = future.poll(Waker.noop)
    expect(first._tag === "Ready" && Exit.isSuccess(first.value) && first.value.value).toBe(1)
    expect(() => future.poll(Waker.noop)).toThrow(/polled after it completed/)
    expect(SimpleFuture.isSimpleFuture(future)).toBe(true)
    release()
  })
})
