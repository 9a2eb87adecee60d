/**
 * A value as an error message quotes it. Messages about bad input are built from whatever the caller passed, and a
 * message must never be where the failure comes from: `String(value)` throws for a symbol, an object without a
 * prototype or a typed array whose buffer was detached, and `JSON.stringify` for a bigint. This never throws, keeps
 * strings short (a 10 KB string is cut) and shows NUL bytes as `\u0000`.
 *
 * @internal
 */

const MAX_STRING = 64

/** @internal */
export const show = (value: unknown): string => {
  try {
    switch (typeof value) {
      case "string":
        return JSON.stringify(value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value)
      case "bigint":
        return `${value}n`
      case "symbol":
        return value.toString()
      case "function":
        return "a function"
      case "object": {
        if (value === null) return "null"
        if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${value.byteLength} bytes`
        if (value instanceof ArrayBuffer) return `an ArrayBuffer of ${value.byteLength} bytes`
        if (Array.isArray(value)) return `an array of ${value.length}`
        const text = JSON.stringify(value, (_, field: unknown) => typeof field === "bigint" ? `${field}n` : field)
        return text === undefined ? Object.prototype.toString.call(value) : show(text).slice(1, -1)
      }
      default:
        return String(value)
    }
  } catch {
    return Object.prototype.toString.call(value)
  }
}
