/**
 * How every fd-backed type becomes a Scope-owned resource: open the fd, register it, wrap it in a `Source`, build the
 * resource, all in one `Effect.acquireRelease` whose release is the resource's `close` (deregister, then close; never
 * failing). One path for every type, so the rules below are written once:
 *
 * - The runtime is asked first (`reactorFor(what)`): without one, the defect names the public function `what`.
 * - `open` runs inside the acquisition. It throws an `IoError`, or what the native boundary threw (classified here with
 *   the acquisition's syscall); anything else is a bug and dies. What `open` took before it failed, it gives back
 *   itself: the fd is not the resource's until `open` returns.
 * - Registering is the one step that can fail after `open`: a failed registration runs the fd's `onClose`, then gives
 *   the fd up as its `Ownership` says, and fails with the registration's error (`Closed` for a closed reactor).
 * - An acquisition is uninterruptible, and a resource handed out is released with its scope; `close` releases it
 *   early and the scope's release is then a no-op.
 *
 * An fd's ownership, from `open` to release:
 *
 *   opened --registered--> a Source (OPEN) --release--> deregistered, onClose, closed when the source owns it
 *   opened --registration fails--> onClose; then closed ("owned"), left open ("borrowed") or handed back
 *                                  ("handedOver")
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Interest } from "../Interest.js"
import { IoError } from "../IoError.js"
import type * as Reactor from "../Reactor.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import { type Kind, KIND_INDEX } from "./counters.js"
import * as interest from "./interest.js"
import * as ioError from "./ioError.js"
import { binding } from "./native.js"
import type * as reactor from "./reactor.js"
import * as reactorRuntime from "./reactorRuntime.js"
import { Source } from "./source.js"

/** The interest of an fd used both ways: a socket, a side of a pty, `AsyncFd`'s default. @internal */
export const readWrite = (interest.READABLE | interest.WRITABLE) as Interest

/**
 * What `open` gives: the fd, and what the release runs after deregistering it and before closing it (a signal mask
 * to restore, a native handle to close); a failed registration runs it too.
 *
 * @internal
 */
export interface Opened {
  readonly fd: number
  readonly onClose?: (() => void) | undefined
}

/**
 * Who closes an fd once it is opened:
 * - `"owned"`: the source, at release; a failed registration closes it at once.
 * - `"borrowed"`: its owner, always; the source never closes it (`AsyncFd.register`, a `File`'s eventfd).
 * - `"handedOver"`: the caller's until it is registered, the source's from then on; it is also handed to the addon,
 *   which closes it if this thread ends first, and a failed registration hands it back open (`TcpStream.fromFd`).
 *
 * @internal
 */
export type Ownership = "owned" | "borrowed" | "handedOver"

/**
 * How an opened fd is registered: its interest, the syscall its failure names, who closes it, and its kind (the
 * runtime's per-kind counters, `ReactorMetrics`). @internal
 */
export interface Registering {
  readonly interest: Interest
  readonly syscall: string
  readonly kind: Kind
  /** `"owned"` when absent. */
  readonly ownership?: Ownership | undefined
}

/** What the scope releases: the resource's `close`, which never fails; a pair releases both, in order. @internal */
export interface Resource {
  readonly close: Effect.Effect<void>
}

/**
 * Takes `fd` over from the caller: the addon closes it when this thread's environment ends, if nothing closed it
 * before (a Worker terminated with it open). Throws an `IoError` (ENOMEM).
 *
 * @internal
 */
export const ownFd = (fd: number, syscall: string): void => {
  try {
    binding.own(fd)
  } catch (error) {
    throw ioError.fromThrown(error, syscall)
  }
}

/** Gives up an opened fd that never became a source: its `onClose`, then the fd as `ownership` says. */
const giveUp = (opened: Opened, ownership: Ownership): void => {
  try {
    opened.onClose?.()
  } finally {
    if (ownership === "owned") binding.close(opened.fd)
    else if (ownership === "handedOver") binding.disown(opened.fd)
  }
}

/**
 * Registers an opened fd and wraps it in a `Source`; when registering fails, gives the fd up (see `Ownership`) and
 * throws the `IoError`. For the synchronous paths (an accepted connection, `unsafeFromFd`) and for `acquire`'s `make`.
 *
 * @internal
 */
export const unsafeSource = (io: Reactor.Reactor, opened: Opened, registering: Registering): Source => {
  const ownership = registering.ownership ?? "owned"
  if (ownership === "handedOver") ownFd(opened.fd, registering.syscall)
  let registration: Reactor.Registration
  try {
    // Every reactor is reactor.ts's (see `Source`), whose `register` also takes the kind to count.
    registration = (io as reactor.Reactor).register(opened.fd, registering.interest, KIND_INDEX[registering.kind])
  } catch (error) {
    giveUp(opened, ownership)
    throw ioError.fromThrown(error, registering.syscall)
  }
  return new Source(opened.fd, registration, ownership !== "borrowed", opened.onClose)
}

/**
 * `unsafeSource` for each of several fds (a pty's two sides, a socketpair's two ends): all of them, or none. When one
 * fails, the sources already made are closed and the fds not reached yet are given up too.
 *
 * @internal
 */
export const unsafeSources = <const O extends ReadonlyArray<Opened>>(
  io: Reactor.Reactor,
  opened: O,
  registering: Registering
): { readonly [K in keyof O]: Source } => {
  const sources: Array<Source> = []
  try {
    for (const one of opened) sources.push(unsafeSource(io, one, registering))
  } catch (error) {
    for (const source of sources) source.close()
    for (const rest of opened.slice(sources.length + 1)) giveUp(rest, registering.ownership ?? "owned")
    throw error
  }
  return sources as unknown as { readonly [K in keyof O]: Source }
}

const release = (resource: Resource | ReadonlyArray<Resource>): Effect.Effect<void> =>
  "close" in resource ? resource.close : Effect.forEach(resource, (one) => one.close, { discard: true })

/**
 * The root of every acquisition: the runtime's reactor (a defect naming `what` without one), then `acquisition` as an
 * `Effect.acquireRelease` whose release is the resource's `close`. For an acquisition that waits (`File.open`);
 * the others use `acquire` or `acquireSource`.
 *
 * @internal
 */
export const acquireWith = <A extends Resource | ReadonlyArray<Resource>, R = never>(
  what: string,
  acquisition: (io: Reactor.Reactor) => Effect.Effect<A, IoError, R>
): Effect.Effect<A, IoError, ReactorRuntime | Scope.Scope | R> =>
  Effect.flatMap(
    reactorRuntime.reactorFor(what),
    (io) => Effect.acquireRelease(Effect.suspend(() => acquisition(io)), release)
  )

/**
 * `open`, then `make` from what it opened, synchronously, as a resource of the current scope. `make` registers the
 * fds first (`unsafeSource`, `unsafeSources`), so a failure of its own after that must close what it registered;
 * `acquireSource` does that for the common case of one fd.
 *
 * @internal
 */
export const acquire = <O, A extends Resource | ReadonlyArray<Resource>>(
  what: string,
  syscall: string,
  open: () => O,
  make: (io: Reactor.Reactor, opened: O) => A
): Effect.Effect<A, IoError, ReactorRuntime | Scope.Scope> =>
  acquireWith(what, (io) =>
    ioError.attemptSync(() => {
      let opened: O
      try {
        opened = open()
      } catch (error) {
        throw error instanceof IoError ? error : ioError.fromThrown(error, syscall)
      }
      return make(io, opened)
    }))

/**
 * The common case: `open` one fd, register it as `registering` says, and `make` the resource from its `Source`, in the
 * current scope. `what` is the public function's name, for the defect when there is no runtime.
 *
 * @internal
 */
export const acquireSource = <O extends Opened, A extends Resource>(
  what: string,
  registering: Registering,
  open: () => O,
  make: (source: Source, opened: O) => A
): Effect.Effect<A, IoError, ReactorRuntime | Scope.Scope> =>
  acquire(what, registering.syscall, open, (io, opened) => {
    const source = unsafeSource(io, opened, registering)
    try {
      return make(source, opened)
    } catch (error) {
      source.close()
      throw error
    }
  })
