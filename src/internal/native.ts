/**
 * The native addon's contract and its loader.
 *
 * The addon is found by `node-gyp-build` in `native/`: a binary compiled there by node-gyp from
 * `native/binding.gyp` (`native/build/Release/effect_reactor.node`) comes first, else the prebuilt binary that
 * fits this platform (`native/prebuilds/linux-x64/effect-reactor.glibc.node`); `native/install.mjs` decides at
 * install time which of the two there is. Everything the addon exports is described here; the rest of `src/`
 * imports the binding only through this module.
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
  /**
   * An fd readable while `wait(events, 0)` would report an event (or consume a notify): register it in another poller
   * to nest this one. The poll(2) backend starts its readiness thread on the first read, until `close`. Throws
   * ERR_POLLER_CLOSED once closed.
   */
  readonly fd: number
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
  /** inotify(7) mask bits, from <sys/inotify.h>. */
  readonly IN_ACCESS: number
  readonly IN_MODIFY: number
  readonly IN_ATTRIB: number
  readonly IN_CLOSE_WRITE: number
  readonly IN_CLOSE_NOWRITE: number
  readonly IN_OPEN: number
  readonly IN_MOVED_FROM: number
  readonly IN_MOVED_TO: number
  readonly IN_CREATE: number
  readonly IN_DELETE: number
  readonly IN_DELETE_SELF: number
  readonly IN_MOVE_SELF: number
  readonly IN_UNMOUNT: number
  readonly IN_Q_OVERFLOW: number
  readonly IN_IGNORED: number
  readonly IN_ONLYDIR: number
  readonly IN_DONT_FOLLOW: number
  readonly IN_EXCL_UNLINK: number
  readonly IN_MASK_CREATE: number
  readonly IN_MASK_ADD: number
  readonly IN_ISDIR: number
  readonly IN_ONESHOT: number
  /** The `code` of `pidfdWaitExit`'s answer (si_code, sigaction(2)). */
  readonly CLD_EXITED: number
  readonly CLD_KILLED: number
  readonly CLD_DUMPED: number
  /** `tcsetattr`'s `when`: now, after output drains, after output drains and pending input is discarded. */
  readonly TCSANOW: number
  readonly TCSADRAIN: number
  readonly TCSAFLUSH: number
  /** `lflag` bits. */
  readonly ECHO: number
  readonly ICANON: number
  /** The length of `NativeTermios.cc`. */
  readonly NCCS: number
  /** glibc's real-time signal range, decided at run time (signal(7)): 34 and 64 with NPTL. */
  readonly SIGRTMIN: number
  readonly SIGRTMAX: number
}

/**
 * Terminal attributes as `tcgetattr` reports them: the four flag words (`cflag` holds the speed bits on Linux) and
 * the control characters. @internal
 */
export interface NativeTermios {
  readonly iflag: number
  readonly oflag: number
  readonly cflag: number
  readonly lflag: number
  /** `NCCS` bytes. */
  readonly cc: Uint8Array
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
  /**
   * close(2), 0 or -errno. The fd leaves the environment's owned set first (see `own`), so the set never names a
   * number another file may hold.
   */
  close(fd: number): number
  /**
   * Takes `fd` over: this thread's environment closes it when it ends, unless it was closed (through `close`) before.
   * Every fd the addon creates is owned so from the start. Throws ENOMEM (an errno error).
   */
  own(fd: number): void
  /** Hands `fd` to the caller: no environment closes it any more. */
  disown(fd: number): void
  read(fd: number, buffer: Uint8Array): number
  write(fd: number, buffer: Uint8Array): number
  /** `bind(fd, host, port)` for IPv4/IPv6 (numeric hosts only), `bind(fd, path)` for Unix; -EINVAL for a bad address. */
  bind(fd: number, host: string, port?: number): number
  listen(fd: number, backlog: number): number
  /** Like `bind`; a non-blocking connect in progress is `-EINPROGRESS`. */
  connect(fd: number, host: string, port?: number): number
  /** accept4 until EAGAIN or `out` is full: the count written to `out`, or -errno if the first accept fails. */
  /**
   * accept4 until EAGAIN or `out` is full: the count of fds written, or `-errno` when the first accept failed. A count
   * below `out.length` leaves why it stopped in `out[count]`: `-EAGAIN` (drained), or another `-errno` (EMFILE,
   * ENFILE…) with connections still queued.
   */
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
  /**
   * recvmsg(2) of one datagram: the bytes written to `buffer`, the sender, and whether the datagram was longer than
   * `buffer` (MSG_TRUNC: the rest is gone); or -errno.
   */
  recvFrom(
    fd: number,
    buffer: Uint8Array
  ): { readonly bytes: number; readonly from: NativeAddress | number; readonly truncated: boolean } | number
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
  /** Non-blocking, close-on-exec inotify instance; throws an errno error (EMFILE past max_user_instances). */
  inotifyInit(): number
  /** inotify_add_watch(2): the watch descriptor, or -errno. `mask` is an unsigned 32-bit integer. */
  inotifyAddWatch(fd: number, path: string, mask: number): number
  /** inotify_rm_watch(2): 0 or -errno; the kernel then queues IN_IGNORED for `wd`. */
  inotifyRmWatch(fd: number, wd: number): number
  /** pidfd_open(2) with PIDFD_NONBLOCK (a pidfd is always close-on-exec); throws an errno error (ESRCH). */
  pidfdOpen(pid: number): number
  /**
   * waitid(P_PIDFD, fd, WEXITED | WNOHANG | WNOWAIT), which never reaps: `{ code, status }` once the process has
   * exited (`code` is `CLD_EXITED` with the exit code, or `CLD_KILLED` / `CLD_DUMPED` with the signal number), -EAGAIN
   * while it runs, -ECHILD when it is not (or no longer) an unreaped child of this process, -errno otherwise.
   */
  pidfdWaitExit(fd: number): { readonly code: number; readonly status: number } | number
  /** pidfd_send_signal(2) without a siginfo: 0 or -errno (ESRCH once reaped). Signal 0 only checks. */
  pidfdSendSignal(fd: number, signal: number): number
  /** Sets or clears O_NONBLOCK on the fd's open file description (shared with its dups): 0 or -errno. */
  setNonBlocking(fd: number, on: boolean): number
  /** 1 when O_NONBLOCK is set, 0 when not, or -errno. */
  isNonBlocking(fd: number): number
  /**
   * A pseudo-terminal: `[controller, terminal]`, both non-blocking, close-on-exec and O_NOCTTY; throws an errno error
   * naming the failed step (posix_openpt, grantpt, unlockpt, ptsname_r, open).
   */
  openpty(): [number, number]
  /** The terminal side's path ("/dev/pts/3") of a pty controller, or -errno (ENOTTY for anything else). */
  ptsname(fd: number): string | number
  /** 1 for a terminal, otherwise -errno (ENOTTY, EBADF). */
  isatty(fd: number): number
  /** The fd's terminal attributes, or -errno (ENOTTY for a non-terminal). */
  tcgetattr(fd: number): NativeTermios | number
  /** Sets the attributes (`when` is TCSANOW, TCSADRAIN or TCSAFLUSH); the line discipline stays. 0 or -errno. */
  tcsetattr(fd: number, when: number, termios: NativeTermios): number
  /** cfmakeraw(3) on a copy of `termios`: the attributes of raw mode. No syscall. */
  cfmakeraw(termios: NativeTermios): NativeTermios
  /** TIOCGWINSZ, or -errno. */
  getWindowSize(fd: number): { readonly rows: number; readonly columns: number } | number
  /** TIOCSWINSZ (the terminal's foreground process group gets SIGWINCH): 0 or -errno. */
  setWindowSize(fd: number, rows: number, columns: number): number
  /** Non-blocking, close-on-exec timerfd on `clock`; throws an errno error. */
  timerfdCreate(clock: "monotonic" | "realtime" | "boottime"): number
  /**
   * timerfd_settime(2), relative: the first expiration after `initial`, then every `interval` (0: one-shot); a zero
   * `initial` disarms. Seconds are integers up to 2^53 - 1, nanoseconds 0 to 999999999. 0 or -errno.
   */
  timerfdSettime(
    fd: number,
    initialSeconds: number,
    initialNanos: number,
    intervalSeconds: number,
    intervalNanos: number
  ): number
  /** timerfd_gettime(2): `[remainingSeconds, remainingNanos, intervalSeconds, intervalNanos]`, or -errno. */
  timerfdGettime(fd: number): [number, number, number, number] | number
  /** Non-blocking, close-on-exec signalfd reading `signals` (numbers 1 to 64, not 32 or 33); throws an errno error. */
  signalfd(signals: ReadonlyArray<number>): number
  /** pthread_sigmask(3) of the calling thread: blocks or unblocks `signals`; the previous mask. */
  sigmask(how: "block" | "unblock", signals: ReadonlyArray<number>): Array<number>
  /**
   * `sigmask` as if called by thread `tid` of this process, carried to it by the real-time signal `carrier` (which the
   * thread must not block): the thread's previous mask, or -errno: ESRCH (no such thread here), EBUSY (the carrier
   * has a handler that is not the addon's), ETIMEDOUT (not served within `timeoutMs`, at most 60000; the change is
   * then never made, even when the carrier is taken later). Returns once the thread has left the carrier's handler:
   * the new mask is in force and /proc shows it.
   */
  threadSigmask(
    tid: number,
    how: "block" | "unblock",
    signals: ReadonlyArray<number>,
    carrier: number,
    timeoutMs: number
  ): Array<number> | number
  /**
   * Opens `path` on libuv's thread pool (open(2) with `flags | O_CLOEXEC` and `mode`, then fstat(2)): a new handle
   * whose open is job 0. Every job of a handle finishes by writing `(id, result)` to the handle's queue and its
   * `eventfd` (register it for readable interest); `fileDrain` moves the pairs out. A result is a count, an fd, 0, or
   * -errno. Throws an errno error when the eventfd cannot be made (EMFILE).
   */
  fileOpen(path: string, flags: number, mode: number): NativeFileHandle
  /**
   * Job `id` (1 to 2^53 - 1) reads up to `length` bytes at `position` (-1: the current offset) into a block of its
   * own; `fileTake` copies them out. Throws EBADF (an errno error) when the handle is closed or not open.
   */
  fileRead(handle: NativeFileHandle, id: number, length: number, position: number): void
  /** Job `id` writes a copy of `bytes` (taken now) at `position` (-1: the current offset, or the end with O_APPEND). */
  fileWrite(handle: NativeFileHandle, id: number, bytes: Uint8Array, position: number): void
  /** Job `id`: fsync(2), or fdatasync(2) when `datasync`. */
  fileSync(handle: NativeFileHandle, id: number, datasync: boolean): void
  /** Job `id`: fstat(2); its record (`FILE_STAT_FIELDS` doubles) is taken with `fileTake`. */
  fileStat(handle: NativeFileHandle, id: number): void
  /**
   * Moves up to `out.length / 2` `(id, result)` pairs of finished jobs into `out`; returns how many. It reads the
   * eventfd first, so drain again until fewer than fit come back. 0 once closed.
   */
  fileDrain(handle: NativeFileHandle, out: Float64Array): number
  /**
   * Copies what job `id` produced (a read's bytes; the stat record of an open or a stat) into `dest` from `offset`,
   * as much as fits, and frees it; without `dest` only frees it. Returns the bytes copied.
   */
  fileTake(handle: NativeFileHandle, id: number, dest?: Uint8Array, offset?: number): number
  /** Closes the eventfd now and the file once no job uses it (a late open's fd too). Idempotent. */
  fileClose(handle: NativeFileHandle): void
}

/**
 * A file on the thread pool, owned natively: the fd, the completion eventfd, and each job's memory (a job never
 * touches a JS value, so nothing the caller transfers or resizes can be written after it is gone).
 *
 * @internal
 */
export interface NativeFileHandle {
  readonly eventfd: number
}

/**
 * The doubles of a stat record: dev, ino, mode, nlink, uid, gid, rdev, size, blksize, blocks, then (sec, nsec) of
 * atime, mtime and ctime.
 *
 * @internal
 */
export const FILE_STAT_FIELDS = 16

const here = Path.dirname(fileURLToPath(import.meta.url))
// src/internal and dist/internal both sit two levels below the package root.
const nativeDir = Path.resolve(here, "..", "..", "native")
const require = createRequire(import.meta.url)

/** The part of node-gyp-build (no types of its own) the loader uses. */
interface NodeGypBuild {
  /** The path of the binary to load from `dir`; throws "No native build was found for …" when none fits. */
  resolve(dir: string): string
}

/**
 * Loads `EFFECT_REACTOR_ADDON` when set (the sanitizer build of `npm run test:asan`, or a build kept elsewhere), else
 * what node-gyp-build finds in `native/`: a compiled `build/Release` first, then the prebuilt binary for this platform.
 */
const load = (): { readonly path: string; readonly binding: NativeBinding } => {
  let path: string | undefined = process.env.EFFECT_REACTOR_ADDON || undefined
  try {
    path ??= (require("node-gyp-build") as NodeGypBuild).resolve(nativeDir)
    return { path, binding: require(path) as NativeBinding }
  } catch (cause) {
    const found = path === undefined
      ? `nothing was compiled in ${nativeDir}/build and no prebuilt binary in ${nativeDir}/prebuilds fits`
      : `${path} does not load`
    throw new Error(
      `effect-reactor: no native addon for ${process.platform}-${process.arch} (Node ${process.version}): ${found}. ` +
        "To compile it, install a C++17 compiler, python3 and make, then run `npm rebuild effect-reactor` (if npm " +
        "skipped the package's install script, approve it first: `npm install-scripts approve effect-reactor`).",
      { cause }
    )
  }
}

const loaded = load()

/** The path of the binary that was loaded, for Workers and child processes that load the same one. @internal */
export const addonPath: string = loaded.path

/** @internal */
export const binding: NativeBinding = loaded.binding
