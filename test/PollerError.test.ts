import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import * as Os from "node:os"
import * as Errno from "../src/internal/errno.js"
import { attempt, classify, fromNativeError, toPollerReason } from "../src/internal/pollerError.js"
import * as PollerError from "../src/PollerError.js"

const errnos = Os.constants.errno

// What the addon throws (native/src/errors.cc): a plain Error with errno, code and syscall set on it.
const nativeError = (props: { errno?: number; code?: string; syscall?: string }, message = "boom"): Error =>
  Object.assign(new Error(message), props)

const expectedByCode: ReadonlyArray<readonly [string, Errno.Reason]> = [
  ["EEXIST", "AlreadyExists"],
  ["ENOENT", "NotFound"],
  ["EPERM", "Unsupported"],
  ["ENOTSUP", "Unsupported"],
  ["EOPNOTSUPP", "Unsupported"],
  ["EBADF", "BadDescriptor"],
  ["EINVAL", "InvalidArgument"],
  ["ERR_POLLER_CLOSED", "Closed"],
  ["ERR_REACTOR_INVALID_ARG", "InvalidArgument"],
  ["EADDRINUSE", "AddressInUse"],
  ["EADDRNOTAVAIL", "AddressNotAvailable"],
  ["ECONNREFUSED", "ConnectionRefused"],
  ["ECONNRESET", "ConnectionReset"],
  ["ECONNABORTED", "ConnectionReset"],
  ["EPIPE", "BrokenPipe"],
  ["ETIMEDOUT", "TimedOut"],
  ["ENOTCONN", "NotConnected"],
  ["EDESTADDRREQ", "NotConnected"],
  ["EACCES", "PermissionDenied"],
  ["EISDIR", "IsDirectory"],
  ["EAFNOSUPPORT", "Unsupported"],
  ["EPROTONOSUPPORT", "Unsupported"],
  ["ENOTFOUND", "NotFound"],
  ["ESRCH", "NotFound"]
]

describe("errno mapping", () => {
  it.each(expectedByCode)("code %s is %s", (code, reason) => {
    expect(Errno.reasonOf({ code })).toBe(reason)
  })

  it("the table holds exactly the tested codes", () => {
    expect([...Errno.table.entries()].sort()).toEqual([...expectedByCode].map(([c, r]) => [c, r]).sort())
  })

  it.each(expectedByCode.filter(([code]) => code in errnos))("errno of %s alone is %s", (code, reason) => {
    const errno = errnos[code as keyof typeof errnos]
    expect(Errno.reasonOf({ errno })).toBe(reason)
    // libuv and Node's own errors carry the negated number.
    expect(Errno.reasonOf({ errno: -errno })).toBe(reason)
  })

  it("anything else is Os", () => {
    expect(Errno.reasonOf({ code: "EMFILE" })).toBe("Os")
    expect(Errno.reasonOf({ code: "ERR_SOMETHING_ELSE" })).toBe("Os")
    expect(Errno.reasonOf({ errno: errnos.ENOMEM })).toBe("Os")
    expect(Errno.reasonOf({ errno: 100_000 })).toBe("Os")
    expect(Errno.reasonOf({})).toBe("Os")
  })

  it("the code wins over the number", () => {
    // The addon's closed-poller error carries errno EBADF with its own code.
    expect(Errno.reasonOf({ errno: errnos.EBADF, code: "ERR_POLLER_CLOSED" })).toBe("Closed")
    expect(Errno.reasonOf({ errno: errnos.EEXIST, code: "ENOENT" })).toBe("NotFound")
  })

  it("codeOf names errno numbers of either sign", () => {
    expect(Errno.codeOf(errnos.EEXIST)).toBe("EEXIST")
    expect(Errno.codeOf(-errnos.EBADF)).toBe("EBADF")
    expect(Errno.codeOf(100_000)).toBeUndefined()
  })
})

describe("toPollerReason", () => {
  it("keeps the poller's reasons", () => {
    for (const reason of PollerError.reasons) expect(toPollerReason(reason)).toBe(reason)
  })

  it("turns a reason of another error type into Os", () => {
    expect(toPollerReason("AddressInUse" as Errno.Reason)).toBe("Os")
  })
})

describe("fromNativeError", () => {
  it("maps an errno error, keeping errno, code, syscall, message and cause", () => {
    const cause = nativeError({ errno: errnos.EEXIST, code: "EEXIST", syscall: "epoll_ctl" }, "EEXIST: File exists")
    const error = fromNativeError(cause, "add")
    expect(error).toBeInstanceOf(PollerError.PollerError)
    expect(error._tag).toBe("PollerError")
    expect(error.reason).toBe("AlreadyExists")
    expect(error.errno).toBe(errnos.EEXIST)
    expect(error.code).toBe("EEXIST")
    expect(error.syscall).toBe("epoll_ctl")
    expect(error.message).toBe("EEXIST: File exists")
    expect(error.cause).toBe(cause)
  })

  it.each(expectedByCode.filter(([code]) => code in errnos))("maps the native %s error to %s", (code, reason) => {
    const errno = errnos[code as keyof typeof errnos]
    // Socket reasons (AddressInUse, ...) belong to IoError; a poller reports them as Os.
    expect(fromNativeError(nativeError({ errno, code, syscall: "epoll_ctl" }), "add").reason).toBe(
      toPollerReason(reason)
    )
  })

  it("maps the closed-poller error to Closed", () => {
    const error = fromNativeError(
      nativeError({ errno: errnos.EBADF, code: "ERR_POLLER_CLOSED", syscall: "wait" }, "ERR_POLLER_CLOSED: closed"),
      "wait"
    )
    expect(error.reason).toBe("Closed")
    expect(error.code).toBe("ERR_POLLER_CLOSED")
    expect(error.errno).toBe(errnos.EBADF)
  })

  it("maps an unknown errno to Os and keeps it", () => {
    const cause = nativeError({ errno: errnos.EMFILE, code: "EMFILE", syscall: "epoll_create1" })
    const error = fromNativeError(cause, "open")
    expect(error.reason).toBe("Os")
    expect(error.errno).toBe(errnos.EMFILE)
    expect(error.code).toBe("EMFILE")
    expect(error.syscall).toBe("epoll_create1")
  })

  it("fills in the code from a bare errno and makes the errno positive", () => {
    const error = fromNativeError(nativeError({ errno: -errnos.ENOENT }), "delete")
    expect(error.reason).toBe("NotFound")
    expect(error.errno).toBe(errnos.ENOENT)
    expect(error.code).toBe("ENOENT")
  })

  it("names the operation when the error names no syscall", () => {
    expect(fromNativeError(nativeError({ code: "EBADF" }), "modify").syscall).toBe("modify")
    expect(fromNativeError(nativeError({ code: "EBADF", syscall: "" }), "modify").syscall).toBe("modify")
  })

  it("maps the boundary's argument errors (code ERR_REACTOR_INVALID_ARG) to InvalidArgument, keeping the message", () => {
    const causes = [
      Errno.argumentError("type", "The \"fd\" argument must be a number"),
      Errno.argumentError("range", "out of range")
    ]
    for (const cause of causes) {
      const error = fromNativeError(cause, "add")
      expect(error.reason).toBe("InvalidArgument")
      expect(error.message).toBe(cause.message)
      expect(error.syscall).toBe("add")
      expect(error.errno).toBeUndefined()
      expect(error.code).toBeUndefined()
      expect(error.cause).toBe(cause)
    }
  })

  it("rethrows anything else: it is a defect", () => {
    const plain = new Error("a bug")
    expect(() => fromNativeError(plain, "add")).toThrow(plain)
    expect(() => fromNativeError("a string", "add")).toThrow()
    // A TypeError or RangeError without the boundary's code is a bug in our code or the engine, not bad input.
    const bug = new TypeError("Cannot read properties of undefined (reading 'fd')")
    expect(() => fromNativeError(bug, "add")).toThrow(bug)
    expect(classify(new RangeError("Invalid array length"), "add")).toBeUndefined()
    // Node's own ERR_* codes come from a Node API our code misused.
    const misuse = Object.assign(new TypeError("The \"size\" argument must be of type number"), {
      code: "ERR_INVALID_ARG_TYPE"
    })
    expect(classify(misuse, "add")).toBeUndefined()
    // An errno on something that is not an Error is not the boundary's shape.
    const notAnError = { errno: errnos.EEXIST, code: "EEXIST" }
    expect(() => fromNativeError(notAnError, "add")).toThrow()
    expect(classify(notAnError, "add")).toBeUndefined()
    expect(classify(undefined, "add")).toBeUndefined()
  })
})

describe("attempt", () => {
  it.effect("succeeds with the call's result", () =>
    Effect.gen(function*() {
      expect(yield* attempt("wait", () => 3)).toBe(3)
    }))

  it.effect("fails with a PollerError for a boundary error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(attempt("delete", () => {
        throw nativeError({ errno: errnos.ENOENT, code: "ENOENT", syscall: "epoll_ctl" })
      }))
      expect(error.reason).toBe("NotFound")
    }))

  it.effect("dies for anything else", () =>
    Effect.gen(function*() {
      const bug = new Error("a bug")
      const exit = yield* Effect.exit(attempt("add", () => {
        throw bug
      }))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      if (Exit.isFailure(exit)) expect(Cause.squash(exit.cause)).toBe(bug)
    }))

  it.effect("runs the call again on every run", () =>
    Effect.gen(function*() {
      let calls = 0
      const effect = attempt("notify", () => ++calls)
      yield* effect
      yield* effect
      expect(calls).toBe(2)
    }))
})

describe("PollerError", () => {
  const error = new PollerError.PollerError({
    reason: "NotFound",
    syscall: "epoll_ctl",
    errno: errnos.ENOENT,
    code: "ENOENT",
    message: "ENOENT: No such file or directory, epoll_ctl"
  })

  it("is a tagged Error with its fields", () => {
    expect(error).toBeInstanceOf(Error)
    expect(error._tag).toBe("PollerError")
    expect(error.name).toBe("PollerError")
    expect(error.message).toBe("ENOENT: No such file or directory, epoll_ctl")
    expect(error.reason).toBe("NotFound")
  })

  it("lists its reasons", () => {
    expect(PollerError.reasons).toEqual([
      "AlreadyExists",
      "NotFound",
      "Unsupported",
      "BadDescriptor",
      "InvalidArgument",
      "Closed",
      "Os"
    ])
  })

  it("isPollerError and isReason recognise it", () => {
    expect(PollerError.isPollerError(error)).toBe(true)
    expect(PollerError.isPollerError(new Error("no"))).toBe(false)
    expect(PollerError.isPollerError({ _tag: "PollerError", reason: "NotFound" })).toBe(false)
    expect(PollerError.isReason("NotFound")(error)).toBe(true)
    expect(PollerError.isReason("Closed")(error)).toBe(false)
    expect(PollerError.isReason("NotFound")(new Error("no"))).toBe(false)
  })

  it.effect("is caught by its tag and by its reason", () =>
    Effect.gen(function*() {
      const caught = Effect.catchTag(Effect.fail(error), "PollerError", (e) => Effect.succeed(e.reason))
      expect(yield* caught).toBe("NotFound")
      const ignored = Effect.catchIf(Effect.fail(error), PollerError.isReason("NotFound"), () => Effect.succeed("ok"))
      expect(yield* ignored).toBe("ok")
    }))
})
