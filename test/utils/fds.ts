/**
 * Real file descriptors for tests: pipes, socket pairs, eventfds and loopback TCP sockets, each
 * released by `using`-style disposal through `FdScope`, plus the process's open-fd count, a check that a scope
 * closes every fd it opened, and scoped temporary directories.
 */
import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { binding } from "../../src/internal/native.js"

/** The number of open file descriptors of this process, from /proc/self/fd. */
export const fdCount = (): number => Fs.readdirSync("/proc/self/fd").length

/** Runs `body` in a scope of its own, then expects the fd count back where it was before. */
export const closesItsFds = <A, E, R>(body: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, Scope.Scope>> =>
  Effect.gen(function*() {
    const before = fdCount()
    const result = yield* Effect.scoped(body)
    expect(fdCount()).toBe(before)
    return result
  })

/** A fresh directory in the system's temporary one, removed with its contents when the scope closes. */
export const tempDir = (prefix: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), prefix))),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )

const check = (result: number, what: string): number => {
  if (result < 0) throw new Error(`${what} failed with errno ${-result}`)
  return result
}

/** Collects fds and closes them all at once; tests create one per case. */
export class FdScope {
  private readonly fds = new Set<number>()

  track(fd: number): number {
    this.fds.add(fd)
    return fd
  }

  pipe(): readonly [read: number, write: number] {
    const [read, write] = binding.pipe()
    return [this.track(read), this.track(write)]
  }

  socketpair(): readonly [number, number] {
    const [a, b] = binding.socketpair()
    return [this.track(a), this.track(b)]
  }

  eventfd(initval = 0): number {
    return this.track(binding.eventfd(initval))
  }

  /** A port on 127.0.0.1 that was free a moment ago and has no listener. */
  closedPort(): number {
    const fd = binding.socket(4, "stream")
    try {
      check(binding.bind(fd, "127.0.0.1", 0), "bind")
      return check(binding.localPort(fd), "getsockname")
    } finally {
      binding.close(fd)
    }
  }

  /** A non-blocking TCP socket whose connect to `port` on 127.0.0.1 is in progress. */
  connecting(port: number): number {
    const fd = this.track(binding.socket(4, "stream"))
    const result = binding.connect(fd, "127.0.0.1", port)
    if (result !== 0 && result !== -binding.constants.EINPROGRESS) check(result, "connect")
    return fd
  }

  openFile(path: string, flags: string = "r"): number {
    return this.track(Fs.openSync(path, flags))
  }

  write(fd: number, bytes: string | Uint8Array): number {
    return check(binding.write(fd, typeof bytes === "string" ? Buffer.from(bytes) : bytes), "write")
  }

  /** Reads everything available; returns the byte count. */
  drain(fd: number): number {
    const buffer = Buffer.alloc(65536)
    let total = 0
    for (let i = 0; i < 1000; i++) {
      const n = binding.read(fd, buffer)
      if (n === -binding.constants.EAGAIN || n === 0) return total
      total += check(n, "read")
    }
    return total
  }

  close(fd: number): void {
    if (this.fds.delete(fd)) binding.close(fd)
  }

  closeAll(): void {
    for (const fd of this.fds) binding.close(fd)
    this.fds.clear()
  }
}
