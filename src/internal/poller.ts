/**
 * The `Poller` service over the native poller.
 *
 * The handle is the native object itself (no wrapper on the hot path); the service adds typed errors, mode names and
 * timeout decoding around it, and a scope that closes it.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { Interest } from "../Interest.js"
import type * as Api from "../Poller.js"
import type { PollerError } from "../PollerError.js"
import type { Code, PollMode } from "../PollMode.js"
import { binding, type NativePoller } from "./native.js"
import * as errors from "./pollerError.js"
import * as pollMode from "./pollMode.js"
import { show } from "./show.js"

// The public handle type is the native poller's, spelled out for the docs; each must stay assignable to the other.
const _handleIsNative = (handle: Api.PollerHandle): NativePoller => handle
const _nativeIsHandle = (native: NativePoller): Api.PollerHandle => native
void _handleIsNative
void _nativeIsHandle

/** @internal */
export const TypeId: Api.TypeId = Symbol.for("effect-reactor/Poller") as Api.TypeId

/** @internal */
export const tag: Context.Tag<Api.Poller, Api.Poller> = Context.GenericTag<Api.Poller>("effect-reactor/Poller")

/**
 * The timeout the native `wait` takes for "no deadline".
 *
 * @internal
 */
export const FOREVER = -1

/** @internal */
export const defaultBackend: Api.Backend = process.platform === "linux" ? "epoll" : "poll"

/** @internal */
export const unsafeOpen = (options?: Api.Options): Api.PollerHandle =>
  new binding.Poller({ backend: options?.backend ?? defaultBackend })

/** @internal */
export const modeCode = (mode: PollMode): Code => pollMode.toNative(mode)

/** @internal */
export const notifyFrom = (notifier: Api.Notifier): boolean => binding.notifyToken(notifier.token)

const invalidTimeout = (timeout: unknown): PollerError =>
  errors.invalidArgument(
    "wait",
    `timeout must be a non-negative duration, a number of milliseconds or "forever", got ${show(timeout)}`
  )

/**
 * The native timeout in milliseconds (fractions kept, `FOREVER` for no deadline), or `undefined` when the input is
 * not a valid timeout. Effect's `Duration.decode` turns NaN and negative inputs into zero; a poller must not, since
 * a NaN that silently becomes a busy poll is exactly the bug the typed error is there to catch.
 *
 * @internal
 */
export const timeoutMillis = (timeout: Api.Timeout): number | undefined => {
  switch (typeof timeout) {
    case "number":
      // `+ 0` turns -0 into 0.
      return Number.isNaN(timeout) || timeout < 0 ? undefined : timeout === Infinity ? FOREVER : timeout + 0
    case "bigint":
      return timeout < 0n ? undefined : Number(timeout) / 1_000_000
    case "string":
      if (timeout === "forever") return FOREVER
      if (timeout.startsWith("-")) return undefined
      break
    default:
      if (
        Array.isArray(timeout) &&
        (timeout.length !== 2 || timeout.some((part) => typeof part !== "number" || Number.isNaN(part) || part < 0))
      ) {
        return undefined
      }
  }
  let duration: Duration.Duration
  try {
    duration = Duration.decode(timeout as Duration.DurationInput)
  } catch {
    return undefined
  }
  return Duration.isFinite(duration) ? Duration.toMillis(duration) : FOREVER
}

const register = (
  handle: NativePoller,
  method: "add" | "modify",
  fd: number,
  key: number,
  interest: Interest,
  mode: PollMode
): Effect.Effect<void, PollerError> => {
  // The native boundary reads a missing mode as oneshot, so a bad name from an untyped caller stops here. A mode the
  // backend cannot do is the native side's to refuse (EOPNOTSUPP -> Unsupported), so the handle and service agree.
  if (!pollMode.isPollMode(mode)) {
    return Effect.fail(errors.invalidArgument(method, `mode must be one of ${pollMode.modes.join(", ")}`))
  }
  const code = pollMode.toNative(mode)
  return errors.attempt(method, () => handle[method](fd, key, interest, code))
}

/** @internal */
export const fromHandle = (handle: NativePoller): Api.Poller => {
  const notifier: Api.Notifier = { token: handle.notifyToken }
  return {
    [TypeId]: TypeId,
    handle,
    backend: handle.backend,
    supportsEdge: handle.supportsEdge,
    supportsLevel: handle.supportsLevel,
    notifier,
    add: (fd, key, interest, mode = "oneshot") => register(handle, "add", fd, key, interest, mode),
    modify: (fd, key, interest, mode = "oneshot") => register(handle, "modify", fd, key, interest, mode),
    delete: (fd) => errors.attempt("delete", () => handle.delete(fd)),
    wait: (events, timeout) =>
      Effect.suspend(() => {
        const millis = timeoutMillis(timeout)
        return millis === undefined
          ? Effect.fail(invalidTimeout(timeout))
          : errors.attempt("wait", () => handle.wait(events, millis))
      }),
    notify: errors.attempt("notify", () => handle.notify()),
    // Read when asked, not here: on the poll(2) backend the first read starts a thread.
    fd: errors.attempt("fd", () => handle.fd)
  }
}

/** @internal */
export const make = (options?: Api.Options): Effect.Effect<Api.Poller, PollerError, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      errors.attempt("open", () => unsafeOpen(options)),
      // Closing twice is a no-op and close cannot fail (native contract), so the finalizer never fails.
      (handle) => Effect.sync(() => handle.close())
    ),
    fromHandle
  )

/** @internal */
export const layerWith = (options: Api.Options): Layer.Layer<Api.Poller, PollerError> =>
  Layer.scoped(tag, make(options))

/** @internal */
export const layer: Layer.Layer<Api.Poller, PollerError> = Layer.scoped(tag, make())
