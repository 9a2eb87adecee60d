/**
 * Socket addresses: constructors, formatting, and the translation of what the addon reports.
 *
 * @internal
 */
import * as Net from "node:net"
import type * as Api from "../SocketAddress.js"
import type { NativeAddress } from "./native.js"

/** @internal */
export const inet = (address: string, port: number): Api.Inet => ({
  _tag: "Inet",
  family: Net.isIPv6(address) ? "IPv6" : "IPv4",
  address,
  port
})

/** @internal */
export const unix = (path: string): Api.Unix => ({ _tag: "Unix", path })

/** @internal */
export const format = (self: Api.SocketAddress): string =>
  self._tag === "Unix"
    ? self.path
    : self.family === "IPv6"
    ? `[${self.address}]:${self.port}`
    : `${self.address}:${self.port}`

/** @internal */
export const fromNative = (address: NativeAddress): Api.SocketAddress =>
  address.family === "Unix"
    ? { _tag: "Unix", path: address.path }
    : { _tag: "Inet", family: address.family, address: address.address, port: address.port }

/** What an address reads as when getsockname/getpeername fail (the socket was reset or closed). @internal */
export const unspecified = (family: 1 | 4 | 6): Api.SocketAddress =>
  family === 1 ? unix("") : family === 6 ? inet("::", 0) : inet("0.0.0.0", 0)
