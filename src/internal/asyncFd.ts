/**
 * `AsyncFd`: readiness for any pollable fd (pipe, tty, eventfd, timerfd, signalfd, inotify, character devices), with
 * the try-wait-retry protocol of `Source` around the caller's own syscalls.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Api from "../AsyncFd.js"
import type { Interest } from "../Interest.js"
import type { IoError } from "../IoError.js"
import type * as Reactor from "../Reactor.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import * as address from "./address.js"
import { EAGAIN, EPIPE } from "./errno.js"
import * as interest from "./interest.js"
import * as ioError from "./ioError.js"
import { binding } from "./native.js"
import * as resource from "./resource.js"
import { show } from "./show.js"
import type { Source } from "./source.js"

/** @internal */
export const WouldBlock: Api.WouldBlock = Symbol.for("effect-reactor/AsyncFd/WouldBlock") as Api.WouldBlock

/** @internal */
export class AsyncFd implements Api.AsyncFd {
  constructor(readonly source: Source, readonly interest: Interest) {}

  get fd(): number {
    return this.source.fd
  }

  get closed(): boolean {
    return this.source.closed
  }

  get registration(): Reactor.Registration {
    return this.source.registration
  }

  private lacks(bit: number, what: string): IoError | undefined {
    return (this.interest & bit) === 0
      ? ioError.invalidArgument(what, `the fd was registered without ${what} interest`)
      : undefined
  }

  get readable(): Effect.Effect<Reactor.Readiness, IoError> {
    const missing = this.lacks(interest.READABLE, "readable")
    return missing !== undefined ? Effect.fail(missing) : this.source.ready("readable", "readable")
  }

  get writable(): Effect.Effect<Reactor.Readiness, IoError> {
    const missing = this.lacks(interest.WRITABLE, "writable")
    return missing !== undefined ? Effect.fail(missing) : this.source.ready("writable", "writable")
  }

  clearReadiness(readiness: Reactor.Readiness): void {
    this.source.registration.clearReadiness(readiness)
  }

  private withDirection<A>(
    direction: "readable" | "writable",
    f: (fd: number) => A | Api.WouldBlock,
    syscall: string
  ): Effect.Effect<A, IoError> {
    const missing = this.lacks(direction === "readable" ? interest.READABLE : interest.WRITABLE, direction)
    if (missing !== undefined) return Effect.fail(missing)
    const fd = this.source.fd
    return Effect.suspend(() => {
      let out: A
      return Effect.map(
        this.source.io(
          direction,
          () => {
            const result = f(fd)
            if (result === WouldBlock) return -EAGAIN
            out = result as A
            return 0
          },
          syscall,
          -EPIPE,
          0
        ),
        () => out
      )
    })
  }

  readWith<A>(f: (fd: number) => A | Api.WouldBlock): Effect.Effect<A, IoError> {
    return this.withDirection("readable", f, "readWith")
  }

  writeWith<A>(f: (fd: number) => A | Api.WouldBlock): Effect.Effect<A, IoError> {
    return this.withDirection("writable", f, "writeWith")
  }

  read(buffer: Uint8Array): Effect.Effect<number, IoError> {
    if (!(buffer instanceof Uint8Array)) {
      return Effect.fail(ioError.invalidArgument("read", "buffer must be a Uint8Array"))
    }
    const missing = this.lacks(interest.READABLE, "readable")
    if (missing !== undefined) return Effect.fail(missing)
    const fd = this.source.fd
    return this.source.io("readable", () => binding.read(fd, buffer), "read", 0, 0)
  }

  write(bytes: Uint8Array): Effect.Effect<number, IoError> {
    if (!(bytes instanceof Uint8Array)) {
      return Effect.fail(ioError.invalidArgument("write", "bytes must be a Uint8Array"))
    }
    const missing = this.lacks(interest.WRITABLE, "writable")
    if (missing !== undefined) return Effect.fail(missing)
    const fd = this.source.fd
    return this.source.io("writable", () => binding.write(fd, bytes), "write", -EPIPE, 0)
  }

  get close(): Effect.Effect<void> {
    return Effect.sync(() => this.source.close())
  }
}

/**
 * `nonBlocking: "set"`: sets O_NONBLOCK unless it is set already, and returns what puts it back (undefined when
 * nothing changed). O_NONBLOCK belongs to the open file description, which dups and other processes (an inherited
 * stdin) share, so what was changed is undone at release. Throws an `IoError`.
 */
const setNonBlocking = (fd: number): (() => void) | undefined => {
  const state = binding.isNonBlocking(fd)
  if (state === 1) return undefined
  const result = state < 0 ? state : binding.setNonBlocking(fd, true)
  if (result < 0) throw ioError.fromErrno(result, "fcntl")
  return () => void binding.setNonBlocking(fd, false)
}

const ownership = (owned: boolean): resource.Ownership => owned ? "owned" : "borrowed"

const make = (owned: boolean) =>
(
  fd: number,
  options?: Api.Options
): Effect.Effect<AsyncFd, IoError, ReactorRuntime | Scope.Scope> =>
  resource.acquire(owned ? "AsyncFd.adopt" : "AsyncFd.register", "register", () => {
    const bad = address.checkCount(fd, "fd", "register")
    if (bad !== undefined) throw bad
    const wanted = options?.interest ?? resource.readWrite
    if (!interest.isInterest(wanted) || wanted === interest.NONE) {
      throw ioError.invalidArgument("register", `interest must be a non-empty Interest, got ${show(wanted)}`)
    }
    const nonBlocking = options?.nonBlocking ?? (owned ? "set" : "leave")
    if (nonBlocking !== "set" && nonBlocking !== "leave") {
      throw ioError.invalidArgument("register", `nonBlocking must be "set" or "leave", got ${show(nonBlocking)}`)
    }
    // A handed-over fd is closed when anything below fails too: from the call on, it is ours. The flag goes back
    // first (the source's onClose, and a failed registration's), while the fd still names the description.
    try {
      if (owned) resource.ownFd(fd, "register")
      return { fd, onClose: nonBlocking === "set" ? setNonBlocking(fd) : undefined, wanted }
    } catch (error) {
      if (owned) binding.close(fd)
      throw error
    }
  }, (io, opened) =>
    new AsyncFd(
      resource.unsafeSource(io, opened, {
        interest: opened.wanted,
        syscall: "register",
        ownership: ownership(owned),
        kind: "asyncFd"
      }),
      opened.wanted
    ))

/** @internal */
export const register = make(false)

/** @internal */
export const adopt = make(true)

/**
 * A pipe's two fds, each closed once: by `closeRead` / `closeWrite`, or by the scope's release, whichever comes first.
 * A second close of a number that may have been reused by then would close someone else's fd.
 *
 * @internal
 */
class Pipe implements Api.Pipe {
  private readOpen = true
  private writeOpen = true

  constructor(readonly readFd: number, readonly writeFd: number) {}

  get closeRead(): Effect.Effect<void> {
    return Effect.sync(() => this.unsafeCloseRead())
  }

  get closeWrite(): Effect.Effect<void> {
    return Effect.sync(() => this.unsafeCloseWrite())
  }

  unsafeCloseRead(): void {
    if (!this.readOpen) return
    this.readOpen = false
    binding.close(this.readFd)
  }

  unsafeCloseWrite(): void {
    if (!this.writeOpen) return
    this.writeOpen = false
    binding.close(this.writeFd)
  }
}

/** @internal */
export const pipe = (): Effect.Effect<Api.Pipe, IoError, Scope.Scope> =>
  Effect.acquireRelease(
    ioError.attemptSync(() => {
      try {
        const [readFd, writeFd] = binding.pipe()
        return new Pipe(readFd, writeFd)
      } catch (error) {
        throw ioError.fromThrown(error, "pipe")
      }
    }),
    (pipe) =>
      Effect.sync(() => {
        pipe.unsafeCloseRead()
        pipe.unsafeCloseWrite()
      })
  )
