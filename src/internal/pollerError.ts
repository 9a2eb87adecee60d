/**
 * From what the native boundary throws to a `PollerError`.
 *
 * The boundary throws three things on purpose (see `native.ts`): an `Error` with `errno`/`code`/`syscall` for a
 * failed syscall, an `Error` with `code: "ERR_POLLER_CLOSED"` for a closed poller, and a `TypeError`/`RangeError`
 * for a bad argument. Those become typed failures. Anything else is a bug and stays a defect.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { PollerError, type PollerErrorReason, reasons } from "../PollerError.js"
import * as Errno from "./errno.js"

const pollerReasons: ReadonlySet<string> = new Set(reasons)

/**
 * The errno table may grow reasons that belong to other error types (sockets); a poller reports those as `"Os"`,
 * with the errno and code kept.
 *
 * @internal
 */
export const toPollerReason = (reason: Errno.Reason): PollerErrorReason =>
  pollerReasons.has(reason) ? reason as PollerErrorReason : "Os"

/** @internal */
export interface NativeError extends Error {
  readonly errno?: number
  readonly code?: string
  readonly syscall?: string
}

/**
 * An `Error` that carries an errno (a number) or a code (a string): what the addon throws for a failed syscall or a
 * closed poller.
 *
 * @internal
 */
export const isNativeError = (u: unknown): u is NativeError =>
  u instanceof Error && (typeof (u as NativeError).errno === "number" || typeof (u as NativeError).code === "string")

/**
 * The `PollerError` for a thrown value, or `undefined` when the value is not one of the boundary's errors.
 *
 * @internal
 */
export const classify = (error: unknown, syscall: string): PollerError | undefined => {
  if (!isNativeError(error)) return undefined
  const errno = typeof error.errno === "number" ? Math.abs(error.errno) : undefined
  const code = typeof error.code === "string" ? error.code : errno === undefined ? undefined : Errno.codeOf(errno)
  // Only the boundary's own errors are typed: a TypeError or RangeError without ERR_INVALID_ARG, or an error with
  // one of Node's ERR_* codes, is a bug (ours or the engine's), and a defect.
  if (code === undefined || !Errno.isBoundaryCode(code)) return undefined
  const invalid = code === Errno.ERR_INVALID_ARG
  return new PollerError({
    reason: toPollerReason(Errno.reasonOf({ errno, code })),
    syscall: typeof error.syscall === "string" && error.syscall.length > 0 ? error.syscall : syscall,
    errno: invalid ? undefined : errno,
    code: invalid ? undefined : code,
    message: error.message,
    cause: error
  })
}

/**
 * Maps a value thrown by the native boundary to a `PollerError`. `syscall` names the operation when the error does
 * not (a rejected argument, a closed poller). Anything that is not a boundary error is rethrown: it is a defect.
 *
 * @internal
 */
export const fromNativeError = (error: unknown, syscall: string): PollerError => {
  const mapped = classify(error, syscall)
  if (mapped === undefined) throw error
  return mapped
}

/**
 * Runs a native call: its result, a `PollerError` for a boundary error, a defect for anything else.
 *
 * @internal
 */
export const attempt = <A>(syscall: string, f: () => A): Effect.Effect<A, PollerError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(f())
    } catch (error) {
      const mapped = classify(error, syscall)
      return mapped === undefined ? Effect.die(error) : Effect.fail(mapped)
    }
  })

/** @internal */
export const invalidArgument = (syscall: string, message: string): PollerError =>
  new PollerError({ reason: "InvalidArgument", syscall, message })
