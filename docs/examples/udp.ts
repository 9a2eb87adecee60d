/**
 * UDP datagrams between sockets on 127.0.0.1: `npx tsx docs/examples/udp.ts`. Ends by itself.
 *
 * 1. `a` sends to `b`'s address; `b` answers the address the datagram came from.
 * 2. `b` connects to `a`: `send` needs no address any more, and only `a`'s datagrams reach `b` (the kernel drops
 *    what a third socket, `c`, sends it).
 * 3. Datagrams keep their boundaries: two sends are two receives, and a datagram larger than the buffer is cut.
 */
import { Console, Effect } from "effect"
import { ReactorRuntime, type SocketAddress, UdpSocket } from "effect-reactor"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const program = Effect.gen(function*() {
  const sockets = {
    a: yield* UdpSocket.bind({ host: "127.0.0.1", port: 0 }),
    b: yield* UdpSocket.bind({ host: "127.0.0.1", port: 0 }),
    c: yield* UdpSocket.bind({ host: "127.0.0.1", port: 0 })
  }
  const { a, b, c } = sockets
  // The kernel chose the ports: print the sockets' names rather than their addresses.
  const nameOf = (address: SocketAddress.Inet) =>
    Object.entries(sockets).find(([, socket]) => socket.localAddress.port === address.port)?.[0] ?? "?"

  // Receives one datagram into a buffer of `size` bytes, prints it, and returns its sender.
  const receive = (name: "a" | "b", size = 64) =>
    Effect.gen(function*() {
      const buffer = new Uint8Array(size)
      const { bytes, from, truncated } = yield* sockets[name].receive(buffer)
      const text = JSON.stringify(decoder.decode(buffer.subarray(0, bytes)))
      // A datagram longer than the buffer is cut, and the rest is lost: `truncated` says so.
      const cut = truncated ? ", truncated: the rest is lost" : ""
      yield* Console.log(`${name} got ${text} (${bytes} bytes${cut}) from ${nameOf(from)}`)
      return from
    })

  // 1. To an address, and an answer to the sender's.
  yield* a.send(encoder.encode("ping"), b.localAddress)
  const sender = yield* receive("b")
  yield* b.send(encoder.encode("pong"), sender)
  yield* receive("a")

  // 2. A fixed peer.
  yield* b.connect(a.localAddress)
  yield* Console.log(`b connected: its peer is ${b.remoteAddress === undefined ? "none" : nameOf(b.remoteAddress)}`)
  yield* b.send(encoder.encode("no address needed"))
  yield* receive("a")
  yield* c.send(encoder.encode("from c"), b.localAddress)
  yield* a.send(encoder.encode("from a"), b.localAddress)
  yield* receive("b")
  yield* Console.log("b never got c's datagram: it is connected to a")

  // 3. Boundaries.
  yield* a.send(encoder.encode("one"), b.localAddress)
  yield* a.send(encoder.encode("two"), b.localAddress)
  yield* receive("b")
  yield* receive("b")
  const long = encoder.encode("a datagram longer than the buffer")
  yield* a.send(long, b.localAddress)
  yield* Console.log(`a sent ${long.length} bytes; b receives them into a 12-byte buffer:`)
  yield* receive("b", 12)
})

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(ReactorRuntime.layer))).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
