/**
 * UDP sockets on the reactor: `sendto`/`recvfrom` with the one try-wait-retry protocol of `Source`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Interest } from "../Interest.js"
import type { IoError } from "../IoError.js"
import type { SocketAddress } from "../SocketAddress.js"
import type * as Api from "../UdpSocket.js"
import * as address from "./address.js"
import * as interest from "./interest.js"
import * as ioError from "./ioError.js"
import { binding } from "./native.js"
import * as socketAddress from "./socketAddress.js"
import { EINVAL, Source } from "./source.js"
import { attemptSync, check, type Family, notBytes, openSocket, registerFd } from "./stream.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import * as reactorRuntime from "./reactorRuntime.js"

const constants = binding.constants

const readWrite = (interest.READABLE | interest.WRITABLE) as Interest

const targetOf = (to: Api.Target): { readonly host: string; readonly port: number } =>
  "_tag" in to ? { host: to.address, port: to.port } : { host: to.host ?? "127.0.0.1", port: to.port }

/** @internal */
export class UdpSocket implements Api.UdpSocket {
  private local: SocketAddress | undefined = undefined
  private remote: SocketAddress | undefined = undefined

  constructor(readonly source: Source, readonly family: Family) {}

  get fd(): number {
    return this.source.fd
  }

  get closed(): boolean {
    return this.source.closed
  }

  get localAddress(): SocketAddress {
    if (this.local !== undefined) return this.local
    const local = binding.localAddress(this.source.fd)
    this.local = typeof local === "number" ? socketAddress.unspecified(this.family) : socketAddress.fromNative(local)
    return this.local
  }

  get remoteAddress(): SocketAddress | undefined {
    return this.remote
  }

  send(bytes: Uint8Array, to?: Api.Target): Effect.Effect<number, IoError> {
    if (!(bytes instanceof Uint8Array)) return Effect.fail(notBytes("sendto", "bytes"))
    const fd = this.source.fd
    if (to === undefined) return this.source.io("writable", () => binding.send(fd, bytes), "send", -EINVAL, 0)
    const target = targetOf(to)
    const badPort = address.checkPort(target.port, "sendto")
    if (badPort !== undefined) return Effect.fail(badPort)
    return Effect.flatMap(
      address.resolveHost(target.host, "sendto"),
      (resolved) =>
        this.source.io("writable", () => binding.sendTo(fd, bytes, resolved.address, target.port), "sendto", -EINVAL, 0)
    )
  }

  receive(buffer: Uint8Array): Effect.Effect<Api.Datagram, IoError> {
    if (!(buffer instanceof Uint8Array)) {
      return Effect.fail(notBytes("recvfrom", "buffer"))
    }
    const fd = this.source.fd
    let from: SocketAddress = socketAddress.unspecified(this.family)
    let truncated = false
    return Effect.map(
      this.source.io("readable", () => {
        const result = binding.recvFrom(fd, buffer)
        if (typeof result === "number") return result
        if (typeof result.from !== "number") from = socketAddress.fromNative(result.from)
        truncated = result.truncated
        return result.bytes
      }, "recvfrom", -EINVAL, 0),
      (bytes) => ({ bytes, from, truncated })
    )
  }

  connect(options: Api.Target): Effect.Effect<void, IoError> {
    return Effect.gen(this, function*() {
      const target = targetOf(options)
      const badPort = address.checkPort(target.port, "connect")
      if (badPort !== undefined) return yield* Effect.fail(badPort)
      const resolved = yield* address.resolveHost(target.host, "connect")
      if (this.source.closed) return yield* Effect.fail(ioError.closed("connect"))
      const result = binding.connect(this.source.fd, resolved.address, target.port)
      if (result < 0) {
        return yield* Effect.fail(
          ioError.atAddress(ioError.fromErrno(result, "connect"), address.formatInet(resolved.address, target.port))
        )
      }
      this.remote = socketAddress.inet(resolved.address, target.port)
      this.local = undefined
    })
  }

  get close(): Effect.Effect<void> {
    return Effect.sync(() => this.source.close())
  }
}

/** @internal */
export const bind = (
  options: Api.BindOptions = { port: 0 }
): Effect.Effect<UdpSocket, IoError, ReactorRuntime | Scope.Scope> =>
  Effect.gen(function*() {
    const port = options.port ?? 0
    const badPort = address.checkPort(port, "bind")
    if (badPort !== undefined) return yield* Effect.fail(badPort)
    const { address: host, family } = yield* address.resolveHost(options.host ?? "127.0.0.1", "bind")
    const io = yield* reactorRuntime.reactorFor("UdpSocket.bind")
    return yield* Effect.acquireRelease(
      attemptSync(() => {
        const fd = openSocket(family, "dgram")
        try {
          if (options.reuseAddress === true) {
            check(binding.setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEADDR, 1), "setsockopt")
          }
          if (options.reusePort === true) {
            check(binding.setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEPORT, 1), "setsockopt")
          }
          const bound = binding.bind(fd, host, port)
          if (bound < 0) throw ioError.atAddress(ioError.fromErrno(bound, "bind"), address.formatInet(host, port))
        } catch (error) {
          binding.close(fd)
          throw error
        }
        return new UdpSocket(new Source(fd, registerFd(io, fd, readWrite, true, "bind"), true), family)
      }),
      (socket) => socket.close
    )
  })
