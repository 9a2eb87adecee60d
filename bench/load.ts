/**
 * Echo load generator: `--conns` TCP connections to `--host:--port`, each playing ping-pong — send
 * `--size` bytes, wait until `--size` bytes came back, send again — for `--seconds` after a
 * `--warmup`. Prints one JSON object (`LoadReport`) on stdout.
 *
 * It must never be the bottleneck, so it skips Node's streams: it drives non-blocking sockets
 * through the addon's poller in a blocking loop (the dedicated mode of `bench/poller.ts`), one
 * `recv` per readiness event into one reused buffer, one `send` per message. Sockets are
 * registered level-triggered for readable: an event means bytes are waiting, and a short read is
 * simply reported again on the next wait (epoll(7), "Level-triggered and edge-triggered"). A
 * short send (16 KiB into a full send buffer) adds writable interest until the message is out.
 *
 * Prints `measuring` on a line of its own when the measured window starts, then the report.
 *
 * Latency is measured from the first byte of a message handed to `send` to its last byte back,
 * into log-spaced buckets (32 per power of two: within 2.2% of the true value), as HdrHistogram
 * would with fewer significant digits.
 *
 *   node --import tsx bench/load.ts --port 9000 [--host 127.0.0.1] [--conns 64] [--size 64] [--seconds 5] [--warmup 1]
 */
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { binding } from "../src/internal/native.js"

/** What the load generator prints. Latencies in microseconds. */
export interface LoadReport {
  readonly conns: number
  readonly size: number
  readonly seconds: number
  readonly requests: number
  readonly rps: number
  readonly p50Us: number
  readonly p99Us: number
  readonly p999Us: number
  readonly maxUs: number
  /** Connections that failed (refused, reset, early EOF) during the run. */
  readonly errors: number
  /** CPU time of this process over the measured window, as a fraction of one core. */
  readonly loadCpu: number
  /** Milliseconds it took to connect every socket. */
  readonly connectMs: number
}

const { values: args } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    conns: { type: "string", default: "64" },
    size: { type: "string", default: "64" },
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    "connect-timeout": { type: "string", default: "15" }
  }
})

const number = (name: string, text: string | undefined, min: number, max: number): number => {
  const value = Number(text)
  if (text === undefined || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`--${name} must be a number in [${min}, ${max}], got ${text}`)
  }
  return value
}

const host = args.host
const port = number("port", args.port, 1, 65535)
const conns = Math.floor(number("conns", args.conns, 1, 60000))
const size = Math.floor(number("size", args.size, 1, 1 << 24))
const seconds = number("seconds", args.seconds, 0.01, 3600)
const warmup = number("warmup", args.warmup, 0, 600)
const connectTimeout = number("connect-timeout", args["connect-timeout"], 0.1, 600)

const {
  EAGAIN,
  EINPROGRESS,
  EVENT_ERROR,
  EVENT_HANGUP,
  EVENT_READABLE,
  EVENT_WRITABLE,
  INTEREST_READABLE,
  INTEREST_WRITABLE,
  IPPROTO_TCP,
  MODE_LEVEL,
  TCP_NODELAY
} = binding.constants

// Histogram: bucket i holds values v (µs) with floor(log2(v) * 32) === i - 1; bucket 0 is v < 1 µs.
const bucketsPerOctave = 32
const maxBucket = 32 * bucketsPerOctave
const histogram = new Float64Array(maxBucket + 1)
let recorded = 0
let maxUs = 0

const record = (us: number): void => {
  const index = us < 1 ? 0 : Math.min(maxBucket, 1 + Math.floor(Math.log2(us) * bucketsPerOctave))
  histogram[index]!++
  recorded++
  if (us > maxUs) maxUs = us
}

// The geometric middle of the bucket holding the q-quantile.
const quantile = (q: number): number => {
  if (recorded === 0) return 0
  const rank = Math.ceil(q * recorded)
  let seen = 0
  for (let i = 0; i <= maxBucket; i++) {
    seen += histogram[i]!
    if (seen >= rank) return i === 0 ? 0.5 : Math.min(maxUs, 2 ** ((i - 0.5) / bucketsPerOctave))
  }
  return maxUs
}

const poller = new binding.Poller({ backend: "epoll" })
const events = new Uint32Array(2 * 1024)
const message = new Uint8Array(size).fill(0x61)
const inbox = new Uint8Array(Math.max(size, 65536))

// Per connection, as parallel arrays: no object per connection on the hot path.
const fds = new Int32Array(conns).fill(-1)
const sent = new Int32Array(conns) // bytes of the current message handed to send
const received = new Int32Array(conns) // bytes of the current message back
const startedAt = new Float64Array(conns) // performance.now() when the current message began
const connected = new Uint8Array(conns)
let alive = 0
let errors = 0

let measuring = false
let requests = 0

const fail = (conn: number): void => {
  const fd = fds[conn]!
  if (fd < 0) return
  try {
    poller.delete(fd)
  } catch {
    // Already gone from the interest list: closing is all that is left.
  }
  binding.close(fd)
  fds[conn] = -1
  alive--
  errors++
}

// Sends what is left of the current message; a short send waits for writable.
const pump = (conn: number): void => {
  const fd = fds[conn]!
  const n = binding.send(fd, message, sent[conn]!, size - sent[conn]!)
  if (n >= 0) {
    const before = sent[conn]!
    sent[conn] = before + n
    if (sent[conn] === size) {
      // Writable interest was added for a short send: drop it, or it would fire on every wait.
      if (before !== 0 || n !== size) poller.modify(fd, conn, INTEREST_READABLE, MODE_LEVEL)
      return
    }
  } else if (n !== -EAGAIN) {
    return fail(conn)
  }
  poller.modify(fd, conn, INTEREST_READABLE | INTEREST_WRITABLE, MODE_LEVEL)
}

const begin = (conn: number, now: number): void => {
  sent[conn] = 0
  received[conn] = 0
  startedAt[conn] = now
  pump(conn)
}

const onReadable = (conn: number): void => {
  const fd = fds[conn]!
  const n = binding.recv(fd, inbox, 0, Math.min(inbox.length, size - received[conn]!))
  if (n > 0) {
    received[conn] = received[conn]! + n
    if (received[conn] === size) {
      const now = performance.now()
      if (measuring) {
        requests++
        record((now - startedAt[conn]!) * 1000)
      }
      begin(conn, now)
    }
  } else if (n !== -EAGAIN) {
    // 0 is EOF: the server closed on us, which an echo server never does mid-run.
    fail(conn)
  }
}

// Connects every socket, at most `inFlight` handshakes at a time so the server's accept queue
// (backlog 511 for node:net) never overflows into SYN retransmits that would stall for a second.
const connectAll = (): number => {
  const started = performance.now()
  const deadline = started + connectTimeout * 1000
  const inFlight = 128
  let next = 0
  let pending = 0
  while (alive + errors < conns) {
    while (pending < inFlight && next < conns) {
      const conn = next++
      const fd = binding.socket(4, "stream")
      fds[conn] = fd
      binding.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1)
      const r = binding.connect(fd, host, port)
      if (r !== 0 && r !== -EINPROGRESS) {
        binding.close(fd)
        fds[conn] = -1
        errors++
        continue
      }
      poller.add(fd, conn, INTEREST_WRITABLE, MODE_LEVEL)
      pending++
    }
    const now = performance.now()
    if (now > deadline) throw new Error(`connect: ${alive} of ${conns} connected after ${connectTimeout} s`)
    const count = poller.wait(events, Math.min(100, deadline - now))
    for (let i = 0; i < count; i++) {
      const conn = events[2 * i]!
      if (connected[conn] === 1) continue
      const fd = fds[conn]!
      connected[conn] = 1
      pending--
      alive++
      const error = binding.socketError(fd)
      if (error !== 0) fail(conn)
      else poller.modify(fd, conn, INTEREST_READABLE, MODE_LEVEL)
    }
  }
  if (errors > 0) throw new Error(`connect: ${errors} of ${conns} connections to ${host}:${port} failed`)
  return performance.now() - started
}

const run = (): LoadReport => {
  const connectMs = connectAll()
  let now = performance.now()
  for (let conn = 0; conn < conns; conn++) begin(conn, now)
  const measureFrom = now + warmup * 1000
  const end = measureFrom + seconds * 1000
  let cpuFrom = process.cpuUsage()
  let from = now
  while (now < end && alive > 0) {
    if (!measuring && now >= measureFrom) {
      // Tells the runner the measured window starts, so it can sample the server's CPU time.
      process.stdout.write("measuring\n")
      measuring = true
      cpuFrom = process.cpuUsage()
      from = now
    }
    const count = poller.wait(events, Math.max(0, Math.min(measuring ? end - now : measureFrom - now, 100)))
    for (let i = 0; i < count; i++) {
      const conn = events[2 * i]!
      const flags = events[2 * i + 1]!
      if (fds[conn]! < 0) continue
      if ((flags & (EVENT_READABLE | EVENT_HANGUP | EVENT_ERROR)) !== 0) onReadable(conn)
      if ((flags & EVENT_WRITABLE) !== 0 && fds[conn]! >= 0 && sent[conn]! < size) pump(conn)
    }
    now = performance.now()
  }
  const elapsed = measuring ? (now - from) / 1000 : 0
  const cpu = process.cpuUsage(cpuFrom)
  return {
    conns,
    size,
    seconds: elapsed,
    requests,
    rps: elapsed > 0 ? requests / elapsed : 0,
    p50Us: quantile(0.5),
    p99Us: quantile(0.99),
    p999Us: quantile(0.999),
    maxUs,
    errors,
    loadCpu: elapsed > 0 ? (cpu.user + cpu.system) / 1e6 / elapsed : 0,
    connectMs
  }
}

try {
  const report = run()
  process.stdout.write(`${JSON.stringify(report)}\n`)
  if (report.errors > 0) process.exitCode = 2
} finally {
  for (let conn = 0; conn < conns; conn++) if (fds[conn]! >= 0) binding.close(fds[conn]!)
  poller.close()
}
