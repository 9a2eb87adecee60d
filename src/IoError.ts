/**
 * The typed error of every socket, `AsyncFd` and `File` operation.
 *
 * A failed syscall becomes an `IoError` whose `reason` is one of a closed set (mapped from errno in the package's one
 * errno table), so callers match on what happened; `errno`, `code` and `syscall` stay on the error for logs and for
 * the `"Os"` catch-all. Bad input (port 70000, host "999.1.1.1", a negative size, a closed socket) is an `IoError`
 * too, never a crash or a hang.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * Why an IO operation failed.
 *
 * - `"AddressInUse"`: EADDRINUSE, the address is bound by another socket.
 * - `"AddressNotAvailable"`: EADDRNOTAVAIL, the address is not local.
 * - `"ConnectionRefused"`: ECONNREFUSED, nothing listens there.
 * - `"ConnectionReset"`: ECONNRESET (or ECONNABORTED), the peer reset the connection.
 * - `"BrokenPipe"`: EPIPE, a write to a peer that is gone (never a `SIGPIPE`).
 * - `"TimedOut"`: ETIMEDOUT, or a `timeout` option that elapsed.
 * - `"NotConnected"`: ENOTCONN / EDESTADDRREQ.
 * - `"InvalidAddress"`: a host that is not a numeric IPv4/IPv6 address and does not resolve, a bad Unix path.
 * - `"InvalidArgument"`: EINVAL, or an argument rejected before any syscall (port 70000, a negative size).
 * - `"PermissionDenied"`: EACCES.
 * - `"AlreadyExists"`: EEXIST (a `File` opened with an exclusive flag, `"wx"`, on a path that exists).
 * - `"IsDirectory"`: EISDIR (a directory opened for writing, or read as a `File`).
 * - `"NotFound"`: ENOENT (a Unix socket path that does not exist), ENOTFOUND (a name that does not resolve), ESRCH (a
 *   process that does not exist or has been reaped).
 * - `"Unsupported"`: the fd cannot be polled (a regular file: use `File`), or the socket does not support the option,
 *   or `File` was given a FIFO or a socket (pollable: use `AsyncFd`).
 * - `"BadDescriptor"`: EBADF.
 * - `"Closed"`: the socket, its registration or the reactor was closed.
 * - `"Os"`: anything else; `errno` and `code` say what.
 *
 * @example
 * ```ts
 * import type { IoError } from "effect-reactor"
 *
 * const peerGone = (reason: IoError.IoErrorReason): boolean =>
 *   reason === "ConnectionReset" || reason === "BrokenPipe"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type IoErrorReason =
  | "AddressInUse"
  | "AddressNotAvailable"
  | "ConnectionRefused"
  | "ConnectionReset"
  | "BrokenPipe"
  | "TimedOut"
  | "NotConnected"
  | "InvalidAddress"
  | "InvalidArgument"
  | "PermissionDenied"
  | "AlreadyExists"
  | "IsDirectory"
  | "NotFound"
  | "Unsupported"
  | "BadDescriptor"
  | "Closed"
  | "Os"

/**
 * Every `IoErrorReason`, in declaration order.
 *
 * @example
 * ```ts
 * import { IoError } from "effect-reactor"
 *
 * console.log(IoError.reasons.includes("BrokenPipe")) // true
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const reasons: ReadonlyArray<IoErrorReason> = [
  "AddressInUse",
  "AddressNotAvailable",
  "ConnectionRefused",
  "ConnectionReset",
  "BrokenPipe",
  "TimedOut",
  "NotConnected",
  "InvalidAddress",
  "InvalidArgument",
  "PermissionDenied",
  "AlreadyExists",
  "IsDirectory",
  "NotFound",
  "Unsupported",
  "BadDescriptor",
  "Closed",
  "Os"
]

/**
 * A failed IO operation.
 *
 * `syscall` names the system call ("connect", "recv", "accept4") or, for input rejected before any syscall, the
 * operation ("bind", "read"). `errno` is the positive POSIX number and `code` its symbolic name ("ECONNREFUSED");
 * both are absent when the error did not come from a syscall. `address` is the address a `connect`, `bind` or
 * `listen` was for (`"127.0.0.1:8080"`, `"[::1]:8080"`, or a Unix socket's path), and the message ends with it, as
 * Node's do: `connect ECONNREFUSED: connection refused 127.0.0.1:1`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { IoError } from "effect-reactor"
 *
 * const program = Effect.fail(
 *   new IoError.IoError({ reason: "ConnectionRefused", syscall: "connect", code: "ECONNREFUSED", message: "no" })
 * ).pipe(
 *   Effect.catchTag("IoError", (error) => Effect.succeed(error.reason))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class IoError extends Data.TaggedError("IoError")<{
  readonly reason: IoErrorReason
  readonly syscall: string
  readonly errno?: number | undefined
  readonly code?: string | undefined
  readonly address?: string | undefined
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Whether a value is an `IoError`.
 *
 * @example
 * ```ts
 * import { IoError } from "effect-reactor"
 *
 * const describe = (u: unknown): string => IoError.isIoError(u) ? u.reason : "not an IO error"
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isIoError = (u: unknown): u is IoError => u instanceof IoError

/**
 * Whether a value is an `IoError` with the given reason; handy with `Effect.catchIf`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { IoError } from "effect-reactor"
 *
 * const ignoreReset = <A, R>(self: Effect.Effect<A, IoError.IoError, R>) =>
 *   Effect.catchIf(self, IoError.isReason("ConnectionReset"), () => Effect.void)
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isReason =
  <Reason extends IoErrorReason>(reason: Reason) => (u: unknown): u is IoError & { readonly reason: Reason } =>
    isIoError(u) && u.reason === reason
