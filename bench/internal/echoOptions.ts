/**
 * What `bench/echo-server.ts` hands each echo implementation.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

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
