/**
 * What a test may see of the reactor registration behind one of our fd types (or of one `Reactor.register` made): the
 * wakers parked on it per direction and its cached readiness. This is the one place the tests reach into the
 * internals (every fd type keeps its registration in its `source`), typed by the internal classes, so a change there
 * fails the type check here once instead of silently in a cast per test.
 */
import type * as Effect from "effect/Effect"
import * as reactor from "../../src/internal/reactor.js"
import type { Source } from "../../src/internal/source.js"
import type { Direction } from "../../src/Reactor.js"
import { eventually } from "./sockets.js"

const directionIndex: Record<Direction, 0 | 1 | 2> = { readable: 0, writable: 1, priority: 2 }

/**
 * The registration of `owner`: any fd type of ours (`TcpStream`, `UdpSocket`, `AsyncFd`, `Timerfd`, ...), or a
 * registration that `Reactor.register` returned.
 */
export const registrationOf = (owner: object): reactor.Registration => {
  if (owner instanceof reactor.Registration) return owner
  const source = (owner as { readonly source?: Source }).source
  if (source === undefined) throw new TypeError("registrationOf: not one of our fd types (it has no source)")
  return source.registration
}

/** How many wakers wait on `owner`'s registration for `direction` (readable unless said). */
export const parkedWakers = (owner: object, direction: Direction = "readable"): number =>
  registrationOf(owner).waiters[directionIndex[direction]].length

/**
 * Waits (bounded, see `eventually`) until `count` wakers wait on `owner` for `direction`: the operations forked
 * before have tried their syscall, got EAGAIN and parked, so what follows happens while they wait.
 */
export const awaitParked = (owner: object, count = 1, direction: Direction = "readable"): Effect.Effect<void> =>
  eventually(() => parkedWakers(owner, direction) === count)

/** The readiness bits `owner`'s registration has cached (see `Reactor.readable` and the others). */
export const cachedReadiness = (owner: object) => registrationOf(owner).ready
