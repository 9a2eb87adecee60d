/**
 * Listening stream sockets (TCP and Unix domain): one implementation for both families.
 *
 * On readiness a listener accepts until EAGAIN (`acceptMany`, one native call) into its backlog, and hands the fds out
 * in order: `accept` registers one into the caller's scope, `connections` every pending one as connections the
 * listener owns. A resource failure (EMFILE, ENFILE, ENOBUFS, ENOMEM) leaves the connections queued and backs off
 * (acceptBackoff.ts). The future face, `pollAccept`, hands raw fds to the caller.
 *
 * A listener's release: deregister; then cancel the backoff timer, close the accepted fds not handed out and the
 * connections it owns, and remove the Unix path it bound; then close the listening fd.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import { IoError } from "../IoError.js"
import type * as Reactor from "../Reactor.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import type * as SocketAddressApi from "../SocketAddress.js"
import type { SocketAddress } from "../SocketAddress.js"
import type * as TcpListenerApi from "../TcpListener.js"
import type { Waker } from "../Waker.js"
import { AcceptBackoff, FIRST_DELAY_MS, isResourceFailure, MAX_DELAY_MS, RESOURCE_ERRNOS } from "./acceptBackoff.js"
import * as address from "./address.js"
import * as context from "./context.js"
import { EAGAIN, EBADF, EINVAL } from "./errno.js"
import * as interest from "./interest.js"
import * as ioError from "./ioError.js"
import { binding } from "./native.js"
import * as resource from "./resource.js"
import { addressOf, type Family, listenerKind, openSocket } from "./socket.js"
import type { Source } from "./source.js"
import { adopt, type StreamSocket } from "./streamSocket.js"
import type { TimerEntry } from "./timerQueue.js"

const constants = binding.constants

/** @internal */
export class Listener<Address extends SocketAddress = SocketAddress> implements TcpListenerApi.StreamListener<Address> {
  /** Accepted fds not yet handed out, in order. */
  private readonly backlog: Array<number> = []
  /** The future face's wake-up after a resource failure (acceptBackoff.ts). */
  private retry: TimerEntry | undefined = undefined
  private readonly batch = new Int32Array(1024)
  /** Connections handed out by `connections`: closed with the listener. */
  readonly live = new Set<StreamSocket>()
  private local: SocketAddress | undefined = undefined
  readonly source: Source

  constructor(
    readonly io: Reactor.Reactor,
    fd: number,
    readonly family: Family,
    private readonly path: string | undefined
  ) {
    // The release (or a failed registration) lets go of the queued connections and the path before the fd closes.
    this.source = resource.unsafeSource(io, { fd, onClose: () => this.release() }, {
      interest: interest.READABLE,
      syscall: "listen",
      kind: listenerKind(family)
    })
  }

  get fd(): number {
    return this.source.fd
  }

  get closed(): boolean {
    return this.source.closed
  }

  get localAddress(): Address {
    // The family the listener was opened with decides the address's tag: Inet for TCP, Unix for a path.
    return (this.local ??= addressOf(binding.localAddress(this.source.fd), this.family)) as Address
  }

  pollAccept(waker: Waker, out: Int32Array): number {
    if (this.source.closed) return -EBADF
    if (this.retry !== undefined && !this.retry.fired) {
      // Backing off after a resource failure: the timer wakes the newest waker.
      this.retry.waker = waker
      return -EAGAIN
    }
    const n = this.acceptBatch(out)
    if (n >= 0) {
      this.backoff.succeeded()
      // The raw fds are the caller's: the addon must not close them when this thread ends (owned_fds.h).
      for (let i = 0; i < n; i++) binding.disown(out[i]!)
      return n
    }
    if (!isResourceFailure(n)) return this.source.pollIo("readable", waker, n, -EINVAL)
    // Outside an executor there is no timer to wait with: the caller sees every failure and paces itself.
    const timer = context.peek()?.timer
    if (timer === undefined) return n
    const { delayMs, starts } = this.backoff.failed()
    this.retry = timer.insert(timer.now() + delayMs, waker)
    // The failure is told once per episode; until an accept succeeds the waker is woken after each backoff.
    return starts ? n : -EAGAIN
  }

  removeWaker(waker: Waker): void {
    this.source.registration.removeWaker("readable", waker)
  }

  /**
   * accept4 until EAGAIN into `out`: the count, or `-errno`. The cached readiness is cleared only when the batch
   * stopped on EAGAIN; one cut short by EMFILE leaves connections queued (see acceptBackoff.ts).
   */
  private acceptBatch(out: Int32Array): number {
    const n = binding.acceptMany(this.source.fd, out)
    if (n > 0 && n < out.length && out[n] === -EAGAIN) this.source.drained("readable")
    return n
  }

  /** Accepts into the backlog; one readiness wait when nothing is pending. */
  private readonly accepted: Effect.Effect<number, IoError> = Effect.suspend(() =>
    this.source.io(
      "readable",
      () => {
        const n = this.acceptBatch(this.batch)
        for (let i = 0; i < n; i++) this.backlog.push(this.batch[i]!)
        return n
      },
      "accept4",
      -EINVAL,
      0
    )
  )

  private readonly backoff = new AcceptBackoff()

  /** `accepted`, waiting out a resource failure (acceptBackoff.ts): 0 after a wait, to be tried again. */
  private readonly fill: Effect.Effect<number, IoError> = Effect.matchEffect(this.accepted, {
    onFailure: (error) => {
      if (error.errno === undefined || !RESOURCE_ERRNOS.has(error.errno)) return Effect.fail(error)
      const { delayMs, starts } = this.backoff.failed()
      const wait = Effect.as(Effect.sleep(delayMs), 0)
      if (!starts) return wait
      return Effect.zipRight(
        Effect.logWarning(
          `${this.describe()}: ${error.message}; the pending connections stay queued: accepting again after a ` +
            `backoff of ${FIRST_DELAY_MS} ms, doubling to ${MAX_DELAY_MS} ms, until an accept succeeds`
        ),
        wait
      )
    },
    onSuccess: (n) => {
      const throttledMs = n > 0 ? this.backoff.succeeded() : undefined
      if (throttledMs === undefined) return Effect.succeed(n)
      return Effect.as(
        Effect.logInfo(`${this.describe()}: accepting again, after ${Math.round(throttledMs)} ms short of resources`),
        n
      )
    }
  })

  private describe(): string {
    const local = this.localAddress
    return `${this.family === 1 ? "UnixListener" : "TcpListener"} ${
      local._tag === "Unix" ? local.path : address.formatInet(local.address, local.port)
    }`
  }

  /** Adopts the oldest accepted fd (uninterruptibly: it is registered and owned before anything can stop it). */
  private take<A>(own: (socket: StreamSocket) => Effect.Effect<A>): Effect.Effect<A | undefined, IoError> {
    return Effect.uninterruptible(Effect.suspend(() => {
      const fd = this.backlog.shift()
      if (fd === undefined) return Effect.succeed(undefined)
      let socket: StreamSocket
      try {
        socket = adopt(this.io, fd, this.family, "accept4")
      } catch (error) {
        return ioError.failThrown(error)
      }
      return own(socket)
    }))
  }

  private acceptInto(scope: Scope.Scope): Effect.Effect<StreamSocket, IoError> {
    return Effect.suspend(() => {
      if (this.source.closed) return Effect.fail(ioError.closed("accept4"))
      if (this.backlog.length === 0) return Effect.flatMap(this.fill, () => this.acceptInto(scope))
      return Effect.flatMap(
        this.take((socket) => Effect.as(Scope.addFinalizer(scope, socket.close), socket)),
        (socket) => socket === undefined ? this.acceptInto(scope) : Effect.succeed(socket)
      )
    })
  }

  get accept(): Effect.Effect<StreamSocket, IoError, Scope.Scope> {
    return Effect.flatMap(Scope.Scope, (scope) => this.acceptInto(scope))
  }

  /** Every connection pending now, owned by the listener; waits when there is none. */
  private readonly takeAll: Effect.Effect<Chunk.Chunk<StreamSocket>, IoError> = Effect.suspend(() => {
    if (this.source.closed) return Effect.fail(ioError.closed("accept4"))
    if (this.backlog.length === 0) return Effect.flatMap(this.fill, () => this.takeAll)
    return Effect.uninterruptible(Effect.sync(() => {
      const sockets: Array<StreamSocket> = []
      let failure: IoError | undefined
      while (this.backlog.length > 0) {
        const fd = this.backlog.shift()!
        try {
          const socket = adopt(this.io, fd, this.family, "accept4")
          socket.owner = this.live
          this.live.add(socket)
          sockets.push(socket)
        } catch (error) {
          // Only what the boundary threw is a failure to deliver; anything else is a bug, and dies here.
          if (!(error instanceof IoError)) throw error
          failure = error
          break
        }
      }
      return { sockets, failure }
    })).pipe(Effect.flatMap(({ failure, sockets }) =>
      // Connections adopted before a failure are still delivered; the failure comes with the next pull.
      sockets.length > 0 || failure === undefined
        ? Effect.succeed(Chunk.unsafeFromArray(sockets))
        : Effect.fail(failure)
    ))
  })

  get connections(): Stream.Stream<StreamSocket, IoError> {
    return Stream.repeatEffectChunk(this.takeAll)
  }

  get close(): Effect.Effect<void> {
    return Effect.sync(() => this.source.close())
  }

  /** Part of the release, after deregistering and before closing the listening fd. */
  private release(): void {
    this.retry?.cancel()
    for (const fd of this.backlog) binding.close(fd)
    this.backlog.length = 0
    for (const socket of Array.from(this.live)) socket.closeNow()
    if (this.path !== undefined) unlinkQuietly(this.path)
  }
}

const unlinkQuietly = (path: string): void => {
  try {
    Fs.unlinkSync(path)
  } catch {
    // Already removed by someone else: nothing to clean up.
  }
}

const listenOn = <Address extends SocketAddress>(
  family: Family,
  setup: (fd: number) => void,
  backlog: number,
  path: string | undefined,
  target: string
): Effect.Effect<Listener<Address>, IoError, ReactorRuntime | Scope.Scope> =>
  resource.acquire(path === undefined ? "TcpListener.bind" : "UnixListener.bind", "listen", () => {
    const fd = openSocket(family, "stream")
    let bound = false
    try {
      setup(fd)
      bound = true
      ioError.check(binding.listen(fd, backlog), "listen")
    } catch (error) {
      binding.close(fd)
      // A path this call bound is its to remove, even when listen failed; one it could not bind is not.
      if (bound && path !== undefined) unlinkQuietly(path)
      throw error instanceof IoError ? ioError.atAddress(error, target) : error
    }
    return fd
  }, (io, fd) => new Listener<Address>(io, fd, family, path))

/** @internal */
export const bind = (
  options: TcpListenerApi.BindOptions
): Effect.Effect<Listener<SocketAddressApi.Inet>, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.gen(function*() {
    if (typeof options !== "object" || options === null) {
      return yield* Effect.fail(ioError.invalidArgument("bind", "options must be an object"))
    }
    const badPort = address.checkPort(options.port, "bind")
    if (badPort !== undefined) return yield* Effect.fail(badPort)
    const backlog = options.backlog ?? 1024
    const badBacklog = address.checkCount(backlog, "backlog", "listen")
    if (badBacklog !== undefined) return yield* Effect.fail(badBacklog)
    const { address: host, family } = yield* address.resolveHost(options.host ?? "127.0.0.1", "bind")
    return yield* listenOn<SocketAddressApi.Inet>(
      family,
      (fd) => {
        if (options.reuseAddress ?? true) {
          ioError.check(binding.setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEADDR, 1), "setsockopt")
        }
        if (options.reusePort === true) {
          ioError.check(binding.setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEPORT, 1), "setsockopt")
        }
        ioError.check(binding.bind(fd, host, options.port), "bind")
      },
      backlog,
      undefined,
      address.formatInet(host, options.port)
    )
  })

/** @internal */
export const bindUnix = (
  options: { readonly path: string; readonly backlog?: number | undefined }
): Effect.Effect<Listener<SocketAddressApi.Unix>, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.gen(function*() {
    const badPath = address.checkPath(options?.path, "bind")
    if (badPath !== undefined) return yield* Effect.fail(badPath)
    const backlog = options.backlog ?? 1024
    const badBacklog = address.checkCount(backlog, "backlog", "listen")
    if (badBacklog !== undefined) return yield* Effect.fail(badBacklog)
    const bindPath = (fd: number) => ioError.check(binding.bind(fd, options.path), "bind")
    return yield* listenOn<SocketAddressApi.Unix>(1, bindPath, backlog, options.path, options.path)
  })
