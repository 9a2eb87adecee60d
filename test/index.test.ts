/**
 * The package's root entry: what `import "effect-reactor"` loads. Optional peer dependencies (`@effect/cluster`) must
 * stay out of its import graph, or the package fails to load for everyone who did not install them.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const src = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..", "src")

/** Every package a module of ours imports at run time (type-only imports are erased), through our own modules. */
const runtimePackages = (entry: string): Set<string> => {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = Fs.readFileSync(file, "utf8")
    for (const match of text.matchAll(/^(?:import|export)\s+(?!type\b)[^"']*?from\s+"([^"]+)"/gm)) {
      const specifier = match[1]!
      if (specifier.startsWith(".")) visit(Path.resolve(Path.dirname(file), specifier.replace(/\.js$/, ".ts")))
      else {packages.add(
          specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!
        )}
    }
  }
  visit(entry)
  return packages
}

describe("the package's root entry", () => {
  it("loads effect and @effect/platform, never the optional @effect/cluster (import it from its subpath)", () => {
    const root = runtimePackages(Path.join(src, "index.ts"))
    expect(root.has("effect")).toBe(true)
    expect(root.has("@effect/platform")).toBe(true)
    expect(root.has("@effect/cluster")).toBe(false)
    // The subpath does load it: the walk sees imports at all.
    expect(runtimePackages(Path.join(src, "ReactorClusterSocket.ts")).has("@effect/cluster")).toBe(true)
  })
})

describe("the pack check's smoke program", () => {
  it("imports only what the root entry exports (it runs untyped, in a project that installed the tarball)", async () => {
    const smoke = Fs.readFileSync(Path.join(src, "..", "test", "fixtures", "pack-smoke.mjs"), "utf8")
    const named = /import \{([^}]*)\} from "effect-reactor"/.exec(smoke)![1]!.split(",").map((name) => name.trim())
    const root = await import("../src/index.js")
    expect(named.filter((name) => !(name in root))).toEqual([])
    expect(named.length).toBeGreaterThan(0)
  })
})
