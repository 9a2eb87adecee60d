/**
 * Building `IoError`s: from a `-errno` a syscall returned, from what the native boundary or the reactor threw, and
 * for input rejected before any syscall. The reason always comes from `errno.ts`'s one table.
 *
 * @internal
 */
import * as Os from "node:os"
import { IoError, type IoErrorReason, reasons } from "../IoError.js"
import * as Errno from "./errno.js"

const ioReasons: ReadonlySet<string> = new Set(reasons)

/** A reason of the errno table that `IoError` lacks (none today; the table may grow others') is `"Os"`. @internal */
export const toIoReason = (reason: Errno.Reason): IoErrorReason =>
  ioReasons.has(reason) ? reason as IoErrorReason : "Os"

/** The `IoError` of a syscall that failed with `errno` (positive or negative). @internal */
export const fromErrno = (errno: number, syscall: string): IoError => {
  const positive = Math.abs(errno)
  const code = Errno.codeOf(positive)
  return new IoError({
    reason: toIoReason(Errno.reasonOf({ errno: positive, code })),
    syscall,
    errno: positive,
    code,
    message: `${syscall} failed: ${code ?? "errno " + positive}`
  })
}

interface Thrown extends Error {
  readonly errno?: unknown
  readonly code?: unknown
  readonly syscall?: unknown
}

/**
 * The `IoError` for a value the native boundary or the reactor threw (an errno error, a closed poller, a
 * `TypeError`/`RangeError` for a rejected argument), or `undefined` for anything else: a defect.
 *
 * @internal
 */
export const classify = (error: unknown, syscall: string): IoError | undefined => {
  if (error instanceof TypeError || error instanceof RangeError) {
    return new IoError({ reason: "InvalidArgument", syscall, message: error.message, cause: error })
  }
  if (!(error instanceof Error)) return undefined
  const thrown = error as Thrown
  const errno = typeof thrown.errno === "number" ? Math.abs(thrown.errno) : undefined
  const code = typeof thrown.code === "string" ? thrown.code : errno === undefined ? undefined : Errno.codeOf(errno)
  if (errno === undefined && code === undefined) return undefined
  return new IoError({
    reason: toIoReason(Errno.reasonOf({ errno, code })),
    syscall: typeof thrown.syscall === "string" && thrown.syscall.length > 0 ? thrown.syscall : syscall,
    errno: errno ?? (code === undefined ? undefined : (Os.constants.errno as Record<string, number>)[code]),
    code,
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

/** @internal */
export const closed = (syscall: string): IoError =>
  new IoError({ reason: "Closed", syscall, message: `${syscall}: the socket is closed` })

/** @internal */
export const invalidArgument = (syscall: string, message: string): IoError =>
  new IoError({ reason: "InvalidArgument", syscall, message })

/** @internal */
export const invalidAddress = (syscall: string, message: string): IoError =>
  new IoError({ reason: "InvalidAddress", syscall, message })

/** @internal */
export const timedOut = (syscall: string, message: string): IoError =>
  new IoError({ reason: "TimedOut", syscall, message })
