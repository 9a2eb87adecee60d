/**
 * Signals as an fd: `npx tsx docs/examples/signalfd.ts`. Ends by itself once a child process has run.
 *
 * 1. SIGUSR2 sent by this process to itself, read with its sender's pid. Its default action would end the process:
 *    it does not, because `Signalfd.make` blocked it in every thread, Node's own included.
 * 2. SIGHUP sent by a child process: the pid is the child's.
 * 3. Real-time signals queue: three sent, three read, from the `Stream`.
 * 4. After the scope closes, the signal is the process's again: a `process.on` listener hears it.
 */
import { Console, Effect, Stream } from "effect"
import { ReactorRuntime, Signalfd } from "effect-reactor"
import { spawn } from "node:child_process"

const whose = (pid: number) => (pid === process.pid ? "this process" : "a child process")

const held = Effect.gen(function*() {
  const signalfd = yield* Signalfd.make(["SIGUSR2", "SIGHUP", "SIGRTMIN+1"])

  // 1. From this process.
  process.kill(process.pid, "SIGUSR2")
  const own = yield* signalfd.receive
  yield* Console.log(`${own.signal} from pid ${own.pid} (${whose(own.pid)})`)

  // 2. From a child process; the read waits without blocking Node's event loop, which runs the child.
  spawn(process.execPath, ["-e", `process.kill(${process.pid}, "SIGHUP")`], { stdio: "ignore" })
  const fromChild = yield* signalfd.receive
  yield* Console.log(`${fromChild.signal} from pid ${fromChild.pid} (${whose(fromChild.pid)})`)

  // 3. Queued real-time signals, as a stream.
  const rtmin1 = signalfd.signals[signalfd.signals.length - 1]!
  for (let i = 0; i < 3; i++) process.kill(process.pid, rtmin1)
  const queued = yield* Stream.runCollect(Stream.take(signalfd.received, 3))
  yield* Console.log(`${Array.from(queued)[0]!.signal} x${queued.length} (real-time signals queue)`)
})

const program = Effect.gen(function*() {
  yield* Effect.scoped(held)
  // 4. Released: the default disposition or Node's listeners apply again.
  const heard = yield* Effect.async<string>((resume) => {
    const listener = (signal: string) => resume(Effect.succeed(signal))
    process.once("SIGUSR2", listener)
    process.kill(process.pid, "SIGUSR2")
    return Effect.sync(() => process.off("SIGUSR2", listener))
  })
  yield* Console.log(`after close: ${heard} reached process.on`)
})

Effect.runPromise(program.pipe(Effect.provide(ReactorRuntime.layer))).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
