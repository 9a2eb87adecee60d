/**
 * IoError: the reason set, the errno mapping through the one table, guards, and what the boundary throws.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Os from "node:os"
import * as ioError from "../src/internal/ioError.js"
import * as IoError from "../src/IoError.js"
import * as Errno from "../src/internal/errno.js"

const errnos = Os.constants.errno

describe("IoError", () => {
  it.each([
    ["EADDRINUSE", "AddressInUse"],
    ["EADDRNOTAVAIL", "AddressNotAvailable"],
    ["ECONNREFUSED", "ConnectionRefused"],
    ["ECONNRESET", "ConnectionReset"],
    ["ECONNABORTED", "ConnectionReset"],
    ["EPIPE", "BrokenPipe"],
    ["ETIMEDOUT", "TimedOut"],
    ["ENOTCONN", "NotConnected"],
    ["EACCES", "PermissionDenied"],
    ["ENOENT", "NotFound"],
    ["EPERM", "Unsupported"],
    ["EBADF", "BadDescriptor"],
    ["EINVAL", "InvalidArgument"],
    ["EEXIST", "AlreadyExists"],
    ["EISDIR", "IsDirectory"],
    ["EMFILE", "Os"]
  ] as const)("%s (as -errno) is %s, with errno, code and syscall kept", (code, reason) => {
    const error = ioError.fromErrno(-errnos[code], "connect")
    expect(error).toMatchObject({ _tag: "IoError", reason, errno: errnos[code], code, syscall: "connect" })
    expect(IoError.reasons).toContain(error.reason)
  })

  it("every reason of the errno table is an IoError reason or Os", () => {
    for (const reason of Errno.table.values()) {
      const mapped = ioError.toIoReason(reason)
      expect(mapped).toBe(reason)
    }
  })

  it("classify: argument errors are InvalidArgument, errno errors keep their syscall, the rest are defects", () => {
    expect(ioError.classify(new RangeError("bad port"), "bind")?.reason).toBe("InvalidArgument")
    const thrown = Object.assign(new Error("EMFILE"), { errno: errnos.EMFILE, code: "EMFILE", syscall: "socket" })
    expect(ioError.classify(thrown, "connect")).toMatchObject({ reason: "Os", code: "EMFILE", syscall: "socket" })
    const closed = Object.assign(new Error("closed"), { code: "ERR_POLLER_CLOSED" })
    expect(ioError.classify(closed, "register")?.reason).toBe("Closed")
    expect(ioError.classify(new Error("plain"), "x")).toBeUndefined()
    expect(() => ioError.fromThrown("not an error", "x")).toThrow()
  })

  it.effect("guards and catchTag", () =>
    Effect.gen(function*() {
      const error = ioError.fromErrno(errnos.ECONNRESET, "recv")
      expect(IoError.isIoError(error)).toBe(true)
      expect(IoError.isIoError(new Error("x"))).toBe(false)
      expect(IoError.isReason("ConnectionReset")(error)).toBe(true)
      expect(IoError.isReason("BrokenPipe")(error)).toBe(false)
      const reason = yield* Effect.fail(error).pipe(Effect.catchTag("IoError", (e) => Effect.succeed(e.reason)))
      expect(reason).toBe("ConnectionReset")
    }))
})
