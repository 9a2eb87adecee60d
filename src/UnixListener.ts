/**
 * A listening Unix domain stream socket on the reactor: the same surface as `TcpListener` (both are a
 * `StreamListener`), with a `Unix` address. The socket file is created by `bind` and removed on release; a path that
 * already exists is `AddressInUse`.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/listener.js"
import type { IoError } from "./IoError.js"
import type { ReactorRuntime } from "./ReactorRuntime.js"
import type * as SocketAddress from "./SocketAddress.js"
import type { StreamListener } from "./TcpListener.js"

/**
 * A listening Unix domain socket: a `StreamListener` whose `localAddress` is its `Unix` path; its connections are
 * `UnixStream`s.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { UnixListener } from "effect-reactor"
 *
 * const acceptOne = (listener: UnixListener.UnixListener) => Effect.scoped(listener.accept)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface UnixListener extends StreamListener<SocketAddress.Unix> {}

/**
 * Options of `bind`: the socket's `path` (shorter than 108 bytes) and the `backlog` (default 1024).
 *
 * @example
 * ```ts
 * import type { UnixListener } from "effect-reactor"
 *
 * const options: UnixListener.BindOptions = { path: "/tmp/app.sock", backlog: 128 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface BindOptions {
  readonly path: string
  readonly backlog?: number | undefined
}

/**
 * Binds and listens at `path`, as a resource of the current scope; the release removes the socket file. Fails with
 * `AddressInUse` (the path exists), `NotFound` (no such directory), `PermissionDenied`, `InvalidAddress`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReactorRuntime, UnixListener } from "effect-reactor"
 *
 * const program = Effect.scoped(
 *   Effect.map(UnixListener.bind({ path: "/tmp/app.sock" }), (listener) => listener.localAddress)
 * ).pipe(Effect.provide(ReactorRuntime.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const bind: (options: BindOptions) => Effect.Effect<UnixListener, IoError, ReactorRuntime | Scope.Scope> =
  internal.bindUnix
