/**
 * IoError: the reason set, the errno mapping through the one table, guards, and what the boundary throws.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Os from "node:os"
import * as Errno from "../src/internal/errno.js"
import * as ioError from "../src/internal/ioError.js"
import { attemptSync } from "../src/internal/ioError.js"
import * as IoError from "../src/IoError.js"

const errnos = Os.constants.errno

describe("IoError", () => {
  it.each(
    [
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
    ] as const
  )("%s (as -errno) is %s, with errno, code and syscall kept", (code, reason) => {
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
    expect(ioError.classify(Errno.argumentError("range", "bad port"), "bind")?.reason).toBe("InvalidArgument")
    // A TypeError or RangeError without the boundary's code is a bug, not bad input: a defect.
    expect(ioError.classify(new RangeError("Invalid array length"), "bind")).toBeUndefined()
    expect(ioError.classify(new TypeError("x is not a function"), "bind")).toBeUndefined()
    const misuse = Object.assign(new TypeError("bad"), { code: "ERR_INVALID_ARG_TYPE" })
    expect(ioError.classify(misuse, "bind")).toBeUndefined()
    const thrown = Object.assign(new Error("EMFILE"), { errno: errnos.EMFILE, code: "EMFILE", syscall: "socket" })
    expect(ioError.classify(thrown, "connect")).toMatchObject({ reason: "Os", code: "EMFILE", syscall: "socket" })
    const closed = Object.assign(new Error("closed"), { code: "ERR_POLLER_CLOSED" })
    expect(ioError.classify(closed, "register")?.reason).toBe("Closed")
    expect(ioError.classify(new Error("plain"), "x")).toBeUndefined()
    expect(() => ioError.fromThrown("not an error", "x")).toThrow()
  })

  it.effect("a thrown IoError is a failure; anything else thrown is a bug, and a defect", () =>
    Effect.gen(function*() {
      const refused = ioError.fromErrno(errnos.ECONNREFUSED, "connect")
      expect(yield* Effect.flip(ioError.failThrown(refused))).toBe(refused)
      const bug = new TypeError("Cannot read properties of undefined (reading 'fd')")
      const died = yield* Effect.exit(ioError.failThrown(bug))
      expect(Exit.isFailure(died) && Cause.dieOption(died.cause)).toEqual(Option.some(bug))
      expect(ioError.exitThrown(refused)).toEqual(Exit.fail(refused))
      expect(ioError.exitThrown(bug)).toEqual(Exit.die(bug))
      // The same through a synchronous step of the IO types.
      const step = yield* Effect.exit(attemptSync(() => {
        throw bug
      }))
      expect(Exit.isFailure(step) && Cause.isDie(step.cause)).toBe(true)
    }))

  it("messages read as Node's; atAddress names the address once", () => {
    const refused = ioError.fromErrno(-errnos.ECONNREFUSED, "connect")
    expect(refused.message).toBe("connect ECONNREFUSED: connection refused")
    const there = ioError.atAddress(refused, "[::1]:1")
    expect([there.address, there.message, there.reason, there.errno]).toEqual([
      "[::1]:1",
      "connect ECONNREFUSED: connection refused [::1]:1",
      "ConnectionRefused",
      errnos.ECONNREFUSED
    ])
    expect(ioError.atAddress(there, "elsewhere")).toBe(there)
    const late = ioError.atAddress(ioError.timedOut("connect", "connect timed out after 5 seconds"), "127.0.0.1:9")
    expect(late.message).toBe("connect timed out after 5 seconds 127.0.0.1:9")
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
