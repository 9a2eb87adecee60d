/**
 * Opening a `File`: the flags, the checks, the native open (a pool job like any other, filePump.ts) and the
 * registration of the handle's eventfd, as an Effect (a resource of the current scope, through `resource.ts`) and as
 * a future.
 *
 * An open's life: checked --fileOpen + the eventfd registered--> the file OPENING --the open job settles--> OPEN, or
 * CLOSED with why (file.ts). An open interrupted or dropped before it settles abandons the file: the late job's fd is
 * closed by the native handle.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import type * as Api from "../File.js"
import type { IoError } from "../IoError.js"
import type { Poll } from "../Poll.js"
import type * as Reactor from "../Reactor.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import type * as SimpleFuture from "../SimpleFuture.js"
import type { Waker } from "../Waker.js"
import * as context from "./context.js"
import { File } from "./file.js"
import { CheckedFuture } from "./future.js"
import * as interest from "./interest.js"
import * as ioError from "./ioError.js"
import { binding, type NativeFileHandle } from "./native.js"
import * as poll from "./poll.js"
import * as reactor from "./reactor.js"
import * as resource from "./resource.js"
import { show } from "./show.js"

const { O_APPEND, O_CREAT, O_EXCL, O_NONBLOCK, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } = Fs.constants

/** Node's open flag strings, as `fs.open` and `@effect/platform`'s `FileSystem` take them. @internal */
export const openFlags: Readonly<Record<Api.OpenFlag, number>> = {
  "r": O_RDONLY,
  "r+": O_RDWR,
  "w": O_TRUNC | O_CREAT | O_WRONLY,
  "wx": O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  "w+": O_TRUNC | O_CREAT | O_RDWR,
  "wx+": O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  "a": O_APPEND | O_CREAT | O_WRONLY,
  "ax": O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  "a+": O_APPEND | O_CREAT | O_RDWR,
  "ax+": O_APPEND | O_CREAT | O_RDWR | O_EXCL
}

/** Checks the arguments, opens the native handle and registers its eventfd: the file, OPENING. Throws `IoError`. */
const start = (io: Reactor.Reactor, path: string, options: Api.OpenOptions | undefined): File => {
  if (typeof path !== "string" || path.length === 0 || path.includes("\0")) {
    throw ioError.invalidArgument("open", `path must be a non-empty string without NUL bytes, got ${show(path)}`)
  }
  const flag = options?.flags ?? "r"
  const flags = Object.hasOwn(openFlags, flag) ? openFlags[flag] : undefined
  if (flags === undefined) {
    const known = Object.keys(openFlags).join(", ")
    throw ioError.invalidArgument("open", `flags must be one of ${known}, got ${show(flag)}`)
  }
  const mode = options?.mode ?? 0o666
  if (typeof mode !== "number" || !Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw ioError.invalidArgument("open", `mode must be an integer from 0 to 0o7777, got ${show(mode)}`)
  }
  let handle: NativeFileHandle
  try {
    // O_NONBLOCK: an open of a FIFO must not hold a pool thread until a peer comes (it is then refused). It changes
    // nothing for regular files and block devices (open(2)).
    handle = binding.fileOpen(path, flags | O_NONBLOCK, mode)
  } catch (error) {
    throw ioError.fromThrown(error, "open")
  }
  // The eventfd is the handle's: the release (or a failed registration) closes the handle, which closes it once no
  // job uses it, and the fd of an open job that is still running when it ends.
  const source = resource.unsafeSource(
    io,
    { fd: handle.eventfd, onClose: () => binding.fileClose(handle) },
    { interest: interest.READABLE, syscall: "open", ownership: "borrowed", kind: "file" }
  )
  return new File(path, handle, source)
}

/** @internal */
export const open = (
  path: string,
  options?: Api.OpenOptions
): Effect.Effect<File, IoError, ReactorRuntime | Scope.Scope> =>
  // Uninterruptible, as an acquisition is: an interruption waits for the open (which never blocks for long, see
  // `start`), and the release closes what it opened.
  resource.acquireWith("File.open", (io) => {
    if (!io.isDriven) return Effect.die(new Error(context.undrivenMessage("open")))
    let file: File
    try {
      file = start(io, path, options)
    } catch (error) {
      return ioError.failThrown(error)
    }
    return Effect.async<File, IoError>((resume) => {
      const result = file.opening.result
      if (result !== undefined) return resume(file.openedExit(result))
      // Decided in the fiber, not in the reactor's dispatch that settles the open.
      file.opening.resume = (result) => resume(Effect.suspend(() => file.openedExit(result)))
      return Effect.sync(() => file.abandon())
    })
  })

/** The reactor of the executor polling right now, or a defect. */
const currentReactor = (what: string): reactor.Reactor => {
  const io = context.currentIo(what)
  if (!(io instanceof reactor.Reactor)) throw new Error(`${what} needs the executor's reactor, and it has none`)
  return io
}

class OpenFuture extends CheckedFuture<File, IoError> {
  private file: File | undefined = undefined
  constructor(readonly path: string, readonly options: Api.OpenOptions | undefined) {
    super()
  }

  protected pollInner(w: Waker): Poll<Exit.Exit<File, IoError>> {
    if (this.file === undefined) {
      const io = currentReactor("File.openFuture")
      try {
        this.file = start(io, this.path, this.options)
      } catch (error) {
        return poll.ready(ioError.exitThrown(error))
      }
    }
    const result = this.file.opening.result
    if (result !== undefined) return poll.ready(this.file.openedExit(result))
    this.file.opening.waker = w
    return poll.pending
  }

  protected override onDrop(): void {
    this.file?.abandon()
  }
}

/** @internal */
export const openFuture = (path: string, options?: Api.OpenOptions): SimpleFuture.SimpleFuture<File, IoError> =>
  new OpenFuture(path, options)
