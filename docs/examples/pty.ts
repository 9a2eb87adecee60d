/**
 * A pseudo-terminal driven from both ends: `npx tsx docs/examples/pty.ts`. Ends by itself.
 *
 * 1. Raw mode: keys typed into the controller reach the terminal side one byte at a time. A Node timer does the
 *    typing while the read waits: the wait never blocks the event loop.
 * 2. Canonical mode: the line discipline echoes what is typed back to the controller, and hands the terminal side a
 *    whole line only once "\n" arrives.
 * 3. The window size, and the end: once the controller is closed, the terminal side reads end of file.
 */
import { Console, Effect, Fiber } from "effect"
import { type AsyncFd, Pty, ReactorRuntime } from "effect-reactor"

const show = (bytes: Uint8Array, n: number): string => JSON.stringify(Buffer.from(bytes.subarray(0, n)).toString())

/** Reads until `n` bytes have come (at most 16 reads). */
const readBytes = (side: AsyncFd.AsyncFd, n: number) =>
  Effect.gen(function*() {
    const buffer = new Uint8Array(n)
    let filled = 0
    for (let i = 0; i < 16 && filled < n; i++) filled += yield* side.read(buffer.subarray(filled))
    return show(buffer, filled)
  })

const program = Effect.gen(function*() {
  const pty = yield* Pty.open({ mode: "raw", size: { rows: 24, columns: 80 } })
  yield* Console.log(`opened ${pty.path}: ${JSON.stringify(yield* pty.settings)}`)

  // 1. Raw mode, byte by byte; the keys are typed by a timer that can only fire while Node's loop is free.
  setTimeout(() => {
    console.log("timer: typing \"hi!\" into the controller")
    Effect.runFork(pty.controller.write(Buffer.from("hi!")))
  }, 10)
  yield* Console.log("raw: waiting for keys...")
  const key = new Uint8Array(1)
  for (let i = 0; i < 3; i++) {
    const n = yield* pty.terminal.read(key)
    yield* Console.log(`raw: key ${show(key, n)}`)
  }

  // 2. Canonical mode with echo.
  yield* pty.setMode("canonical")
  yield* Console.log(`canonical: ${JSON.stringify(yield* pty.settings)}`)
  const line = new Uint8Array(64)
  const reading = yield* Effect.fork(pty.terminal.read(line))
  yield* pty.controller.write(Buffer.from("ls -l"))
  yield* Console.log(`canonical: the controller reads the echo ${yield* readBytes(pty.controller, 5)}`)
  yield* Console.log(`canonical: no "\\n" yet, the terminal side still waits: ${reading.unsafePoll() === null}`)
  yield* pty.controller.write(Buffer.from("\n"))
  yield* Console.log(`canonical: the terminal side reads the line ${show(line, yield* Fiber.join(reading))}`)

  // 3. Size, then the end of the session.
  yield* pty.resize({ rows: 40, columns: 120 })
  const size = yield* Pty.getWindowSize(pty.terminal.fd)
  yield* Console.log(`resized: the terminal side sees ${size.rows} rows x ${size.columns} columns`)
  yield* pty.controller.close
  yield* Console.log(`controller closed: the terminal side reads ${yield* pty.terminal.read(line)} (end of file)`)
})

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(ReactorRuntime.layer))).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
