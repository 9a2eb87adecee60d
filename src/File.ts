/**
 * Regular files, through libuv's thread pool.
 *
 * epoll cannot wait on a regular file (it is always "ready", and its reads still block in the kernel), so `Poller`,
 * `Reactor` and `AsyncFd` refuse one with `Unsupported`. A `File` runs each operation (open, read and write at a
 * position, fsync, fstat, close) as a job on the thread pool instead; the job's completion comes back through an fd
 * registered with the reactor, so it wakes the waiting task's `Waker` (or resumes the waiting Effect) in both run
 * modes: integrated with Node's loop (`ReactorRuntime.layer`) and dedicated (`Executor.blockOn`, `ReactorRuntime.runBlockingExit`). Like
 * every IO type here, it needs that reactor turning: a `Reactor` provided without an executor never delivers.
 *
 * Two faces, one file: Effects (`read`, `write`, `writeAll`, `readAll`, `sync`, `datasync`, `stat`, `close`) and
 * futures (`readFuture`, `writeFuture`, `syncFuture`, `statFuture`, `closeFuture`, `openFuture`).
 *
 * Cancellation. A job on the pool cannot be stopped, so an interrupted (or dropped) operation runs on, and its result
 * is forgotten. It never touches the caller's memory: a write copies its bytes when it is submitted, and a read lands
 * in a block of its own, copied into the caller's buffer only when a live operation completes. Once an interruption
 * returns, nothing writes into the buffer it was given (an interrupted write may still reach the file, in full).
 *
 * Closing. `close` (and the scope's release) waits for the operations in flight, interrupted ones included, then
 * closes the fd: a late job never reaches a reused fd number, and when `close` returns the fd is gone.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/fileOpen.js"
import type { IoError } from "./IoError.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"
import type { SimpleFuture } from "./SimpleFuture.js"

/**
 * How to open: Node's flag strings (the ones `fs.open` and `@effect/platform`'s `FileSystem` take). `"r"` reads,
 * `"r+"` reads and writes, `"w"` truncates or creates, `"a"` appends (every write goes to the end, whatever its
 * position), `"x"` fails with `AlreadyExists` when the path exists, `"+"` adds the other direction.
 *
 * @example
 * ```ts
 * import type { File } from "effect-reactor"
 *
 * const createNew: File.OpenFlag = "wx"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type OpenFlag = "r" | "r+" | "w" | "wx" | "w+" | "wx+" | "a" | "ax" | "a+" | "ax+"

/**
 * Options of `open`: `flags` (default `"r"`) and the permission `mode` of a file it creates (default `0o666`, less the
 * process's umask).
 *
 * @example
 * ```ts
 * import type { File } from "effect-reactor"
 *
 * const privateLog: File.OpenOptions = { flags: "a", mode: 0o600 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface OpenOptions {
  readonly flags?: OpenFlag | undefined
  readonly mode?: number | undefined
}

/**
 * The type of a file, from `st_mode` (inode(7)).
 *
 * @example
 * ```ts
 * import type { File } from "effect-reactor"
 *
 * const isPlain = (type: File.FileType): boolean => type === "File"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type FileType =
  | "File"
  | "Directory"
  | "SymbolicLink"
  | "BlockDevice"
  | "CharacterDevice"
  | "FIFO"
  | "Socket"
  | "Unknown"

/**
 * What fstat(2) says about an open file. `mode` holds the permission bits (with setuid, setgid and sticky:
 * `st_mode & 0o7777`); the times have millisecond precision.
 *
 * @example
 * ```ts
 * import type { File } from "effect-reactor"
 *
 * const describe = (stat: File.Stat): string => `${stat.type}, ${stat.size} bytes, mode ${stat.mode.toString(8)}`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Stat {
  readonly type: FileType
  readonly mode: number
  readonly size: number
  readonly dev: number
  readonly ino: number
  readonly nlink: number
  readonly uid: number
  readonly gid: number
  readonly rdev: number
  readonly blksize: number
  readonly blocks: number
  readonly atime: Date
  readonly mtime: Date
  readonly ctime: Date
}

/**
 * An open file.
 *
 * - `read(buffer, position)`: bytes read into `buffer` (pread(2) at `position`); 0 at end of file. Without
 *   `position`, read(2) at the file's offset, which it advances.
 * - `write(bytes, position)`: bytes written (pwrite(2); without `position`, write(2) at the file's offset). A file
 *   opened with `"a"` writes at the end whatever the position.
 * - `writeAll(bytes, position)`: `write` until every byte is written. `readAll`: the whole file, from offset 0.
 * - `sync` / `datasync`: fsync(2) / fdatasync(2). `stat`: fstat(2) as a `Stat`.
 * - `readFuture`, `writeFuture`, `syncFuture`, `statFuture`, `closeFuture`: the same as futures: each submits its job
 *   at its first poll, and the job's completion wakes the waker it was last polled with, once; dropping it cancels.
 * - `close`: wait for the operations in flight, then close. Idempotent; never fails. Operations after it fail with
 *   `Closed`.
 *
 * A bad argument (a position of -1 or 1.5, a buffer that is not a `Uint8Array`) fails with `InvalidArgument`; a
 * failed syscall with its reason (`IsDirectory` for a read of a directory, `BadDescriptor` for a write to a file
 * opened `"r"`, ...).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { File } from "effect-reactor"
 *
 * // Reads the 4-byte header at offset 0, and the record it points to.
 * const record = (file: File.File) =>
 *   Effect.gen(function*() {
 *     const header = new Uint8Array(4)
 *     yield* file.read(header, 0)
 *     const at = new DataView(header.buffer).getUint32(0)
 *     const body = new Uint8Array(64)
 *     const n = yield* file.read(body, at)
 *     return body.subarray(0, n)
 *   })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface File {
  readonly path: string
  readonly closed: boolean
  read(buffer: Uint8Array, position?: number): Effect.Effect<number, IoError>
  write(bytes: Uint8Array, position?: number): Effect.Effect<number, IoError>
  writeAll(bytes: Uint8Array, position?: number): Effect.Effect<void, IoError>
  readonly readAll: Effect.Effect<Uint8Array, IoError>
  readonly sync: Effect.Effect<void, IoError>
  readonly datasync: Effect.Effect<void, IoError>
  readonly stat: Effect.Effect<Stat, IoError>
  readonly close: Effect.Effect<void>
  readFuture(buffer: Uint8Array, position?: number): SimpleFuture<number, IoError>
  writeFuture(bytes: Uint8Array, position?: number): SimpleFuture<number, IoError>
  syncFuture(options?: { readonly datasync?: boolean | undefined }): SimpleFuture<void, IoError>
  statFuture(): SimpleFuture<Stat, IoError>
  closeFuture(): SimpleFuture<void>
}

/**
 * Opens `path` as a resource of the current scope; the release closes it once its operations in flight are done.
 * Fails with `NotFound`, `AlreadyExists` (`"wx"` on a path that exists), `IsDirectory` (a directory opened for
 * writing), `PermissionDenied`, `InvalidArgument` (an empty path, an unknown flag), or `Unsupported` for a FIFO or a
 * socket (pollable: use `AsyncFd`). A directory opened `"r"` is a `File` too, to `sync` it after a rename.
 *
 * The open runs on the pool as well; interrupting `open` waits for it and closes what it opened.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { File, ReactorRuntime } from "effect-reactor"
 *
 * const appendLine = (path: string, line: string) =>
 *   Effect.scoped(
 *     Effect.gen(function*() {
 *       const file = yield* File.open(path, { flags: "a" })
 *       yield* file.writeAll(new TextEncoder().encode(line + "\n"))
 *       yield* file.datasync
 *     })
 *   ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const open: (path: string, options?: OpenOptions) => Effect.Effect<File, IoError, ReactorRuntime | Scope.Scope> =
  internal.open

/**
 * Opens `path` as a future, on the reactor of the executor that polls it (`Executor.blockOn`, `Executor.spawn`). The
 * caller closes the file (`closeFuture`, or `close`); the reactor's close closes what is left. Dropping the future
 * before it is ready closes what the open returns.
 *
 * @example
 * ```ts
 * import { Poller, Reactor, Executor, File, SimpleFuture } from "effect-reactor"
 *
 * const reactor = Reactor.unsafeMake(Poller.unsafeOpen())
 * const executor = Executor.unsafeMake({ reactor })
 * const size = executor.blockOn(
 *   File.openFuture("/etc/hostname").pipe(
 *     SimpleFuture.flatMap((file) =>
 *       file.statFuture().pipe(SimpleFuture.flatMap((stat) => SimpleFuture.map(file.closeFuture(), () => stat.size)))
 *     )
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const openFuture: (path: string, options?: OpenOptions) => SimpleFuture<File, IoError> = internal.openFuture
