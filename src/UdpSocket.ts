/**
 * A UDP socket (IPv4 or IPv6) on the reactor: `send` to an address (or to the connected peer), `receive` with the
 * sender's address, `connect` to fix the peer. Each operation tries its syscall first and waits for readiness only
 * on EAGAIN; interrupting a waiting one takes its waker back.
 *
 * A socket is a Scope-owned resource: its release deregisters it, then closes the fd, and never fails.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/udpSocket.js"
import type { IoError } from "./IoError.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"
import type { Inet } from "./SocketAddress.js"

/**
 * Where a datagram goes: a host (numeric, `"localhost"`, or a name; default `"127.0.0.1"`) and port, or an `Inet`
 * address as `receive` reports senders.
 *
 * @example
 * ```ts
 * import type { UdpSocket } from "effect-reactor"
 *
 * const target: UdpSocket.Target = { host: "::1", port: 5353 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Target = { readonly host?: string | undefined; readonly port: number } | Inet

/**
 * A received datagram: the bytes written to the buffer given to `receive`, its sender, and whether it was truncated:
 * a datagram longer than the buffer fills it and the rest is lost (the kernel keeps no part of a datagram for a next
 * read), so `truncated: true` means `bytes` is not the datagram's length. Use a buffer as large as the largest
 * datagram expected (65507 bytes holds any UDP/IPv4 payload).
 *
 * @example
 * ```ts
 * import type { UdpSocket } from "effect-reactor"
 *
 * const describe = (datagram: UdpSocket.Datagram) =>
 *   datagram.truncated ? `more than ${datagram.bytes} bytes (truncated)` : `${datagram.bytes} bytes`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Datagram {
  readonly bytes: number
  readonly from: Inet
  readonly truncated: boolean
}

/**
 * A bound UDP socket.
 *
 * - `send(bytes, to?)`: sends one datagram to `to`, or to the connected peer when `to` is omitted (`NotConnected`
 *   otherwise); the bytes sent.
 * - `receive(buffer)`: the next datagram into `buffer`, with its sender and whether it was truncated.
 * - `connect(to)`: fixes the peer: `send` without `to` goes there, and only its datagrams are received.
 * - `localAddress` (with the port the kernel chose for `port: 0`), `remoteAddress` (after `connect`): `Inet`
 *   addresses, which `send` and `connect` take as they are.
 * - `close`: release now.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { UdpSocket } from "effect-reactor"
 *
 * const reflect = (socket: UdpSocket.UdpSocket) =>
 *   Effect.gen(function*() {
 *     const buffer = new Uint8Array(1500)
 *     const { bytes, from } = yield* socket.receive(buffer)
 *     yield* socket.send(buffer.subarray(0, bytes), from)
 *   })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface UdpSocket {
  readonly fd: number
  readonly localAddress: Inet
  readonly remoteAddress: Inet | undefined
  readonly closed: boolean
  send(bytes: Uint8Array, to?: Target): Effect.Effect<number, IoError>
  receive(buffer: Uint8Array): Effect.Effect<Datagram, IoError>
  connect(to: Target): Effect.Effect<void, IoError>
  readonly close: Effect.Effect<void>
}

/**
 * Options of `bind`: `host` defaults to `"127.0.0.1"`, `port` to 0 (the kernel chooses); `reuseAddress` and
 * `reusePort` default to `false`.
 *
 * @example
 * ```ts
 * import type { UdpSocket } from "effect-reactor"
 *
 * const options: UdpSocket.BindOptions = { host: "::1", port: 0 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface BindOptions {
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly reuseAddress?: boolean | undefined
  readonly reusePort?: boolean | undefined
}

/**
 * Binds a UDP socket, as a resource of the current scope. Fails with `AddressInUse`, `InvalidAddress`,
 * `InvalidArgument` (port 70000).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorRuntime, UdpSocket } from "effect-reactor"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const socket = yield* UdpSocket.bind({ port: 0 })
 *     yield* socket.send(new TextEncoder().encode("ping"), { port: 9999 })
 *   })
 * ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const bind: (options?: BindOptions) => Effect.Effect<UdpSocket, IoError, ReactorRuntime | Scope.Scope> =
  internal.bind
