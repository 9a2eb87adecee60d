/**
 * What the socket types share (stream sockets, their listeners, UDP): the address family, opening a socket, and
 * reading the addresses the kernel reports.
 *
 * @internal
 */
import type { SocketAddress } from "../SocketAddress.js"
import * as ioError from "./ioError.js"
import { binding, type NativeAddress } from "./native.js"
import * as socketAddress from "./socketAddress.js"

/** The `family` argument of `binding.socket`: 1 (Unix), 4 or 6. @internal */
export type Family = 1 | 4 | 6

/** The counter kind of a connected stream socket of `family` (`ReactorMetrics`). @internal */
export const streamKind = (family: Family): "tcp" | "unix" => family === 1 ? "unix" : "tcp"

/** The counter kind of a listener of `family`. @internal */
export const listenerKind = (family: Family): "tcpListener" | "unixListener" =>
  family === 1 ? "unixListener" : "tcpListener"

/** `binding.socket`, as an `IoError` when it throws (EMFILE, EAFNOSUPPORT). @internal */
export const openSocket = (family: Family, type: "stream" | "dgram"): number => {
  try {
    return binding.socket(family, type)
  } catch (error) {
    throw ioError.fromThrown(error, "socket")
  }
}

/**
 * An address the kernel reported; a `-errno` (a socket already reset) reads as the family's unspecified one.
 *
 * @internal
 */
export const addressOf = (result: NativeAddress | number, family: Family): SocketAddress =>
  typeof result === "number" ? socketAddress.unspecified(family) : socketAddress.fromNative(result)
