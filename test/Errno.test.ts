/**
 * Errno: the names the future face's numbers are compared with, and the numbers the polls really answer with.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Os from "node:os"
import * as Errno from "../src/Errno.js"
import { binding } from "../src/internal/native.js"
import * as Poller from "../src/Poller.js"
import * as Reactor from "../src/Reactor.js"
import * as TcpStream from "../src/TcpStream.js"
import * as Waker from "../src/Waker.js"

describe("Errno", () => {
  it("names the platform's numbers, the ones the addon returns", () => {
    const { EAGAIN, EBADF, ECONNRESET, EINVAL, EMFILE, EPIPE } = Os.constants.errno
    expect({ ...Errno }).toEqual({ EAGAIN, EBADF, ECONNRESET, EINVAL, EMFILE, EPIPE })
    expect(Errno.EAGAIN).toBe(binding.constants.EAGAIN)
  })

  it.live("pollRead answers -EAGAIN with nothing to read, -EBADF once closed; pollWrite -EPIPE after shutdown", () =>
    Effect.gen(function*() {
      const handle = Poller.unsafeOpen()
      const reactor = Reactor.unsafeMake(handle)
      const [left, right] = binding.socketpair()
      const stream = TcpStream.unsafeFromFd(reactor, left)
      const waker = Waker.make(() => {})
      const buffer = new Uint8Array(4)
      expect(stream.pollRead(waker, buffer)).toBe(-Errno.EAGAIN)
      stream.removeWaker("readable", waker)
      yield* stream.shutdown("write")
      reactor.turn(0)
      expect(stream.pollWrite(waker, new Uint8Array([1]))).toBe(-Errno.EPIPE)
      stream.unsafeClose()
      expect(stream.pollRead(waker, buffer)).toBe(-Errno.EBADF)
      binding.close(right)
      reactor.close()
      handle.close()
    }))
})
