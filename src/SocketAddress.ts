/**
 * Socket addresses: an IPv4/IPv6 address with a port, or a Unix domain socket path.
 *
 * @since 0.1.0
 */
import * as internal from "./internal/socketAddress.js"

/**
 * An IPv4 or IPv6 address and port.
 *
 * @example
 * ```ts
 * import type { SocketAddress } from "effect-reactor"
 *
 * const local: SocketAddress.Inet = { _tag: "Inet", family: "IPv4", address: "127.0.0.1", port: 8080 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Inet {
  readonly _tag: "Inet"
  readonly family: "IPv4" | "IPv6"
  readonly address: string
  readonly port: number
}

/**
 * A Unix domain socket path; `""` for an unnamed socket (the client end of a connection, a socketpair).
 *
 * @example
 * ```ts
 * import type { SocketAddress } from "effect-reactor"
 *
 * const path: SocketAddress.Unix = { _tag: "Unix", path: "/tmp/app.sock" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Unix {
  readonly _tag: "Unix"
  readonly path: string
}

/**
 * The address of a socket: `Inet` or `Unix`.
 *
 * @example
 * ```ts
 * import type { SocketAddress } from "effect-reactor"
 *
 * const describe = (address: SocketAddress.SocketAddress): string =>
 *   address._tag === "Inet" ? `${address.address}:${address.port}` : address.path
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type SocketAddress = Inet | Unix

/**
 * Builds an `Inet` address; the family is read from the address ("::1" is IPv6).
 *
 * @example
 * ```ts
 * import { SocketAddress } from "effect-reactor"
 *
 * console.log(SocketAddress.inet("::1", 443).family) // "IPv6"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const inet: (address: string, port: number) => Inet = internal.inet

/**
 * Builds a `Unix` address.
 *
 * @example
 * ```ts
 * import { SocketAddress } from "effect-reactor"
 *
 * const address = SocketAddress.unix("/tmp/app.sock")
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const unix: (path: string) => Unix = internal.unix

/**
 * Formats an address the way URLs and logs spell it: `127.0.0.1:80`, `[::1]:80`, or the Unix path.
 *
 * @example
 * ```ts
 * import { SocketAddress } from "effect-reactor"
 *
 * console.log(SocketAddress.format(SocketAddress.inet("::1", 80))) // "[::1]:80"
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const format: (self: SocketAddress) => string = internal.format
