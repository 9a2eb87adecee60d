/**
 * UDP sockets on the reactor: `sendto`/`recvfrom` with the one try-wait-retry protocol of `Source`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { IoError } from "../IoError.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import type { Inet } from "../SocketAddress.js"
import type * as Api from "../UdpSocket.js"
import * as address from "./address.js"
import { EINVAL } from "./errno.js"
import * as ioError from "./ioError.js"
import { binding, type NativeAddress } from "./native.js"
import * as resource from "./resource.js"
import { show } from "./show.js"
import { type Family, openSocket } from "./socket.js"
import * as socketAddress from "./socketAddress.js"
import type { Source } from "./source.js"

const constants = binding.constants

/** Where a datagram goes: an `Inet` address or `{ host, port }`; anything else is `InvalidArgument`. */
const targetOf = (to: unknown, syscall: string): { readonly host: unknown; readonly port: unknown } | IoError => {
  if (typeof to !== "object" || to === null) {
    return ioError.invalidArgument(syscall, `the target must be an address or { host, port }, got ${show(to)}`)
  }
  const target = to as { readonly _tag?: unknown; readonly address?: unknown; readonly host?: unknown; port?: unknown }
  return target._tag === "Inet"
    ? { host: target.address, port: target.port }
    : { host: target.host ?? "127.0.0.1", port: target.port }
}

/** @internal */
export class UdpSocket implements Api.UdpSocket {
  private local: Inet | undefined = undefined
  private remote: Inet | undefined = undefined

  constructor(readonly source: Source, readonly family: Family) {}

  get fd(): number {
    return this.source.fd
  }

  get closed(): boolean {
    return this.source.closed
  }

  get localAddress(): Inet {
    return this.local ??= this.inetOf(binding.localAddress(this.source.fd))
  }

  /** An address the addon reports (`-errno`: the unspecified one) as an Inet one: a UDP socket is IPv4 or IPv6. */
  private inetOf(native: NativeAddress | number): Inet {
    if (typeof native === "number") return socketAddress.unspecified(this.family) as Inet
    return socketAddress.fromNative(native) as Inet
  }

  get remoteAddress(): Inet | undefined {
    return this.remote
  }

  send(bytes: Uint8Array, to?: Api.Target): Effect.Effect<number, IoError> {
    if (!(bytes instanceof Uint8Array)) return Effect.fail(ioError.notBytes("sendto", "bytes"))
    const fd = this.source.fd
    if (to === undefined) return this.source.io("writable", () => binding.send(fd, bytes), "send", -EINVAL, 0)
    const target = targetOf(to, "sendto")
    if (target instanceof IoError) return Effect.fail(target)
    const badPort = address.checkPort(target.port, "sendto")
    if (badPort !== undefined) return Effect.fail(badPort)
    const port = target.port as number
    return Effect.flatMap(
      address.resolveHost(target.host, "sendto"),
      (resolved) =>
        this.source.io("writable", () => binding.sendTo(fd, bytes, resolved.address, port), "sendto", -EINVAL, 0)
    )
  }

  receive(buffer: Uint8Array): Effect.Effect<Api.Datagram, IoError> {
    if (!(buffer instanceof Uint8Array)) {
      return Effect.fail(ioError.notBytes("recvfrom", "buffer"))
    }
    const fd = this.source.fd
    let from: Inet = this.inetOf(-1) // the unspecified address, until recvfrom names the sender
    let truncated = false
    return Effect.map(
      this.source.io(
        "readable",
        () => {
          const result = binding.recvFrom(fd, buffer)
          if (typeof result === "number") return result
          if (typeof result.from !== "number") from = this.inetOf(result.from)
          truncated = result.truncated
          return result.bytes
        },
        "recvfrom",
        -EINVAL,
        0
      ),
      (bytes) => ({ bytes, from, truncated })
    )
  }

  connect(options: Api.Target): Effect.Effect<void, IoError> {
    return Effect.gen(this, function*() {
      const target = targetOf(options, "connect")
      if (target instanceof IoError) return yield* Effect.fail(target)
      const badPort = address.checkPort(target.port, "connect")
      if (badPort !== undefined) return yield* Effect.fail(badPort)
      const port = target.port as number
      const resolved = yield* address.resolveHost(target.host, "connect")
      if (this.source.closed) return yield* Effect.fail(ioError.closed("connect"))
      const result = binding.connect(this.source.fd, resolved.address, port)
      if (result < 0) {
        return yield* Effect.fail(
          ioError.atAddress(ioError.fromErrno(result, "connect"), address.formatInet(resolved.address, port))
        )
      }
      this.remote = socketAddress.inet(resolved.address, port)
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
    if (typeof options !== "object" || options === null) {
      return yield* Effect.fail(ioError.invalidArgument("bind", `options must be an object, got ${show(options)}`))
    }
    const port = options.port ?? 0
    const badPort = address.checkPort(port, "bind")
    if (badPort !== undefined) return yield* Effect.fail(badPort)
    const { address: host, family } = yield* address.resolveHost(options.host ?? "127.0.0.1", "bind")
    const registering: resource.Registering = { interest: resource.readWrite, syscall: "bind", kind: "udp" }
    return yield* resource.acquireSource("UdpSocket.bind", registering, () => {
      const fd = openSocket(family, "dgram")
      try {
        if (options.reuseAddress === true) {
          ioError.check(binding.setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEADDR, 1), "setsockopt")
        }
        if (options.reusePort === true) {
          ioError.check(binding.setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEPORT, 1), "setsockopt")
        }
        const bound = binding.bind(fd, host, port)
        if (bound < 0) throw ioError.atAddress(ioError.fromErrno(bound, "bind"), address.formatInet(host, port))
      } catch (error) {
        binding.close(fd)
        throw error
      }
      return { fd }
    }, (source) => new UdpSocket(source, family))
  })
