/**
 * The examples under docs/examples/ as a user copies them: each imports only the package by its name
 * ("effect-reactor", "effect-reactor/<Module>"), Node's built-ins and packages this one declares, never a path into
 * src/ (or any relative path); and each is run by some test through `runExample` (test/docs.test.ts runs each one
 * whose output a page of the site shows).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import { builtinModules } from "node:module"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { readPages } from "./utils/pages.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const examplesDir = Path.join(root, "docs", "examples")
const testsDir = Path.join(root, "test")

const examples = Fs.readdirSync(examplesDir).filter((name) => /\.(ts|mts|js|mjs|cjs)$/.test(name)).sort()

const manifest = JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8")) as {
  readonly name: string
  readonly dependencies?: Record<string, string>
  readonly devDependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
}
const declared = new Set([
  ...Object.keys(manifest.dependencies ?? {}),
  ...Object.keys(manifest.devDependencies ?? {}),
  ...Object.keys(manifest.peerDependencies ?? {})
])

/**
 * Every module specifier of `source`: static imports and re-exports, `import("…")` and `require("…")` — in a
 * Worker's source string too, which is why this reads the text rather than the syntax tree.
 */
const specifiers = (source: string): Array<string> =>
  Array.from(
    source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm),
    (match) => match[1]!
  )

/** The package a bare specifier names: `@scope/name` or `name`. */
const packageOf = (specifier: string): string =>
  specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/")

/** Why `specifier` is not something a user who copies the example can import, or `undefined` when it is. */
const problem = (specifier: string): string | undefined => {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("file:")) {
    return "a relative path: import the package by its name, \"effect-reactor\""
  }
  if (specifier.startsWith("node:") || builtinModules.includes(specifier)) return undefined
  if (packageOf(specifier) === manifest.name) {
    const internal = specifier.startsWith(`${manifest.name}/internal`)
    return internal ? "the package's internals, which it does not export" : undefined
  }
  return declared.has(packageOf(specifier)) ? undefined : "a package that package.json does not declare"
}

describe("docs/examples", () => {
  it("the check reads every kind of import, and tells the bad ones", () => {
    const source = [
      "import { Effect } from \"effect\"",
      "import type { Scope } from \"effect/Scope\"",
      "import \"../../src/index.js\"",
      "export * from \"../../src/internal/native.js\"",
      "const worker = `require(\"effect-reactor/Poller\")`",
      "await import('effect-reactor/internal/native')",
      "import { x } from \"left-pad\""
    ].join("\n")
    expect(specifiers(source)).toEqual([
      "effect",
      "effect/Scope",
      "../../src/index.js",
      "../../src/internal/native.js",
      "effect-reactor/Poller",
      "effect-reactor/internal/native",
      "left-pad"
    ])
    expect(specifiers(source).map((specifier) => problem(specifier) === undefined)).toEqual([
      true,
      true,
      false,
      false,
      true,
      false,
      false
    ])
  })

  it("there are examples, the socket ones among them", () => {
    expect(examples).toEqual(expect.arrayContaining(["demo.ts", "tcp-echo.ts", "chat.ts", "rpc.ts", "udp.ts"]))
  })

  it.each(examples)("%s imports the package by its name, never a path into src/", (name) => {
    const found = specifiers(Fs.readFileSync(Path.join(examplesDir, name), "utf8"))
    expect(found.some((specifier) => packageOf(specifier) === manifest.name)).toBe(true)
    expect(found.flatMap((specifier) => {
      const why = problem(specifier)
      return why === undefined ? [] : [`${specifier}: ${why}`]
    })).toEqual([])
  })

  it("every example is run by a test (runExample)", () => {
    const pages = readPages(Path.join(root, "docs"))
    const run = new Set<string>(pages.flatMap((page) => page.outputs.map((block) => block.example)))
    for (const file of Fs.readdirSync(testsDir, { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".ts")) continue
      const source = Fs.readFileSync(Path.join(testsDir, file), "utf8")
      for (const match of source.matchAll(/runExample\(\s*"([^"]+)"/g)) run.add(match[1]!)
    }
    expect(examples.filter((name) => !run.has(name))).toEqual([])
    // And no test runs an example that is not there.
    expect(Array.from(run).filter((name) => !examples.includes(name))).toEqual([])
  })
})
