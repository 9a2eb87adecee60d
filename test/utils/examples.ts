/**
 * The runnable examples under docs/examples/, run as a user would (`npx tsx docs/examples/<name>`), in a child. They
 * import "effect-reactor" by its name; the package's `effect-reactor-source` export condition resolves that to `src/`
 * here, so they run against the sources without a build. Node 20 runs no module hooks in a Worker (not even those of
 * an inherited `--import tsx`), but it does run `--require` preloads there: `tsx/cjs` lets a Worker's
 * `require("effect-reactor/...")` load the sources too (`npm start` passes it as well).
 */
import { expect } from "@effect/vitest"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { runChild } from "./child.js"
import { checkPages } from "./pages.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..", "..")

/**
 * Runs docs/examples/`name`; checks that it ends by itself, cleanly and silently on stderr, and that the site's pages
 * that show its output show what it printed (`checkPages`); its stdout lines.
 */
export const runExample = async (name: string): Promise<Array<string>> => {
  const script = Path.join(root, "docs", "examples", name)
  const result = await runChild(
    ["--conditions=effect-reactor-source", "--require", "tsx/cjs", "--import", "tsx", script],
    60_000,
    root
  )
  expect({ code: result.code, timedOut: result.timedOut, stderr: result.stderr }).toEqual({
    code: 0,
    timedOut: false,
    stderr: ""
  })
  const lines = result.stdout.trim().split("\n")
  checkPages(name, lines)
  return lines
}
