/**
 * A fake `PollerHandle` for the reactor's unit tests (the project's only fake): it records every add, modify and
 * delete, returns from the next `wait` the events a test injected (any key, even one no fd was registered under),
 * and plays either backend through `supportsEdge`. It keeps a table of registered fds so that the reactor's calls
 * fail as the real poller's would (EEXIST, ENOENT, a closed poller).
 */
import type { PollerHandle } from "../../src/Poller.js"

/** One recorded control call. */
export interface Call {
  readonly op: "add" | "modify" | "delete"
  readonly fd: number
  /** `undefined` for `delete`. */
  readonly key?: number
  readonly interest?: number
  readonly mode?: number
}

const errnoError = (code: string, errno: number, syscall: string): Error =>
  Object.assign(new Error(`${code}: fake ${syscall}`), { code, errno, syscall })

export class FakePoller implements PollerHandle {
  readonly backend: "epoll" | "poll"
  readonly supportsEdge: boolean
  readonly supportsLevel = true
  readonly notifyToken = 0
  /** Every add / modify / delete, in order (failed ones included). */
  readonly calls: Array<Call> = []
  /** Registered fds and their latest `(key, interest, mode)`. */
  readonly table = new Map<number, { key: number; interest: number; mode: number }>()
  /** Events the next `wait` returns (up to the batch's capacity; the rest wait for the one after). */
  private pending: Array<readonly [key: number, flags: number]> = []
  private isClosed = false
  waits = 0
  notifies = 0
  watching: (() => void) | undefined = undefined

  constructor(options: { readonly supportsEdge?: boolean } = {}) {
    this.supportsEdge = options.supportsEdge ?? true
    this.backend = this.supportsEdge ? "epoll" : "poll"
  }

  get closed(): boolean {
    return this.isClosed
  }

  /** A fake has no kernel object to nest: asking for its fd fails as an unsupported operation. */
  get fd(): number {
    this.checkOpen("fd")
    throw errnoError("EOPNOTSUPP", 95, "fd")
  }

  /** Queues an event for the next `wait`. */
  inject(key: number, flags: number): void {
    this.pending.push([key, flags])
  }

  /** Makes the fake forget `fd`, as epoll forgets a closed file: later calls on it fail with ENOENT. */
  forget(fd: number): void {
    this.table.delete(fd)
  }

  /** The recorded calls of one kind. */
  callsOf(op: Call["op"]): Array<Call> {
    return this.calls.filter((call) => call.op === op)
  }

  private checkOpen(method: string): void {
    if (this.isClosed) {
      throw Object.assign(new Error(`ERR_POLLER_CLOSED: the poller is closed, ${method}`), {
        code: "ERR_POLLER_CLOSED"
      })
    }
  }

  add(fd: number, key: number, interest: number, mode: number): void {
    this.checkOpen("add")
    this.calls.push({ op: "add", fd, key, interest, mode })
    if (this.table.has(fd)) throw errnoError("EEXIST", 17, "epoll_ctl")
    this.table.set(fd, { key, interest, mode })
  }

  modify(fd: number, key: number, interest: number, mode: number): void {
    this.checkOpen("modify")
    this.calls.push({ op: "modify", fd, key, interest, mode })
    if (!this.table.has(fd)) throw errnoError("ENOENT", 2, "epoll_ctl")
    this.table.set(fd, { key, interest, mode })
  }

  delete(fd: number): void {
    this.checkOpen("delete")
    this.calls.push({ op: "delete", fd })
    if (!this.table.delete(fd)) throw errnoError("ENOENT", 2, "epoll_ctl")
  }

  wait(events: Uint32Array, _timeoutMs: number): number {
    this.checkOpen("wait")
    this.waits++
    const count = Math.min(this.pending.length, events.length >>> 1)
    for (let i = 0; i < count; i++) {
      events[2 * i] = this.pending[i]![0]
      events[2 * i + 1] = this.pending[i]![1]
    }
    this.pending = this.pending.slice(count)
    return count
  }

  notify(): void {
    this.checkOpen("notify")
    this.notifies++
  }

  close(): void {
    this.isClosed = true
    this.table.clear()
    this.watching = undefined
  }

  watch(callback: () => void): void {
    this.checkOpen("watch")
    this.watching = callback
  }

  unwatch(): void {
    this.checkOpen("unwatch")
    this.watching = undefined
  }

  ref(): void {}

  unref(): void {}
}
