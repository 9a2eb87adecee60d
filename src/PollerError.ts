/**
 * The typed error of every `Poller` operation.
 *
 * A failed syscall becomes a `PollerError` whose `reason` is one of a closed set, so callers match on what happened
 * rather than on numbers; the raw `errno` and `code` stay on the error for logs and for the `"Os"` catch-all.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * Why a poller operation failed.
 *
 * - `"AlreadyExists"`: the fd is already registered (EEXIST); use `modify`.
 * - `"NotFound"`: the fd is not registered (ENOENT).
 * - `"Unsupported"`: the fd cannot be polled (EPERM: epoll refuses regular files, directories, `/dev/null`; `File`
 *   does their IO on the thread pool), or the backend cannot do the requested mode (edge-triggered on poll(2)).
 * - `"BadDescriptor"`: the fd is not open (EBADF).
 * - `"InvalidArgument"`: EINVAL, or an argument the native boundary rejected (a negative fd, a NaN timeout).
 * - `"Closed"`: the poller was closed.
 * - `"Os"`: anything else; `errno` and `code` say what.
 *
 * @example
 * ```ts
 * import type { PollerError } from "effect-reactor"
 *
 * const retryable = (reason: PollerError.PollerErrorReason): boolean => reason === "Os"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type PollerErrorReason =
  | "AlreadyExists"
  | "NotFound"
  | "Unsupported"
  | "BadDescriptor"
  | "InvalidArgument"
  | "Closed"
  | "Os"

/**
 * Every `PollerErrorReason`, in declaration order.
 *
 * @example
 * ```ts
 * import { PollerError } from "effect-reactor"
 *
 * console.log(PollerError.reasons.includes("Closed")) // true
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const reasons: ReadonlyArray<PollerErrorReason> = [
  "AlreadyExists",
  "NotFound",
  "Unsupported",
  "BadDescriptor",
  "InvalidArgument",
  "Closed",
  "Os"
]

/**
 * A failed poller operation.
 *
 * `syscall` names the system call when there was one ("epoll_ctl", "epoll_wait") and the method otherwise ("add"
 * for a rejected argument, "wait" for a bad timeout). `errno` is the positive POSIX number and `code` its symbolic
 * name ("EEXIST"); both are absent when the error did not come from a syscall.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { PollerError } from "effect-reactor"
 *
 * const program = Effect.fail(
 *   new PollerError.PollerError({ reason: "NotFound", syscall: "epoll_ctl", errno: 2, code: "ENOENT", message: "no" })
 * ).pipe(
 *   Effect.catchTag("PollerError", (error) => Effect.succeed(error.reason))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PollerError extends Data.TaggedError("PollerError")<{
  readonly reason: PollerErrorReason
  readonly syscall: string
  readonly errno?: number | undefined
  readonly code?: string | undefined
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Whether a value is a `PollerError`.
 *
 * @example
 * ```ts
 * import { PollerError } from "effect-reactor"
 *
 * const describe = (u: unknown): string => PollerError.isPollerError(u) ? u.reason : "not a poller error"
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isPollerError = (u: unknown): u is PollerError => u instanceof PollerError

/**
 * Whether a value is a `PollerError` with the given reason; handy with `Effect.catchIf`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { PollerError } from "effect-reactor"
 *
 * const ignoreNotFound = <A, R>(self: Effect.Effect<A, PollerError.PollerError, R>) =>
 *   Effect.catchIf(self, PollerError.isReason("NotFound"), () => Effect.void)
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isReason =
  <Reason extends PollerErrorReason>(reason: Reason) => (u: unknown): u is PollerError & { readonly reason: Reason } =>
    isPollerError(u) && u.reason === reason
