/**
 * The site's pages are checked like code: each output a page shows is what its program prints today, every program a
 * page embeds exists, and every step of the chapter ends with a program and its output.
 *
 * Every run of an example through `runExample` compares its output with the pages that show it (`checkPages`, which
 * masks what varies from run to run: timings, fd numbers, pids, temporary paths, a periodic timer's counts). Most
 * examples are run by the tests of their module; this file runs the others, so that each runs once per `npm test`.
 *
 * After changing an example, `DOCS_UPDATE=1 npx vitest run` writes its real output into the pages.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { runExample } from "./utils/examples.js"
import { readPages } from "./utils/pages.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const docs = Path.join(root, "docs")
const tests = Path.join(root, "test")
const pages = readPages(docs)

/** The examples some other test file runs, by name (`runExample("tcp-echo.ts")`). */
const runElsewhere = new Set(
  Fs.readdirSync(tests, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && file !== "docs.test.ts")
    .flatMap((file) =>
      Array.from(Fs.readFileSync(Path.join(tests, file), "utf8").matchAll(/runExample\(\s*"([^"]+)"/g), (m) => m[1]!)
    )
)

const shown = Array.from(new Set(pages.flatMap((page) => page.outputs.map((block) => block.example)))).sort()

describe("the site's pages", () => {
  it("embed programs and outputs of docs/examples/ that exist", () => {
    const examples = new Set(Fs.readdirSync(Path.join(docs, "examples")))
    const missing = pages.flatMap((page) =>
      [...page.snippets, ...page.outputs.map((block) => block.example)]
        .filter((name) => !examples.has(name))
        .map((name) => `${page.path}: ${name}`)
    )
    expect(missing).toEqual([])
  })

  it("import files that exist (`<<< path` snippets, `<!--@include: path-->`)", () => {
    const resolve = (page: string, reference: string) =>
      reference.startsWith("@/") ? Path.join(docs, reference.slice(2)) : Path.join(docs, Path.dirname(page), reference)
    const missing = pages.flatMap((page) =>
      Array.from(page.text.matchAll(/^<<< (\S+)|<!--@include: ([^{}\s]+?)(?:\{[^}]*\})?-->/gm), (m) => m[1] ?? m[2]!)
        .map((reference) => reference.replace(/[{#].*$/, ""))
        .filter((reference) => !Fs.existsSync(resolve(page.path, reference)))
        .map((reference) => `${page.path}: ${reference}`)
    )
    expect(missing).toEqual([])
    expect(pages.some((page) => page.text.includes("<<< @/../test/"))).toBe(true)
  })

  it("the chapter: each step ends with its program and the output it prints", () => {
    const steps = pages.filter((page) => /^chapter\/(?!index\.md$)/.test(page.path))
    expect(steps.map((page) => page.path)).toEqual([
      "chapter/effect.md",
      "chapter/executor.md",
      "chapter/futures.md",
      "chapter/poller.md",
      "chapter/reactor.md",
      "chapter/readiness.md"
    ])
    for (const page of steps) {
      const last = page.outputs.at(-1)
      expect(last, page.path).toBeDefined()
      expect(page.snippets, page.path).toContain(last!.example)
      // Nothing but prose after the output: no further program.
      expect(page.text.slice(last!.end).includes("<<<"), page.path).toBe(false)
    }
  })
})

describe.each(shown.filter((example) => !runElsewhere.has(example)))("docs/examples/%s", (example) => {
  it("runs, and prints what its pages show", async () => {
    expect((await runExample(example)).length).toBeGreaterThan(0)
  }, 90_000)
})
