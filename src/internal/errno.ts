/**
 * The one place where an errno becomes a reason.
 *
 * Every error type of the package (`PollerError`, `IoError`) asks `reasonOf`; none keeps its own table. A type
 * whose closed set lacks a reason reports it as `"Os"` (keeping errno and code).
 *
 * The table is keyed by the `code` string ("EEXIST") because that is what the native boundary and Node
 * both carry, and a code names the same condition on every platform while the number does not (EAGAIN is 11 on
 * Linux and 35 on macOS). A bare number is translated to its code through `os.constants.errno` first.
 *
 * @internal
 */
import * as Os from "node:os"

/**
 * The closed set of reasons the table can produce. Growing it (AddressInUse, ConnectionReset, ...) is how later
 * error types reuse this module.
 *
 * @internal
 */
export type Reason =
  | "AlreadyExists"
  | "NotFound"
  | "Unsupported"
  | "BadDescriptor"
  | "InvalidArgument"
  | "Closed"
  | "AddressInUse"
  | "AddressNotAvailable"
  | "ConnectionRefused"
  | "ConnectionReset"
  | "BrokenPipe"
  | "TimedOut"
  | "NotConnected"
  | "PermissionDenied"
  | "IsDirectory"
  | "Os"

/**
 * The code the native addon gives a call on a closed poller; not an errno, but a reason all the same.
 *
 * @internal
 */
export const ERR_POLLER_CLOSED = "ERR_POLLER_CLOSED"

/**
 * The code of every TypeError / RangeError that rejects an argument at the boundary, native or ours
 * (`argumentError`). Only these become `InvalidArgument`: any other TypeError or RangeError is a bug, and a defect.
 *
 * @internal
 */
export const ERR_INVALID_ARG = "ERR_REACTOR_INVALID_ARG"

/**
 * A TypeError (wrong type) or RangeError (wrong value) rejecting an argument, carrying `ERR_INVALID_ARG`; the message
 * names the argument, as Node's own argument errors do.
 *
 * @internal
 */
export const argumentError = (kind: "type" | "range", message: string): TypeError | RangeError =>
  Object.assign(kind === "type" ? new TypeError(message) : new RangeError(message), { code: ERR_INVALID_ARG })

// The errnos the package compares results with. The addon's syscalls return `-errno` with the numbers of the same
// <errno.h> that Node's `os.constants.errno` is built from, so those are the numbers (EAGAIN is 11 on Linux).

/** @internal */
export const EAGAIN: number = Os.constants.errno.EAGAIN
/** @internal */
export const EBADF: number = Os.constants.errno.EBADF
/** @internal */
export const EPIPE: number = Os.constants.errno.EPIPE
/** @internal */
export const ECONNRESET: number = Os.constants.errno.ECONNRESET
/** @internal */
export const EINVAL: number = Os.constants.errno.EINVAL
/** @internal */
export const EMFILE: number = Os.constants.errno.EMFILE
/** @internal */
export const EINPROGRESS: number = Os.constants.errno.EINPROGRESS
/** @internal */
export const ENOTCONN: number = Os.constants.errno.ENOTCONN

/** @internal */
export const table: ReadonlyMap<string, Exclude<Reason, "Os">> = new Map([
  ["EEXIST", "AlreadyExists"],
  ["ENOENT", "NotFound"],
  // epoll_ctl(2): "EPERM The target file fd does not support epoll" (regular files, directories, /dev/null).
  ["EPERM", "Unsupported"],
  // A backend that cannot honour a mode (edge on poll(2)) may say so with either spelling.
  ["ENOTSUP", "Unsupported"],
  ["EOPNOTSUPP", "Unsupported"],
  ["EBADF", "BadDescriptor"],
  ["EINVAL", "InvalidArgument"],
  [ERR_POLLER_CLOSED, "Closed"],
  [ERR_INVALID_ARG, "InvalidArgument"],
  // Sockets (socket(7), tcp(7), unix(7)).
  ["EADDRINUSE", "AddressInUse"],
  ["EADDRNOTAVAIL", "AddressNotAvailable"],
  ["ECONNREFUSED", "ConnectionRefused"],
  ["ECONNRESET", "ConnectionReset"],
  // accept(2): the connection was reset before it could be accepted.
  ["ECONNABORTED", "ConnectionReset"],
  // send(2) with MSG_NOSIGNAL: the peer is gone; the signal SIGPIPE is never raised.
  ["EPIPE", "BrokenPipe"],
  ["ETIMEDOUT", "TimedOut"],
  ["ENOTCONN", "NotConnected"],
  ["EDESTADDRREQ", "NotConnected"],
  ["EACCES", "PermissionDenied"],
  // open(2) for writing, read(2)/pread(2): the path or fd is a directory.
  ["EISDIR", "IsDirectory"],
  ["EAFNOSUPPORT", "Unsupported"],
  ["EPROTONOSUPPORT", "Unsupported"],
  // getaddrinfo(3) as Node's dns module reports it: the name does not resolve.
  ["ENOTFOUND", "NotFound"],
  // pidfd_open(2), pidfd_send_signal(2): no such process (it never existed, or it has been reaped).
  ["ESRCH", "NotFound"]
])

const codeByErrno: ReadonlyMap<number, string> = (() => {
  const map = new Map<number, string>()
  // Aliases share a number (EAGAIN/EWOULDBLOCK, ENOTSUP/EOPNOTSUPP on Linux); the first, canonical name wins.
  for (const [code, errno] of Object.entries(Os.constants.errno)) {
    if (!map.has(errno)) map.set(errno, code)
  }
  return map
})()

/**
 * Whether `code` is one a boundary error may carry: an errno name ("EEXIST"), or one of the boundary's own codes.
 * Node's `ERR_*` codes are not: an error carrying one came from a Node API misused by our code (a bug).
 *
 * @internal
 */
export const isBoundaryCode = (code: string): boolean =>
  code === ERR_POLLER_CLOSED || code === ERR_INVALID_ARG || Object.hasOwn(Os.constants.errno, code)

/**
 * The symbolic code of an errno number ("EEXIST" for 17 on Linux). Node's own errors carry negative numbers
 * (libuv's convention), the addon positive ones; both are accepted.
 *
 * @internal
 */
export const codeOf = (errno: number): string | undefined => codeByErrno.get(Math.abs(errno))

/**
 * Maps an errno, given as a code, a number or both, to its reason. The code wins when both are present (it is what
 * the thrower meant); anything the table does not name is `"Os"`, and the caller keeps the errno and code.
 *
 * @internal
 */
export const reasonOf = (
  error: { readonly errno?: number | undefined; readonly code?: string | undefined }
): Reason => {
  const code = error.code ?? (error.errno === undefined ? undefined : codeOf(error.errno))
  return (code === undefined ? undefined : table.get(code)) ?? "Os"
}
