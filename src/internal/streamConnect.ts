/**
 * The ways to get a connected stream socket: `connect` (TCP) and `connectUnix`, `fromFd` / `unsafeFromFd` (an fd the
 * caller hands over), and `pair` (socketpair(2)). Each is a resource of the current scope made through `resource.ts`
 * (`unsafeFromFd` excepted: its caller closes it).
 *
 * A connect's life: OPENED (a fresh non-blocking socket, registered, owned by the scope) --connect(2) says 0-->
 * CONNECTED; --EINPROGRESS--> CONNECTING --writable, SO_ERROR 0 and a peer name--> CONNECTED. Any failure, the
 * `timeout`, or an interruption while CONNECTING closes the socket at once (the scope's release is then a no-op).
 *
 * @internal
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import type { IoError } from "../IoError.js"
import type * as Reactor from "../Reactor.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import type * as TcpStreamApi from "../TcpStream.js"
import * as address from "./address.js"
import { EAGAIN, EINPROGRESS, ENOTCONN } from "./errno.js"
import * as ioError from "./ioError.js"
import { binding } from "./native.js"
import * as resource from "./resource.js"
import { show } from "./show.js"
import { type Family, openSocket, streamKind } from "./socket.js"
import { StreamSocket } from "./streamSocket.js"

const constants = binding.constants

/**
 * Opens a socket in the current scope and connects it: `start` issues the non-blocking connect, then (on
 * EINPROGRESS) the socket waits to be writable and SO_ERROR says how it went. A failure or an interruption closes
 * the socket at once (the scope's release is then a no-op).
 */
const connectWith = (
  family: Family,
  start: (fd: number) => number,
  timeout: Duration.Duration | undefined,
  target: string
): Effect.Effect<StreamSocket, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.flatMap(
    resource.acquireSource(
      family === 1 ? "UnixStream.connect" : "TcpStream.connect",
      { interest: resource.readWrite, syscall: "connect", kind: streamKind(family) },
      () => ({ fd: openSocket(family, "stream") }),
      (source) => new StreamSocket(source, family)
    ),
    (socket) => {
      const fd = socket.fd
      const established = Effect.suspend(() => {
        const started = start(fd)
        if (started === 0) return Effect.void
        if (started !== -EINPROGRESS) return Effect.fail(ioError.fromErrno(started, "connect"))
        // connect(2): "It is possible to select(2) or poll(2) for completion by selecting the socket for writing",
        // then read SO_ERROR. Connected when there is no error and the peer has a name.
        return socket.source.io(
          "writable",
          () => {
            const error = binding.socketError(fd)
            if (error !== 0) return error > 0 ? -error : error
            const peer = binding.remoteAddress(fd)
            return typeof peer !== "number" ? 0 : peer === -ENOTCONN ? -EAGAIN : peer
          },
          "connect",
          -ENOTCONN,
          0
        )
      })
      const bounded = timeout === undefined ? established : Effect.timeoutFail(established, {
        duration: timeout,
        onTimeout: () => ioError.timedOut("connect", `connect timed out after ${String(timeout)}`)
      })
      return bounded.pipe(
        Effect.mapError((error) => ioError.atAddress(error, target)),
        Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.sync(() => socket.resolveAddresses()) : socket.close),
        Effect.as(socket)
      )
    }
  )

/** @internal */
export const connect = (
  options: TcpStreamApi.ConnectOptions
): Effect.Effect<StreamSocket, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.gen(function*() {
    if (typeof options !== "object" || options === null) {
      return yield* Effect.fail(ioError.invalidArgument("connect", "options must be an object"))
    }
    const badPort = address.checkPort(options.port, "connect")
    if (badPort !== undefined) return yield* Effect.fail(badPort)
    const timeout = options.timeout === undefined
      ? undefined
      : yield* address.decodeDuration(options.timeout, "timeout", "connect")
    const { address: host, family } = yield* address.resolveHost(options.host ?? "127.0.0.1", "connect")
    const socket = yield* connectWith(
      family,
      (fd) => binding.connect(fd, host, options.port),
      timeout,
      address.formatInet(host, options.port)
    )
    if (options.noDelay === true) yield* socket.setNoDelay(true)
    return socket
  })

/** @internal */
export const connectUnix = (
  options: { readonly path: string; readonly timeout?: Duration.DurationInput | undefined }
): Effect.Effect<StreamSocket, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.gen(function*() {
    const badPath = address.checkPath(options?.path, "connect")
    if (badPath !== undefined) return yield* Effect.fail(badPath)
    const timeout = options.timeout === undefined
      ? undefined
      : yield* address.decodeDuration(options.timeout, "timeout", "connect")
    // unix(7): a non-blocking connect completes at once or fails; EAGAIN means the listener's backlog is full.
    return yield* connectWith(1, (fd) => binding.connect(fd, options.path), timeout, options.path)
  })

/** A handed-over fd of `family`: the caller's until it is registered, the socket's from then on. */
const handedOver = (family: Family): resource.Registering => ({
  interest: resource.readWrite,
  syscall: "fromFd",
  ownership: "handedOver",
  kind: streamKind(family)
})

/**
 * Checks a connected stream socket fd and its options, and sets them (`noDelay`): its family. Throws an `IoError`;
 * the fd is still the caller's.
 */
const checkConnected = (fd: number, options: TcpStreamApi.FromFdOptions | undefined): Family => {
  const bad = address.checkCount(fd, "fd", "fromFd")
  if (bad !== undefined) throw bad
  const noDelay = options?.noDelay
  if (noDelay !== undefined && typeof noDelay !== "boolean") {
    throw ioError.invalidArgument("fromFd", `noDelay must be a boolean, got ${show(noDelay)}`)
  }
  const local = binding.localAddress(fd)
  if (typeof local === "number") throw ioError.fromErrno(local, "getsockname")
  const peer = binding.remoteAddress(fd)
  if (typeof peer === "number") throw ioError.fromErrno(peer, "getpeername")
  if (noDelay === true) {
    ioError.check(binding.setsockopt(fd, constants.IPPROTO_TCP, constants.TCP_NODELAY, 1), "setsockopt")
  }
  return local.family === "Unix" ? 1 : local.family === "IPv6" ? 6 : 4
}

/** @internal */
export const unsafeFromFd = (io: Reactor.Reactor, fd: number, options?: TcpStreamApi.FromFdOptions): StreamSocket => {
  const family = checkConnected(fd, options)
  return new StreamSocket(resource.unsafeSource(io, { fd }, handedOver(family)), family)
}

/** @internal */
export const fromFd = (
  fd: number,
  options?: TcpStreamApi.FromFdOptions,
  what = "TcpStream.fromFd"
): Effect.Effect<StreamSocket, IoError, ReactorRuntime | Scope.Scope> =>
  // The family, which decides the counted kind, is known once the fd is checked: registered in `make`, not by
  // `acquireSource` (whose registration is fixed before `open` runs).
  resource.acquire(
    what,
    "fromFd",
    () => checkConnected(fd, options),
    (io, family) => new StreamSocket(resource.unsafeSource(io, { fd }, handedOver(family)), family)
  )

const socketpair: resource.Registering = { interest: resource.readWrite, syscall: "socketpair", kind: "unix" }

/**
 * A connected pair of Unix stream sockets (socketpair(2)), both owned by the current scope: an in-process pipe in both
 * directions, and a peer for tests. @internal
 */
export const pair = (): Effect.Effect<readonly [StreamSocket, StreamSocket], IoError, ReactorRuntime | Scope.Scope> =>
  resource.acquire("UnixStream.pair", "socketpair", () => binding.socketpair(), (io, [left, right]) => {
    const ends = resource.unsafeSources(io, [{ fd: left }, { fd: right }], socketpair)
    return [new StreamSocket(ends[0], 1), new StreamSocket(ends[1], 1)] as const
  })
