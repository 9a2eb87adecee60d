/**
 * The native addon's contract and its loader.
 *
 * The addon is built by `node-gyp` from `native/binding.gyp` into
 * `native/build/Release/effect_reactor.node` (the package's install script does it). Everything the
 * addon exports is described here; the rest of `src/` imports the binding only through this module.
 *
 * Conventions of the boundary:
 * - a wrong receiver, argument type or range throws `TypeError` / `RangeError` naming the argument;
 * - a failed syscall in the poller throws an `Error` carrying `errno` (positive POSIX number),
 *   `code` ("EEXIST") and `syscall` ("epoll_ctl");
 * - a call on a closed poller throws an `Error` with `code: "ERR_POLLER_CLOSED"`;
 * - the thin fd/socket syscalls return `-errno` instead of throwing, so EAGAIN is a value.
 *
 * @internal
 */
import { createRequire } from "node:module"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/** @internal */
export type BackendName = "epoll" | "poll"

/** @internal */
export interface NativePoller {
  readonly backend: BackendName
  readonly supportsEdge: boolean
  readonly supportsLevel: boolean
  readonly closed: boolean
  /** A process-wide token for `notifyToken`, usable from any thread; never reused. */
  readonly notifyToken: number
  /** `mode` defaults to oneshot (0) when `undefined`. */
  add(fd: number, key: number, interest: number, mode: number): void
  modify(fd: number, key: number, interest: number, mode: number): void
  delete(fd: number): void
  /**
   * Writes `(key, flags)` pairs into `events`; returns the number of pairs. `timeoutMs`: -1 or
   * Infinity waits until something happens, 0 does not block, fractions are honoured (rounded up
   * to whole nanoseconds); NaN and other negatives are a RangeError.
   */
  wait(events: Uint32Array, timeoutMs: number): number
  notify(): void
  close(): void
  watch(callback: () => void): void
  unwatch(): void
  ref(): void
  unref(): void
}

/** @internal */
export interface NativeConstants {
  readonly INTEREST_NONE: number
  readonly INTEREST_READABLE: number
  readonly INTEREST_WRITABLE: number
  readonly INTEREST_PRIORITY: number
  readonly MODE_ONESHOT: number
  readonly MODE_LEVEL: number
  readonly MODE_EDGE: number
  readonly MODE_EDGE_ONESHOT: number
  readonly EVENT_READABLE: number
  readonly EVENT_WRITABLE: number
  readonly EVENT_HANGUP: number
  readonly EVENT_ERROR: number
  readonly EVENT_PRIORITY: number
  /** The largest key a caller may use; the one above it is reserved for `notify`. */
  readonly MAX_KEY: number
  readonly EAGAIN: number
  readonly EINPROGRESS: number
  readonly SOL_SOCKET: number
  readonly SO_REUSEADDR: number
  readonly SO_REUSEPORT: number
  readonly SO_KEEPALIVE: number
  readonly SO_SNDBUF: number
  readonly SO_RCVBUF: number
  readonly IPPROTO_TCP: number
  readonly TCP_NODELAY: number
  readonly IPPROTO_IPV6: number
  readonly IPV6_V6ONLY: number
  readonly SHUT_RD: number
  readonly SHUT_WR: number
  readonly SHUT_RDWR: number
  /** The `family` argument of `socket` for Unix domain sockets. */
  readonly FAMILY_UNIX: number
  readonly MSG_OOB: number
}

/** A socket address as the addon reports it. @internal */
export type NativeAddress =
  | { readonly family: "IPv4" | "IPv6"; readonly address: string; readonly port: number }
  | { readonly family: "Unix"; readonly path: string }

/** @internal */
export interface NativeBinding {
  readonly Poller: new(options?: { readonly backend?: BackendName }) => NativePoller
  readonly constants: NativeConstants
  /** Wakes the poller that owns `token` from any thread; `false` when it is closed or unknown. */
  notifyToken(token: number): boolean
  /** Non-blocking, close-on-exec pipe: `[readEnd, writeEnd]`; throws an errno error. */
  pipe(): [number, number]
  /** Non-blocking, close-on-exec AF_UNIX stream socket pair; throws an errno error. */
  socketpair(): [number, number]
  /** Non-blocking, close-on-exec eventfd; throws an errno error. */
  eventfd(initval: number): number
  /**
   * Non-blocking, close-on-exec socket of family 4, 6 or `FAMILY_UNIX` (1) and type "stream" or
   * "dgram"; throws an errno error.
   */
  socket(family: 1 | 4 | 6, type: "stream" | "dgram"): number
  close(fd: number): number
  read(fd: number, buffer: Uint8Array): number
  write(fd: number, buffer: Uint8Array): number
  /** `bind(fd, host, port)` for IPv4/IPv6 (numeric hosts only), `bind(fd, path)` for Unix; -EINVAL for a bad address. */
  bind(fd: number, host: string, port?: number): number
  listen(fd: number, backlog: number): number
  /** Like `bind`; a non-blocking connect in progress is `-EINPROGRESS`. */
  connect(fd: number, host: string, port?: number): number
  /** accept4 until EAGAIN or `out` is full: the count written to `out`, or -errno if the first accept fails. */
  acceptMany(fd: number, out: Int32Array): number
  /**
   * send(2) with MSG_NOSIGNAL of `buffer[offset, offset + length)`: bytes sent or -errno (EPIPE,
   * never SIGPIPE). `flags` may be 0 or `MSG_OOB` (urgent data).
   */
  send(fd: number, buffer: Uint8Array, offset?: number, length?: number, flags?: number): number
  /** recv(2) into `buffer[offset, offset + length)`: bytes read (0 at EOF) or -errno. */
  recv(fd: number, buffer: Uint8Array, offset?: number, length?: number): number
  /** sendmsg(2) of up to 64 buffers at once, with MSG_NOSIGNAL. */
  sendMany(fd: number, buffers: ReadonlyArray<Uint8Array>): number
  sendTo(fd: number, buffer: Uint8Array, host: string, port?: number): number
  recvFrom(fd: number, buffer: Uint8Array): { readonly bytes: number; readonly from: NativeAddress | number } | number
  shutdown(fd: number, how: number): number
  setsockopt(fd: number, level: number, name: number, value: number): number
  /** getsockname(2) as an address, or -errno. */
  localAddress(fd: number): NativeAddress | number
  /** getpeername(2) as an address, or -errno. */
  remoteAddress(fd: number): NativeAddress | number
  /** The bound port of a socket, or `-errno`. */
  localPort(fd: number): number
  /** `SO_ERROR` of a socket (a positive errno, or 0), or `-errno` when getsockopt fails. */
  socketError(fd: number): number
}

const here = Path.dirname(fileURLToPath(import.meta.url))
// src/internal and dist/internal both sit two levels below the package root.
/** @internal */
export const addonPath = Path.resolve(here, "..", "..", "native", "build", "Release", "effect_reactor.node")

const load = (): NativeBinding => {
  const require = createRequire(import.meta.url)
  try {
    return require(addonPath) as NativeBinding
  } catch (cause) {
    const error = new Error(
      `effect-reactor: the native addon could not be loaded from ${addonPath}. ` +
        `Build it with \`npm run build:native\` (node-gyp rebuild --directory native).`,
      { cause }
    )
    throw error
  }
}

/** @internal */
export const binding: NativeBinding = load()
