/**
 * Pseudo-terminals, and terminals in general: keystrokes read without blocking the event loop.
 *
 * `open` makes a pty pair owned by the current scope: the `controller` (what a terminal emulator or an `expect`-like
 * driver holds) and the `terminal` (what a program sees as its tty: give it to a child as stdin). Both are
 * `AsyncFd`s, non-blocking and close-on-exec, and neither becomes the process's controlling terminal. Bytes written
 * into the controller arrive at the terminal as typed keys; what the terminal writes comes out of the controller.
 *
 * The line discipline between them has two settings that matter to a reader:
 * - `mode`: `"canonical"` (the default) delivers input a line at a time, after `"\n"`, with line editing;
 *   `"raw"` delivers every byte as it comes, with no editing, no signals (Ctrl-C is the byte 3) and no CR/NL
 *   translation (cfmakeraw(3)).
 * - `echo`: whether typed input is written back to the controller. Canonical mode starts with echo on, raw mode
 *   with echo off; `setEcho` changes it on top of either.
 *
 * End of input: once the controller is closed, reading the terminal gives 0 (end of file) and writing it fails with
 * code `EIO`. Once every copy of the terminal side is closed (a child that exited included), reading the controller
 * fails with code `EIO` (reason `"Os"`): that is how a driver learns that its program is gone.
 *
 * For a terminal the process did not open (stdin, when it is a tty): `isTerminal`, `getSettings`, `getWindowSize`,
 * and `rawMode`, which puts it in raw mode for a scope and restores what it found when the scope closes. Read it
 * with `AsyncFd.register(0, { interest: Interest.readable, nonBlocking: "set" })`.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { AsyncFd } from "./AsyncFd.js"
import * as internal from "./internal/pty.js"
import type { IoError } from "./IoError.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"

/**
 * How the line discipline hands input to the reader: `"canonical"` a line at a time, `"raw"` byte by byte.
 *
 * @example
 * ```ts
 * import type { Pty } from "effect-reactor"
 *
 * const keystrokes: Pty.Mode = "raw"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "raw" | "canonical"

/**
 * A terminal's current input settings.
 *
 * @example
 * ```ts
 * import type { Pty } from "effect-reactor"
 *
 * const describe = (settings: Pty.Settings): string => `${settings.mode}, echo ${settings.echo ? "on" : "off"}`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  readonly mode: Mode
  readonly echo: boolean
}

/**
 * A terminal's size in character cells.
 *
 * @example
 * ```ts
 * import type { Pty } from "effect-reactor"
 *
 * const classic: Pty.WindowSize = { rows: 24, columns: 80 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface WindowSize {
  readonly rows: number
  readonly columns: number
}

/**
 * Options of `open`: the `mode` (default canonical), `echo` (default: on in canonical mode, off in raw mode) and the
 * window `size` (default 0 x 0, as the kernel makes it).
 *
 * @example
 * ```ts
 * import type { Pty } from "effect-reactor"
 *
 * const options: Pty.Options = { mode: "raw", echo: false, size: { rows: 24, columns: 80 } }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly mode?: Mode | undefined
  readonly echo?: boolean | undefined
  readonly size?: WindowSize | undefined
}

/**
 * Options of `rawMode`: `echo` (default off).
 *
 * @example
 * ```ts
 * import type { Pty } from "effect-reactor"
 *
 * const options: Pty.RawModeOptions = { echo: true }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface RawModeOptions {
  readonly echo?: boolean | undefined
}

/**
 * An open pseudo-terminal.
 *
 * - `controller` / `terminal`: the two sides, as `AsyncFd`s registered for reading and writing. After handing
 *   `terminal` to a child (`spawn(cmd, args, { stdio: [pty.terminal.fd, ...] })`), close it here
 *   (`pty.terminal.close`): the controller then sees `EIO` when the child exits, and nothing here reads an fd that
 *   Node's spawn made blocking (it clears O_NONBLOCK on the child's stdio, a description both processes share).
 * - `path`: the terminal side's device ("/dev/pts/3").
 * - `settings`, `setMode`, `setEcho`: the line discipline (see the module notes). Canonical mode restores the
 *   attributes the pty was opened with.
 * - `windowSize`, `resize`: the size; a resize sends `SIGWINCH` to the terminal's foreground process group.
 * - `close`: release both sides now; the scope's release is then a no-op.
 *
 * Settings and size go through the controller, so they keep working after the terminal side is closed; once the
 * controller is closed they fail with `Closed`.
 *
 * @example
 * ```ts
 * import type { Pty } from "effect-reactor"
 *
 * // Types a line into the program on the terminal side.
 * const type = (pty: Pty.Pty, line: string) => pty.controller.write(Buffer.from(line + "\n"))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Pty {
  readonly controller: AsyncFd
  readonly terminal: AsyncFd
  readonly path: string
  /** Whether the controller is closed. */
  readonly closed: boolean
  readonly settings: Effect.Effect<Settings, IoError>
  setMode(mode: Mode): Effect.Effect<void, IoError>
  setEcho(on: boolean): Effect.Effect<void, IoError>
  readonly windowSize: Effect.Effect<WindowSize, IoError>
  resize(size: WindowSize): Effect.Effect<void, IoError>
  readonly close: Effect.Effect<void>
}

/**
 * Opens a pseudo-terminal owned by the current scope: the release deregisters and closes both sides, and never
 * fails. Fails with `InvalidArgument` for bad options, or the errno of the step that failed (`posix_openpt`,
 * `open` of the terminal side...): `Os` with code `EMFILE`, `ENOSPC` (no pty left) and so on.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Pty, ReactorRuntime } from "effect-reactor"
 *
 * // A key typed into the controller is read from the terminal at once, without a newline.
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const pty = yield* Pty.open({ mode: "raw" })
 *     yield* pty.controller.write(Buffer.from("q"))
 *     const key = new Uint8Array(1)
 *     yield* pty.terminal.read(key)
 *     return String.fromCharCode(key[0]!) // "q"
 *   })
 * ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const open: (options?: Options) => Effect.Effect<Pty, IoError, ReactorRuntime | Scope.Scope> = internal.open

/**
 * Whether `fd` is a terminal (isatty(3)). Fails with `BadDescriptor` for an fd that is not open, `InvalidArgument`
 * for a negative one.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Pty } from "effect-reactor"
 *
 * const interactive = Effect.runSync(Pty.isTerminal(0))
 * ```
 *
 * @since 0.1.0
 * @category terminals
 */
export const isTerminal: (fd: number) => Effect.Effect<boolean, IoError> = internal.isTerminal

/**
 * The input settings of any terminal. Fails with `Os` code `ENOTTY` for an fd that is not a terminal.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Pty } from "effect-reactor"
 *
 * const lineAtATime = Effect.map(Pty.getSettings(0), (settings) => settings.mode === "canonical")
 * ```
 *
 * @since 0.1.0
 * @category terminals
 */
export const getSettings: (fd: number) => Effect.Effect<Settings, IoError> = internal.getSettings

/**
 * The window size of any terminal. Fails with `Os` code `ENOTTY` for an fd that is not a terminal.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Pty } from "effect-reactor"
 *
 * const columns = Effect.map(Pty.getWindowSize(1), (size) => size.columns)
 * ```
 *
 * @since 0.1.0
 * @category terminals
 */
export const getWindowSize: (fd: number) => Effect.Effect<WindowSize, IoError> = internal.getWindowSize

/**
 * Puts a terminal the process did not open (stdin) in raw mode for the current scope (cfmakeraw(3), echo off unless
 * asked), and restores the attributes it found when the scope closes, so the user's shell gets its terminal back.
 * Fails with `Os` code `ENOTTY` for an fd that is not a terminal.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AsyncFd, Interest, Pty, ReactorRuntime } from "effect-reactor"
 *
 * // One keystroke from stdin, when it is a tty.
 * const keystroke = Effect.scoped(
 *   Effect.gen(function*() {
 *     yield* Pty.rawMode(0)
 *     const stdin = yield* AsyncFd.register(0, { interest: Interest.readable, nonBlocking: "set" })
 *     const key = new Uint8Array(1)
 *     yield* stdin.read(key)
 *     return key[0]
 *   })
 * ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category terminals
 */
export const rawMode: (fd: number, options?: RawModeOptions) => Effect.Effect<void, IoError, Scope.Scope> =
  internal.rawMode
