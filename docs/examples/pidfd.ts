/**
 * `npx tsx docs/examples/pidfd.ts`: waits for two children of `node:child_process` through their pidfds, without
 * SIGCHLD — one exits with code 3 by itself, the other sleeps until a SIGKILL sent through its pidfd — and prints
 * how each ended. Ends by itself.
 */
import { Console, Effect } from "effect"
import { Pidfd, ReactorRuntime } from "effect-reactor"
import { spawn } from "node:child_process"

const describe = (status: Pidfd.ExitStatus): string =>
  Pidfd.match(status, {
    onExited: (code) => `exited with code ${code}`,
    onSignaled: (signal, signo) => `was killed by ${signal ?? `signal ${signo}`}`,
    onUnavailable: () => "exited (status unavailable)"
  })

const program = Effect.gen(function*() {
  const quitter = spawn(process.execPath, ["-e", "process.exit(3)"], { stdio: "ignore" })
  const sleeper = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { stdio: "ignore" })
  const quitting = yield* Pidfd.fromChildProcess(quitter)
  const sleeping = yield* Pidfd.fromChildProcess(sleeper)
  yield* Console.log(`started child ${quitting.pid} (exits with 3) and child ${sleeping.pid} (sleeps)`)

  yield* Console.log(`child ${quitting.pid} ${describe(yield* quitting.exit)}`)

  yield* sleeping.kill("SIGKILL")
  yield* Console.log(`sent SIGKILL to child ${sleeping.pid} through its pidfd`)
  yield* Console.log(`child ${sleeping.pid} ${describe(yield* sleeping.exit)}`)
})

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(ReactorRuntime.layer))).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
