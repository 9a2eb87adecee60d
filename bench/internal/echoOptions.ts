/**
 * What `bench/echo-server.ts` hands each echo implementation.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as ReactorMetrics from "../../src/ReactorMetrics.js"
import type * as ReactorRuntime from "../../src/ReactorRuntime.js"

/** @internal */
export interface EchoOptions {
  readonly host: string
  /** 0 picks a free port; `onListening` reports the one bound. */
  readonly port: number
  /** The `--api` name, for implementations that serve more than one (future, future-integrated). */
  readonly variant: string
  readonly onListening: (port: number) => void
  /**
   * Seconds after which the server exits by itself (`--exit-after`), so that `node --cpu-prof`
   * writes its profile: a signal would end the process without it.
   */
  readonly exitAfter: number | undefined
}

/**
 * `exitAfter` for servers whose clock is Effect's: a daemon fiber that exits the process. Under
 * `ReactorRuntime.runBlockingExit` Node's own timers never fire (the thread blocks in the poller), while Effect's
 * clock runs on the executor's timers.
 *
 * @internal
 */
export const exitAfterEffect = (options: EchoOptions): Effect.Effect<void> =>
  options.exitAfter === undefined
    ? Effect.void
    : Effect.asVoid(Effect.forkDaemon(Effect.delay(Effect.sync(() => process.exit(0)), options.exitAfter * 1000)))

/**
 * For the `<api>+metrics` servers: `ReactorMetrics.layer` pushing the runtime's counters to Effect's metrics every
 * second, as a program exporting them would run it, for the life of the server's scope. The counters themselves are
 * always on, in every server; this adds what exporting them costs, for `bench/echo.ts` to compare in the same run.
 *
 * @internal
 */
export const metricsFor = (
  options: EchoOptions
): Effect.Effect<void, never, ReactorRuntime.ReactorRuntime | Scope.Scope> =>
  options.variant.endsWith("+metrics") ? Effect.asVoid(Layer.build(ReactorMetrics.layer())) : Effect.void
