/**
 * A runtime's metrics, live: `npx tsx docs/examples/metrics.ts`. Ends by itself after three seconds.
 *
 * An echo server and 16 clients ping-ponging 64-byte messages at it, all on one runtime that owns this thread
 * (`ReactorRuntime.runBlockingExit`: idle time is the time blocked in the poller, busy the rest). Once a second the
 * program reads `ReactorMetrics.snapshot`, takes what changed since the last one (`ReactorMetrics.since`), and prints
 * one row: on a terminal the row is redrawn in place, like a progress line; into a pipe or a file each second gets a
 * row of its own. The same counters reach any Effect metrics exporter through `ReactorMetrics.layer`.
 */
import { Console, Effect, Fiber } from "effect"
import { ReactorMetrics, ReactorRuntime, TcpListener, TcpStream } from "effect-reactor"

const clients = 16
const seconds = 3
const message = new Uint8Array(64).fill(42)

// One connection of the server: echo until the client closes.
const echo = (connection: TcpStream.TcpStream) =>
  Effect.gen(function*() {
    for (;;) {
      const chunk = yield* connection.readChunk()
      if (chunk.length === 0) return
      yield* connection.writeAll(chunk)
    }
  }).pipe(Effect.ignore, Effect.ensuring(connection.close))

// One client: send a message, read all of it back, count a request; until `running()` says stop.
const client = (port: number, running: () => boolean, count: () => void) =>
  Effect.scoped(Effect.gen(function*() {
    const stream = yield* TcpStream.connect({ port, noDelay: true })
    const buffer = new Uint8Array(message.length)
    while (running()) {
      yield* stream.writeAll(message)
      let received = 0
      while (received < message.length) {
        const n = yield* stream.read(buffer.subarray(received))
        if (n === 0) return
        received += n
      }
      count()
    }
  }))

const header =
  "   t    req/s  turns/s  events/turn  wakes/s  polls/s  queue  budget   busy  idle ms  tcp open  late p99"
const pad = (value: string | number, width: number) => String(value).padStart(width)
const perSecond = (count: number, ms: number) => Math.round((count * 1000) / ms).toLocaleString("en-US")

// One row: what happened over the interval `d`, with the gauges as they are now.
const row = (second: number, requests: number, d: ReactorMetrics.Snapshot) => {
  const late = ReactorMetrics.quantile(d.timerLateness, 0.99)
  return [
    pad(`${second}s`, 4),
    pad(perSecond(requests, d.elapsedMs), 8),
    pad(perSecond(d.turns, d.elapsedMs), 8),
    pad(d.turns === 0 ? "-" : (d.events / d.turns).toFixed(2), 12),
    pad(perSecond(d.wakes, d.elapsedMs), 8),
    pad(perSecond(d.tasksPolled + d.callbacksRun, d.elapsedMs), 8),
    pad(d.runQueueDepth, 6),
    pad(d.budgetExhausted, 7),
    pad(`${Math.round(d.utilization * 100)}%`, 6),
    pad(Math.round(d.idleMs), 8),
    pad(d.fds.tcp.open, 9),
    pad(Number.isNaN(late) ? "-" : `≤${late} µs`, 9)
  ].join(" ")
}

// A terminal gets the row redrawn in place (carriage return, erase the line); anything else a row per second.
const live = process.stdout.isTTY === true
const print = (line: string, last: boolean) =>
  Effect.sync(() => process.stdout.write(live ? `\r\x1b[K${line}${last ? "\n" : ""}` : `${line}\n`))

const program = Effect.gen(function*() {
  const listener = yield* TcpListener.bind({ host: "127.0.0.1", port: 0 })
  const port = listener.localAddress.port
  yield* Effect.forkScoped(Effect.forever(Effect.flatMap(listener.accept, (c) => Effect.forkScoped(echo(c)))))

  let running = true
  let requests = 0
  const load = yield* Effect.forkScoped(
    Effect.all(
      Array.from({ length: clients }, () => client(port, () => running, () => void requests++)),
      { concurrency: "unbounded", discard: true }
    )
  )

  const start = yield* ReactorMetrics.snapshot
  yield* Console.log(`an echo server and ${clients} clients on runtime ${start.runtime} (${start.mode}), ${seconds} s:`)
  yield* Console.log(header)
  let previous = start
  let counted = 0
  for (let second = 1; second <= seconds; second++) {
    yield* Effect.sleep("1 second")
    const now = yield* ReactorMetrics.snapshot
    yield* print(row(second, requests - counted, ReactorMetrics.since(now, previous)), second === seconds)
    previous = now
    counted = requests
  }
  running = false
  yield* Fiber.join(load)
})

const exit = ReactorRuntime.runBlockingExit(
  Effect.gen(function*() {
    yield* Effect.scoped(program)
    // The scope is closed: every connection and the listener deregistered, counted as opened and no longer open. The
    // runtime began with this program, so its counts since the start are the program's.
    const total = yield* ReactorMetrics.snapshot
    const { tcp, tcpListener } = total.fds
    yield* Console.log(
      `after the scope closed: tcp ${tcp.opened} opened, ${tcp.open} open; tcpListener ${tcpListener.opened} ` +
        `opened, ${tcpListener.open} open; ${total.registrations} registrations`
    )
  })
)
if (exit._tag === "Failure") {
  console.error(exit.cause)
  process.exitCode = 1
}
