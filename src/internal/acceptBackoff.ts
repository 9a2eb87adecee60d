/**
 * What a listener does when accept4 fails for want of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM).
 *
 * Such a failure is neither the connection's fault nor the listener's: the connections stay queued in the kernel, and
 * they can be accepted once a descriptor (or memory) is free again. Failing the listener for it would end a server at
 * its first burst of load; retrying at once would spin at 100 % CPU, since the readiness that says "connections are
 * queued" stays true. So the listener keeps its readiness (an edge-triggered registration would not report those
 * connections again), waits, and retries, with the delay doubling from 5 ms to 1 s as Go's net/http server does, until
 * an accept succeeds. The condition is reported once per episode, when it starts, and once when it ends.
 *
 * An episode's states:
 *
 *   CLEAR --resource error--> THROTTLED (delay 5 ms, reported) --resource error--> THROTTLED (delay doubled, <= 1 s)
 *   THROTTLED --an accept succeeds--> CLEAR (the end reported, with how long it lasted)
 *
 * @internal
 */
import * as Os from "node:os"

const errno = Os.constants.errno

/** The errnos of accept4 that mean "not now", not "never". @internal */
export const RESOURCE_ERRNOS: ReadonlySet<number> = new Set([errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM])

/** Whether `result` (a count, or `-errno`) is a resource failure of accept4. @internal */
export const isResourceFailure = (result: number): boolean => result < 0 && RESOURCE_ERRNOS.has(-result)

/** The first delay of an episode, and the cap of its doubling, in milliseconds. @internal */
export const FIRST_DELAY_MS = 5
/** @internal */
export const MAX_DELAY_MS = 1000

/** @internal */
export class AcceptBackoff {
  private delay = 0
  private since = 0
  /** The number of resource failures in the current episode (0: not throttled). */
  failures = 0

  constructor(private readonly now: () => number = () => performance.now()) {}

  get throttled(): boolean {
    return this.failures > 0
  }

  /** A resource failure: how long to wait before the next attempt, and whether it starts an episode. */
  failed(): { readonly delayMs: number; readonly starts: boolean } {
    const starts = this.failures === 0
    if (starts) this.since = this.now()
    this.failures++
    this.delay = starts ? FIRST_DELAY_MS : Math.min(this.delay * 2, MAX_DELAY_MS)
    return { delayMs: this.delay, starts }
  }

  /** An accept succeeded: the episode's length in milliseconds if one just ended, else `undefined`. */
  succeeded(): number | undefined {
    if (this.failures === 0) return undefined
    this.failures = 0
    this.delay = 0
    return this.now() - this.since
  }
}
