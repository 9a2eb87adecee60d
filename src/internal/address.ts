/**
 * Checking and resolving what users pass as an address: ports, hosts (numeric, or resolved through Node's `dns`),
 * Unix paths, backlogs, sizes and durations. Every rejection is an `IoError`, never a throw.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Dns from "node:dns"
import * as Net from "node:net"
import type { IoError } from "../IoError.js"
import * as ioError from "./ioError.js"
import { show } from "./show.js"

/** A numeric host and its family, as `socket(2)` and the addon take them. @internal */
export interface Resolved {
  readonly address: string
  readonly family: 4 | 6
}

/** @internal */
export const checkPort = (port: unknown, syscall: string): IoError | undefined =>
  typeof port === "number" && Number.isInteger(port) && port >= 0 && port <= 65535
    ? undefined
    : ioError.invalidArgument(syscall, `port must be an integer from 0 to 65535, got ${show(port)}`)

/** @internal */
export const checkCount = (value: unknown, name: string, syscall: string, min = 0): IoError | undefined =>
  typeof value === "number" && Number.isInteger(value) && value >= min && value <= 0x7fffffff
    ? undefined
    : ioError.invalidArgument(syscall, `${name} must be an integer of at least ${min}, got ${show(value)}`)

// Looks like a dotted quad or a bare number: never a name to resolve ("999.1.1.1" is a bad address, not a host).
const numericLooking = /^[\d.]+$/

/**
 * A numeric host is used as is; "localhost" is 127.0.0.1; other names are resolved with `dns.lookup` (getaddrinfo,
 * as `node:net` does). An empty host, a malformed numeric one, or a name that does not resolve is `InvalidAddress`.
 *
 * @internal
 */
export const resolveHost = (host: unknown, syscall: string): Effect.Effect<Resolved, IoError> => {
  if (typeof host !== "string" || host.length === 0) {
    return Effect.fail(ioError.invalidAddress(syscall, `host must be a non-empty string, got ${show(host)}`))
  }
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host
  const family = Net.isIP(bare)
  if (family === 4 || family === 6) return Effect.succeed({ address: bare, family })
  if (bare === "localhost") return Effect.succeed({ address: "127.0.0.1", family: 4 })
  if (numericLooking.test(bare) || bare.includes(":") || bare.includes("\0")) {
    return Effect.fail(ioError.invalidAddress(syscall, `${show(host)} is not a valid IPv4 or IPv6 address`))
  }
  return Effect.async<Resolved, IoError>((resume) => {
    Dns.lookup(bare, (error, address, resolvedFamily) => {
      if (error !== null) {
        const mapped = ioError.classify(error, "getaddrinfo")
        resume(Effect.fail(
          mapped === undefined || mapped.reason === "Os"
            ? ioError.invalidAddress(syscall, `${show(host)} does not resolve: ${error.message}`)
            : mapped
        ))
      } else {
        resume(Effect.succeed({ address, family: resolvedFamily === 6 ? 6 : 4 }))
      }
    })
  })
}

/** An IP address and port as an error names them: `127.0.0.1:80`, `[::1]:80`. @internal */
export const formatInet = (host: string, port: number): string =>
  host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`

/** @internal */
export const checkPath = (path: unknown, syscall: string): IoError | undefined =>
  typeof path === "string" && path.length > 0 && Buffer.byteLength(path) < 108 && !path.includes("\0")
    ? undefined
    : ioError.invalidAddress(
      syscall,
      `a Unix socket path must be a non-empty string shorter than 108 bytes, got ${show(path)}`
    )

/** A duration option decoded, or `InvalidArgument`. @internal */
export const decodeDuration = (
  input: Duration.DurationInput,
  name: string,
  syscall: string
): Effect.Effect<Duration.Duration, IoError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(Duration.decode(input))
    } catch (error) {
      return Effect.fail(ioError.invalidArgument(syscall, `${name} is not a duration: ${String(error)}`))
    }
  })
