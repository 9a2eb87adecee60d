/**
 * A line chat server on `@effect/platform`'s `SocketServer`, served by `ReactorSocketServer`:
 * `npx tsx docs/examples/chat.ts`. Ends by itself.
 *
 * A client's first line is its name; every later line goes to all the others (a `PubSub`), and `/quit` (or closing
 * the connection) leaves. Three scripted clients (`@effect/platform` `Socket`s from `ReactorSocket.makeNet`) join,
 * talk and leave, each step waiting until the others have seen it; then each prints what it received.
 */
import * as Socket from "@effect/platform/Socket"
import { Console, Effect, Fiber, PubSub, Queue, Stream } from "effect"
import { ReactorRuntime, ReactorSocket, ReactorSocketServer } from "effect-reactor"

// The lines a socket receives, in order, until the connection ends. (`Socket.toChannel` reads the socket and writes
// what its input stream gives, here nothing; the writes go through `socket.writer`.)
const receivedLines = (socket: Socket.Socket) =>
  Stream.never.pipe(Stream.pipeThroughChannel(Socket.toChannel(socket)), Stream.decodeText(), Stream.splitLines)

// What one client said, to everyone but that client.
interface Said {
  readonly from: number
  readonly line: string
}

// The server side of one connection.
const session = (hub: PubSub.PubSub<Said>, id: number, socket: Socket.Socket) =>
  Effect.gen(function*() {
    const write = yield* socket.writer
    // What the others say from now on, written to this client by a fiber of its own.
    const inbox = yield* PubSub.subscribe(hub)
    yield* Effect.forkScoped(
      Stream.fromQueue(inbox).pipe(
        Stream.filter((said) => said.from !== id),
        Stream.runForEach((said) => write(`${said.line}\n`))
      )
    )
    let name: string | undefined
    yield* receivedLines(socket).pipe(
      Stream.takeWhile((line) => line !== "/quit"),
      Stream.runForEach((line) => {
        if (name !== undefined) return PubSub.publish(hub, { from: id, line: `${name}: ${line}` })
        name = line
        const joined = PubSub.publish(hub, { from: id, line: `* ${name} joined` })
        return Effect.zipRight(write(`welcome, ${name}\n`), joined)
      })
    )
    if (name !== undefined) yield* PubSub.publish(hub, { from: id, line: `* ${name} left` })
  }).pipe(Effect.scoped) // the writer, the inbox and its fiber; then the server closes the connection

// A scripted client: `say` a line, `expect` the next line received (kept in its transcript), `leave`.
const join = (port: number, name: string) =>
  Effect.gen(function*() {
    const socket = yield* ReactorSocket.makeNet({ host: "127.0.0.1", port })
    const write = yield* socket.writer
    const received = yield* Queue.unbounded<string>()
    const reader = yield* Effect.forkScoped(
      Stream.runForEach(receivedLines(socket), (line) => Queue.offer(received, line))
    )
    const transcript: Array<string> = []
    const say = (line: string) => write(`${line}\n`)
    const expect = Effect.map(Queue.take(received), (line) => void transcript.push(line))
    yield* say(name)
    yield* expect // "welcome, <name>": this client is in, and hears the others from now on
    // The server ends the session and closes the connection, which ends the reader.
    const leave = Effect.zipRight(say("/quit"), Fiber.join(reader))
    return { name, say, expect, leave, transcript }
  })

const program = Effect.gen(function*() {
  const server = yield* ReactorSocketServer.make({ host: "127.0.0.1", port: 0 })
  const hub = yield* PubSub.unbounded<Said>()
  let sessions = 0
  yield* Effect.forkScoped(server.run((socket) => session(hub, ++sessions, socket)))
  const port = server.address._tag === "TcpAddress" ? server.address.port : 0

  const alice = yield* join(port, "alice")
  const bob = yield* join(port, "bob")
  yield* alice.expect
  const carol = yield* join(port, "carol")
  yield* Effect.all([alice.expect, bob.expect])
  yield* alice.say("hi both")
  yield* Effect.all([bob.expect, carol.expect])
  yield* bob.say("hello alice")
  yield* Effect.all([alice.expect, carol.expect])
  yield* carol.leave
  yield* Effect.all([alice.expect, bob.expect])
  yield* bob.say("bye carol")
  yield* alice.expect
  yield* alice.leave
  yield* bob.expect
  yield* bob.leave

  for (const client of [alice, bob, carol]) {
    yield* Console.log(`${client.name} received:`)
    for (const line of client.transcript) yield* Console.log(`  ${line}`)
  }
})

// The timeout is a guard: a scripted client expecting a line that never comes would wait forever.
Effect.runPromise(
  Effect.scoped(program).pipe(Effect.timeout("30 seconds"), Effect.provide(ReactorRuntime.layer))
).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
