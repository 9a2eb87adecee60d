/**
 * The property-testing guide's program (docs/guides/testing.md embeds this file): code of a user's own — a
 * length-prefixed framing of messages over a byte stream — tested with `@effect/vitest`'s `it.prop` on its own, and
 * with `it.live.prop` over effect-reactor's sockets, where the kernel splits and merges the bytes as it likes.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Stream } from "effect"
import { ReactorRuntime, TcpListener, TcpStream, UnixStream } from "effect-reactor"
import * as FastCheck from "effect/FastCheck"

// The code under test: each message is sent as a 4-byte big-endian length, then its bytes.
const encode = (message: Uint8Array): Uint8Array => {
  const frame = new Uint8Array(4 + message.length)
  new DataView(frame.buffer).setUint32(0, message.length)
  frame.set(message, 4)
  return frame
}

// Reassembles messages from chunks cut anywhere: keeps what is left of an unfinished frame for the next chunk.
const decoder = () => {
  let pending = new Uint8Array(0)
  return (chunk: Uint8Array): Array<Uint8Array> => {
    const joined = new Uint8Array(pending.length + chunk.length)
    joined.set(pending)
    joined.set(chunk, pending.length)
    const messages: Array<Uint8Array> = []
    let offset = 0
    while (joined.length - offset >= 4) {
      const length = new DataView(joined.buffer, offset).getUint32(0)
      if (joined.length - offset - 4 < length) break
      messages.push(joined.slice(offset + 4, offset + 4 + length))
      offset += 4 + length
    }
    pending = joined.slice(offset)
    return messages
  }
}

const messages = FastCheck.array(FastCheck.uint8Array({ maxLength: 5000 }), { maxLength: 20 })
// How many bytes a read takes at most: on loopback the kernel seldom cuts a small write, so the reader does.
const readSize = FastCheck.integer({ min: 1, max: 4096 })

type Connected = TcpStream.TcpStream | UnixStream.UnixStream

// Sends `sent` framed through `writer`, half-closes, and decodes what `reader` receives, `size` bytes at most a read.
const roundTrip = (writer: Connected, reader: Connected, sent: Array<Uint8Array>, size: number) =>
  Effect.gen(function*() {
    const sending = yield* Effect.fork(
      Stream.fromIterable(sent.map(encode)).pipe(Stream.run(writer.sink), Effect.zipRight(writer.shutdown("write")))
    )
    const decode = decoder()
    const received = yield* reader.stream(size).pipe(Stream.mapConcat(decode), Stream.runCollect)
    yield* Fiber.join(sending)
    return Chunk.toArray(received)
  })

describe("framing (the property-testing guide)", () => {
  // Without sockets: any cut of the encoded bytes decodes to the messages.
  it.prop("any cut of the bytes decodes to the messages sent", [messages, FastCheck.integer({ min: 1, max: 64 })], ([
    sent,
    size
  ]) => {
    const bytes = Buffer.concat(sent.map(encode))
    const decode = decoder()
    const received: Array<Uint8Array> = []
    for (let at = 0; at < bytes.length; at += size) received.push(...decode(bytes.subarray(at, at + size)))
    expect(received).toEqual(sent)
  })

  // Over a socket pair: the kernel decides the cuts.
  it.live.prop(
    "messages sent over a Unix socket pair arrive whole and in order",
    [messages, readSize],
    ([sent, size]) =>
      Effect.scoped(Effect.gen(function*() {
        const [left, right] = yield* UnixStream.pair()
        expect(yield* roundTrip(left, right, sent, size)).toEqual(sent)
      })).pipe(Effect.provide(ReactorRuntime.layer)),
    { fastCheck: { numRuns: 20 } }
  )

  // Over TCP on 127.0.0.1.
  it.live.prop(
    "messages sent over a TCP connection arrive whole and in order",
    [messages, readSize],
    ([sent, size]) =>
      Effect.scoped(Effect.gen(function*() {
        const listener = yield* TcpListener.bind({ host: "127.0.0.1", port: 0 })
        const client = yield* TcpStream.connect({ host: "127.0.0.1", port: listener.localAddress.port })
        const server = yield* listener.accept
        expect(yield* roundTrip(client, server, sent, size)).toEqual(sent)
      })).pipe(Effect.provide(ReactorRuntime.layer)),
    { fastCheck: { numRuns: 20 } }
  )
})
