/**
 * node:net echo, the baseline: every `data` chunk is written back as it is.
 *
 * `noDelay` as on every server of the benchmark: a 16 KiB message can arrive in pieces, and with
 * Nagle's algorithm the second piece's echo would wait for the client's delayed ACK (tcp(7),
 * TCP_NODELAY).
 *
 * @internal
 */
import * as Net from "node:net"
import type { EchoOptions } from "./echoOptions.js"

/** @internal */
export const serve = (options: EchoOptions): void => {
  const server = Net.createServer({ noDelay: true }, (socket) => {
    socket.on("data", (data) => socket.write(data))
    // A reset from a client that went away: nothing to echo any more.
    socket.on("error", () => socket.destroy())
  })
  server.on("error", (error) => {
    console.error(error)
    process.exit(1)
  })
  server.listen({ host: options.host, port: options.port, backlog: 4096 }, () => {
    const address = server.address()
    options.onListening(typeof address === "object" && address !== null ? address.port : options.port)
  })
  if (options.exitAfter !== undefined) setTimeout(() => process.exit(0), options.exitAfter * 1000).unref()
}
