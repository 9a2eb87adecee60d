/**
 * The benchmarks' build step, into node_modules/.cache/effect-reactor-bench: `bundle(entry)` builds a TypeScript
 * entry with esbuild and returns the path of its bundle; `compile(source)` builds a C program and returns the path of
 * the executable.
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const buildDir = `${root}node_modules/.cache/effect-reactor-bench`

// Plain bundled JavaScript, as a user's production build would run, not under tsx: tsx compiles with esbuild's
// keepNames, which calls `__name` (Object.defineProperty) on every closure created in src/ — per readiness event on
// some paths — and its loader thread adds to every process's RSS. The packages are bundled too (tree-shaken): loading
// effect's hundreds of ES modules one by one costs a server about 20 MiB of RSS that a bundle does not, for every API
// alike. CommonJS dependencies of @effect/platform-node call `require`, which the banner provides. esbuild is tsx's
// own dependency. `import.meta.url` is pinned to src/internal/native.ts so the addon is found from the bundle.
// Split at the dynamic imports, so a server loads only its own API's modules (a single file would hoist every API's
// package imports to its top, and node:net's RSS would include Effect's).
export const bundle = (entry: string): string => {
  const name = entry.replace(/^bench\//, "").replace(/\.ts$/, "")
  const outdir = `${buildDir}/${name}`
  const nativeUrl = pathToFileURL(`${root}src/internal/native.ts`).href
  Fs.rmSync(outdir, { recursive: true, force: true })
  execFileSync(`${root}node_modules/.bin/esbuild`, [
    entry,
    "--bundle",
    "--splitting",
    "--platform=node",
    "--format=esm",
    "--target=node20",
    "--log-level=warning",
    "--banner:js=import { createRequire as __createRequire } from \"node:module\"; " +
    "const require = __createRequire(import.meta.url);",
    "--out-extension:.js=.mjs",
    `--outdir=${outdir}`,
    `--define:import.meta.url=${JSON.stringify(nativeUrl)}`
  ], { cwd: root, stdio: ["ignore", "inherit", "inherit"], timeout: 60_000 })
  return `${outdir}/${name.slice(name.lastIndexOf("/") + 1)}.mjs`
}

/** Compiles the C program `source` (a path from the package root) with `cc -O2`; the path of the executable. */
export const compile = (source: string): string => {
  const name = source.slice(source.lastIndexOf("/") + 1).replace(/\.c$/, "")
  Fs.mkdirSync(`${buildDir}/bin`, { recursive: true })
  const output = `${buildDir}/bin/${name}`
  execFileSync("cc", ["-O2", "-Wall", "-Wextra", "-o", output, source, "-lm"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    timeout: 60_000
  })
  return output
}
