/**
 * The echo handler both SocketServer benchmarks run (@effect/platform-node's and ours): write
 * every chunk `socket.run` delivers back through the socket's writer. A connection ending, cleanly
 * or not, ends the handler quietly.
 *
 * @internal
 */
import type * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"

/** @internal */
export const echoHandler = (socket: Socket.Socket): Effect.Effect<void> =>
  Effect.scoped(Effect.flatMap(socket.writer, (write) => socket.run((chunk) => write(chunk)))).pipe(Effect.ignore)
