/**
 * The errno numbers the future face answers with, by name.
 *
 * The plain functions of the future face (`TcpStream.pollRead` / `pollWrite`, `TcpListener.pollAccept`, the
 * `UnixStream` and `UnixListener` ones, and the syscalls you run on an `AsyncFd` or a `Reactor` registration) return a
 * count `>= 0`, or a negated errno. Compare with these names, `n === -Errno.EAGAIN`, rather than with bare numbers:
 * the numbers are the platform's (`os.constants.errno`, the ones the native syscalls return), and `-11` is EAGAIN on
 * Linux but not elsewhere. An `IoError` carries the positive number in `errno`.
 *
 * @since 0.1.0
 */
import * as internal from "./internal/errno.js"

/**
 * EAGAIN: nothing to do yet. A poll that answers `-EAGAIN` parked the waker it was given; it is woken when trying
 * again can make progress.
 *
 * @example
 * ```ts
 * import { Errno, TcpStream, Waker } from "effect-reactor"
 *
 * // One attempt: the bytes read, or undefined when the waker was parked.
 * const tryRead = (stream: TcpStream.TcpStream, waker: Waker.Waker, buffer: Uint8Array): number | undefined => {
 *   const n = stream.pollRead(waker, buffer)
 *   return n === -Errno.EAGAIN ? undefined : n
 * }
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const EAGAIN: number = internal.EAGAIN

/**
 * EBADF: the socket was closed, or its registration was (the reactor closed). A poll on a closed socket answers
 * `-EBADF` without a syscall.
 *
 * @example
 * ```ts
 * import { Errno, TcpStream, Waker } from "effect-reactor"
 *
 * const isGone = (stream: TcpStream.TcpStream, waker: Waker.Waker): boolean =>
 *   stream.pollWrite(waker, new Uint8Array(0)) === -Errno.EBADF
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const EBADF: number = internal.EBADF

/**
 * EPIPE: a write to a peer that is gone, or after `shutdown("write")`. Writes never raise `SIGPIPE`.
 *
 * @example
 * ```ts
 * import { Errno } from "effect-reactor"
 *
 * const peerGone = (n: number): boolean => n === -Errno.EPIPE || n === -Errno.ECONNRESET
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const EPIPE: number = internal.EPIPE

/**
 * ECONNRESET: the peer reset the connection (a read or a write after it closed with unread data).
 *
 * @example
 * ```ts
 * import { Errno } from "effect-reactor"
 *
 * // A reset reads as end of stream here: 0 bytes.
 * const orEnd = (n: number): number => (n === -Errno.ECONNRESET ? 0 : n)
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const ECONNRESET: number = internal.ECONNRESET

/**
 * EINVAL: an argument the kernel refused, or a listener that no longer listens (`pollAccept` after a hang-up).
 *
 * @example
 * ```ts
 * import { Errno, TcpListener, Waker } from "effect-reactor"
 *
 * const stillListening = (listener: TcpListener.TcpListener, waker: Waker.Waker, out: Int32Array): boolean =>
 *   listener.pollAccept(waker, out) !== -Errno.EINVAL
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const EINVAL: number = internal.EINVAL

/**
 * EMFILE: the process is out of file descriptors. On an executor, `pollAccept` answers it once when the shortage
 * starts, then backs off with the waker parked (the connections stay queued in the kernel) until an accept succeeds
 * again; outside one it answers every failure.
 *
 * @example
 * ```ts
 * import { Errno } from "effect-reactor"
 *
 * const outOfDescriptors = (n: number): boolean => n === -Errno.EMFILE
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const EMFILE: number = internal.EMFILE
