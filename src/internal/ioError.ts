/**
 * Building `IoError`s: from a `-errno` a syscall returned, from what the native boundary or the reactor threw, and
 * for input rejected before any syscall. The reason always comes from `errno.ts`'s one table.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Os from "node:os"
import * as Util from "node:util"
import { IoError, type IoErrorReason, reasons } from "../IoError.js"
import * as Errno from "./errno.js"

const ioReasons: ReadonlySet<string> = new Set(reasons)

/** A reason of the errno table that `IoError` lacks (none today; the table may grow others') is `"Os"`. @internal */
export const toIoReason = (reason: Errno.Reason): IoErrorReason =>
  ioReasons.has(reason) ? reason as IoErrorReason : "Os"

// What each errno means, in libuv's words ("connection refused"), keyed by the negated number as libuv keys it.
const descriptions: ReadonlyMap<number, readonly [string, string]> = Util.getSystemErrorMap()

/** The message of a failed syscall, Node's way: `connect ECONNREFUSED: connection refused`. */
const errnoMessage = (syscall: string, errno: number, code: string | undefined): string => {
  const description = descriptions.get(-errno)?.[1]
  return `${syscall} ${code ?? "errno " + errno}${description === undefined ? "" : ": " + description}`
}

/** The `IoError` of a syscall that failed with `errno` (positive or negative). @internal */
export const fromErrno = (errno: number, syscall: string): IoError => {
  const positive = Math.abs(errno)
  const code = Errno.codeOf(positive)
  return new IoError({
    reason: toIoReason(Errno.reasonOf({ errno: positive, code })),
    syscall,
    errno: positive,
    code,
    message: errnoMessage(syscall, positive, code)
  })
}

/**
 * `error`, saying which address it was for: a `connect`, `bind` or `listen` names its address as Node's errors do
 * (`connect ECONNREFUSED: connection refused 127.0.0.1:1`). An error that already names one is kept. @internal
 */
export const atAddress = (error: IoError, address: string): IoError =>
  error.address !== undefined ? error : new IoError({
    reason: error.reason,
    syscall: error.syscall,
    errno: error.errno,
    code: error.code,
    address,
    message: `${
      error.errno === undefined ? error.message : errnoMessage(error.syscall, error.errno, error.code)
    } ${address}`,
    cause: error.cause
  })

interface Thrown extends Error {
  readonly errno?: unknown
  readonly code?: unknown
  readonly syscall?: unknown
}

/**
 * The `IoError` for a value the native boundary or the reactor threw (an errno error, a closed poller, an argument
 * rejected with `ERR_INVALID_ARG`), or `undefined` for anything else (a bug, in our code or the engine): a defect.
 *
 * @internal
 */
export const classify = (error: unknown, syscall: string): IoError | undefined => {
  if (!(error instanceof Error)) return undefined
  const thrown = error as Thrown
  const errno = typeof thrown.errno === "number" ? Math.abs(thrown.errno) : undefined
  const code = typeof thrown.code === "string" ? thrown.code : errno === undefined ? undefined : Errno.codeOf(errno)
  if (code === undefined || !Errno.isBoundaryCode(code)) return undefined
  return new IoError({
    reason: toIoReason(Errno.reasonOf({ errno, code })),
    syscall: typeof thrown.syscall === "string" && thrown.syscall.length > 0 ? thrown.syscall : syscall,
    errno: errno ?? (Os.constants.errno as Record<string, number | undefined>)[code],
    code: code === Errno.ERR_INVALID_ARG ? undefined : code,
    message: error.message,
    cause: error
  })
}

/** Like `classify`, but a value that is not a boundary error is rethrown (a defect). @internal */
export const fromThrown = (error: unknown, syscall: string): IoError => {
  const mapped = classify(error, syscall)
  if (mapped === undefined) throw error
  return mapped
}

/** A thrown value as an Effect: an `IoError` fails with it; anything else is a bug, and dies. @internal */
export const failThrown = (error: unknown): Effect.Effect<never, IoError> =>
  error instanceof IoError ? Effect.fail(error) : Effect.die(error)

/** `failThrown` as an `Exit`, for the future face. @internal */
export const exitThrown = (error: unknown): Exit.Exit<never, IoError> =>
  error instanceof IoError ? Exit.fail(error) : Exit.die(error)

/** Runs a synchronous step that throws `IoError`s: its value, or the failure; anything else thrown dies. @internal */
export const attemptSync = <A>(f: () => A): Effect.Effect<A, IoError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(f())
    } catch (error) {
      return failThrown(error)
    }
  })

/** Throws the `IoError` of `result` when it is a `-errno`, for the synchronous steps `attemptSync` runs. @internal */
export const check = (result: number, syscall: string): void => {
  if (result < 0) throw fromErrno(result, syscall)
}

/** @internal */
export const closed = (syscall: string): IoError =>
  new IoError({ reason: "Closed", syscall, message: `${syscall}: the socket is closed` })

/** @internal */
export const invalidArgument = (syscall: string, message: string): IoError =>
  new IoError({ reason: "InvalidArgument", syscall, message })

/** The failure of an argument that must be a `Uint8Array`. @internal */
export const notBytes = (syscall: string, name: string): IoError =>
  invalidArgument(syscall, `${name} must be a Uint8Array`)

/** @internal */
export const invalidAddress = (syscall: string, message: string): IoError =>
  new IoError({ reason: "InvalidAddress", syscall, message })

/** @internal */
export const timedOut = (syscall: string, message: string): IoError =>
  new IoError({ reason: "TimedOut", syscall, message })
