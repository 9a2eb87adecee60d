/**
 * Pseudo-terminals: a controller/terminal pair of `AsyncFd`s owned by a scope, the two line-discipline settings a
 * program usually wants (raw or canonical input, echo on or off), and the window size.
 *
 * The addon only makes the calls (openpty, tcgetattr, tcsetattr, cfmakeraw, the window size ioctls); what "raw"
 * and "canonical" mean is decided here:
 * - raw: cfmakeraw(3) of the current attributes (no line editing, no signals, no CR/NL translation, no echo);
 * - canonical: the attributes the pty had when it was opened (the kernel's cooked defaults, echo on);
 * - echo: the ECHO bit, set or cleared on top of whichever mode is current.
 *
 * Attribute and size calls on a pty go through the controller: on Linux the termios and window size ioctls on a pty
 * controller act on its terminal side (tty_ioctl(4)), and the controller is the side a parent keeps after handing
 * the terminal to a child and closing its own copy.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Os from "node:os"
import type { IoError } from "../IoError.js"
import type * as Api from "../Pty.js"
import type { ReactorRuntime } from "../ReactorRuntime.js"
import * as address from "./address.js"
import { AsyncFd } from "./asyncFd.js"
import { EINVAL } from "./errno.js"
import * as ioError from "./ioError.js"
import { binding, type NativeTermios } from "./native.js"
import * as resource from "./resource.js"
import { show } from "./show.js"

const { ECHO, ICANON, TCSANOW } = binding.constants
const ENOTTY = Os.constants.errno.ENOTTY

const checkFd = (fd: unknown, syscall: string): void => {
  const bad = address.checkCount(fd, "fd", syscall)
  if (bad !== undefined) throw bad
}

const getAttributes = (fd: number): NativeTermios => {
  const result = binding.tcgetattr(fd)
  if (typeof result === "number") throw ioError.fromErrno(result, "tcgetattr")
  return result
}

const setAttributes = (fd: number, termios: NativeTermios): void =>
  ioError.check(binding.tcsetattr(fd, TCSANOW, termios), "tcsetattr")

// `>>> 0` keeps the flag word unsigned: JS bitwise operators answer in signed 32 bits.
const withEcho = (termios: NativeTermios, on: boolean): NativeTermios => ({
  ...termios,
  lflag: (on ? termios.lflag | ECHO : termios.lflag & ~ECHO) >>> 0
})

const settingsOf = (termios: NativeTermios): Api.Settings => ({
  mode: (termios.lflag & ICANON) !== 0 ? "canonical" : "raw",
  echo: (termios.lflag & ECHO) !== 0
})

const checkMode = (mode: unknown, syscall: string): Api.Mode => {
  if (mode === "raw" || mode === "canonical") return mode
  throw ioError.invalidArgument(syscall, `mode must be "raw" or "canonical", got ${show(mode)}`)
}

const checkEcho = (on: unknown, syscall: string): boolean => {
  if (typeof on === "boolean") return on
  throw ioError.invalidArgument(syscall, `echo must be a boolean, got ${show(on)}`)
}

const checkSize = (size: unknown, syscall: string): Api.WindowSize => {
  const { rows, columns } = (typeof size === "object" && size !== null ? size : {}) as Record<string, unknown>
  const dimension = (value: unknown) =>
    typeof value === "number" && Number.isInteger(value) && value >= 0 &&
    value <= 0xffff
  if (dimension(rows) && dimension(columns)) return { rows: rows as number, columns: columns as number }
  throw ioError.invalidArgument(syscall, "size must be { rows, columns }, integers from 0 to 65535")
}

const getSize = (fd: number): Api.WindowSize => {
  const result = binding.getWindowSize(fd)
  if (typeof result === "number") throw ioError.fromErrno(result, "ioctl(TIOCGWINSZ)")
  return { rows: result.rows, columns: result.columns }
}

const setSize = (fd: number, size: Api.WindowSize): void =>
  ioError.check(binding.setWindowSize(fd, size.rows, size.columns), "ioctl(TIOCSWINSZ)")

/** @internal */
export class Pty implements Api.Pty {
  constructor(
    readonly controller: AsyncFd,
    readonly terminal: AsyncFd,
    readonly path: string,
    /** The attributes at open: what canonical mode restores. */
    private readonly cooked: NativeTermios
  ) {}

  get closed(): boolean {
    return this.controller.closed
  }

  private onController<A>(syscall: string, f: (fd: number) => A): Effect.Effect<A, IoError> {
    return ioError.attemptSync(() => {
      if (this.controller.closed) throw ioError.closed(syscall)
      return f(this.controller.fd)
    })
  }

  get settings(): Effect.Effect<Api.Settings, IoError> {
    return this.onController("tcgetattr", (fd) => settingsOf(getAttributes(fd)))
  }

  setMode(mode: Api.Mode): Effect.Effect<void, IoError> {
    return this.onController("tcsetattr", (fd) => applyMode(fd, checkMode(mode, "tcsetattr"), this.cooked))
  }

  setEcho(on: boolean): Effect.Effect<void, IoError> {
    return this.onController("tcsetattr", (fd) => {
      const echo = checkEcho(on, "tcsetattr")
      setAttributes(fd, withEcho(getAttributes(fd), echo))
    })
  }

  get windowSize(): Effect.Effect<Api.WindowSize, IoError> {
    return this.onController("ioctl(TIOCGWINSZ)", getSize)
  }

  resize(size: Api.WindowSize): Effect.Effect<void, IoError> {
    return this.onController("ioctl(TIOCSWINSZ)", (fd) => setSize(fd, checkSize(size, "ioctl(TIOCSWINSZ)")))
  }

  /** Both sides, each deregistered then closed; never fails, and a side closed earlier is left alone. */
  get close(): Effect.Effect<void> {
    return Effect.sync(() => {
      this.terminal.source.close()
      this.controller.source.close()
    })
  }
}

const applyMode = (fd: number, mode: Api.Mode, cooked: NativeTermios): void =>
  setAttributes(fd, mode === "raw" ? binding.cfmakeraw(getAttributes(fd)) : cooked)

const sides: resource.Registering = { interest: resource.readWrite, syscall: "register", kind: "pty" }

/** @internal */
export const open = (options?: Api.Options): Effect.Effect<Api.Pty, IoError, ReactorRuntime | Scope.Scope> =>
  resource.acquire("Pty.open", "openpty", () => {
    const mode = options?.mode === undefined ? undefined : checkMode(options.mode, "openpty")
    const echo = options?.echo === undefined ? undefined : checkEcho(options.echo, "openpty")
    const size = options?.size === undefined ? undefined : checkSize(options.size, "openpty")
    const [controller, terminal] = binding.openpty()
    try {
      const cooked = getAttributes(controller)
      if (mode !== undefined) applyMode(controller, mode, cooked)
      if (echo !== undefined) setAttributes(controller, withEcho(getAttributes(controller), echo))
      if (size !== undefined) setSize(controller, size)
      const path = binding.ptsname(controller)
      if (typeof path === "number") throw ioError.fromErrno(path, "ptsname_r")
      return { controller, terminal, path, cooked }
    } catch (error) {
      binding.close(controller)
      binding.close(terminal)
      throw error
    }
  }, (io, { controller, cooked, path, terminal }) => {
    // Both sides, or neither: a failed registration closes what was registered and the rest.
    const [first, second] = resource.unsafeSources(io, [{ fd: controller }, { fd: terminal }], sides)
    return new Pty(new AsyncFd(first, resource.readWrite), new AsyncFd(second, resource.readWrite), path, cooked)
  })

/** @internal */
export const isTerminal = (fd: number): Effect.Effect<boolean, IoError> =>
  ioError.attemptSync(() => {
    checkFd(fd, "isatty")
    const result = binding.isatty(fd)
    if (result === 1) return true
    // isatty(3) says EINVAL on some systems where Linux says ENOTTY: both mean "not a terminal".
    if (result === -ENOTTY || result === -EINVAL) return false
    throw ioError.fromErrno(result, "isatty")
  })

/** @internal */
export const getSettings = (fd: number): Effect.Effect<Api.Settings, IoError> =>
  ioError.attemptSync(() => {
    checkFd(fd, "tcgetattr")
    return settingsOf(getAttributes(fd))
  })

/** @internal */
export const getWindowSize = (fd: number): Effect.Effect<Api.WindowSize, IoError> =>
  ioError.attemptSync(() => {
    checkFd(fd, "ioctl(TIOCGWINSZ)")
    return getSize(fd)
  })

/** @internal */
export const rawMode = (fd: number, options?: Api.RawModeOptions): Effect.Effect<void, IoError, Scope.Scope> =>
  Effect.asVoid(Effect.acquireRelease(
    ioError.attemptSync(() => {
      checkFd(fd, "tcsetattr")
      const echo = options?.echo === undefined ? false : checkEcho(options.echo, "tcsetattr")
      const saved = getAttributes(fd)
      setAttributes(fd, withEcho(binding.cfmakeraw(saved), echo))
      return saved
    }),
    // The terminal may be gone by now (a hung-up pty): restoring is best effort and never fails.
    (saved) => Effect.sync(() => void binding.tcsetattr(fd, TCSANOW, saved))
  ))
