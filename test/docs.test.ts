/**
 * The site's pages are checked like code: each output a page shows is what its program prints today (the program is
 * run, as `npm run example` runs it, and its lines compared with the page's), every program a page embeds exists, and
 * every step of the chapter ends with a program and its output. Timings, fd numbers, pids, ports, temporary paths and
 * a few counts vary from run to run: they are masked, on both sides, as the examples' own tests mask them.
 *
 * After changing an example, `DOCS_UPDATE=1 npx vitest run test/docs.test.ts` writes its real output into the pages.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { runExample } from "./utils/examples.js"
import { type Page, parsePage, readPages, withOutput } from "./utils/pages.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const docs = Path.join(root, "docs")
const pages = readPages(docs)
const update = process.env["DOCS_UPDATE"] === "1"

/** What varies from run to run, in any example's output. */
const masks: ReadonlyArray<readonly [RegExp, string]> = [
  [/\d+\.\d+ ms\b/g, "_ ms"],
  [/\bfd \d+/g, "fd _"],
  [/\bpid \d+/g, "pid _"],
  [/\bchild \d+/g, "child _"],
  [/\(cookie \d+\)/g, "(cookie _)"],
  [/\/dev\/pts\/\d+/g, "/dev/pts/_"],
  [/\/tmp\/[\w.-]+/g, "/tmp/_"]
]

/** And what varies in one example's: the counts of a periodic timer. */
const examplesMasks: Record<string, ReadonlyArray<readonly [RegExp, string]>> = {
  "timerfd.ts": [
    [/counts: [\d, ]+/g, "counts: _"],
    [/count \d+ after/g, "count _ after"],
    [/next in [^,]+,/g, "next in _,"]
  ]
}

const mask = (example: string) => (line: string): string =>
  [...masks, ...(examplesMasks[example] ?? [])].reduce((text, [pattern, by]) => text.replace(pattern, by), line)

const shown = new Map<string, Array<Page>>()
for (const page of pages) {
  for (const block of page.outputs) shown.set(block.example, [...(shown.get(block.example) ?? []), page])
}

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

describe.each(Array.from(shown.keys()).sort())("docs/examples/%s", (example) => {
  it("prints what its pages show", async () => {
    const lines = await runExample(example)
    for (const page of shown.get(example)!) {
      if (update) {
        // Read again: an earlier update may have rewritten the page since it was read.
        const path = Path.join(docs, page.path)
        Fs.writeFileSync(path, withOutput(parsePage(page.path, Fs.readFileSync(path, "utf8")), example, lines))
        continue
      }
      for (const block of page.outputs.filter((block) => block.example === example)) {
        expect(lines.map(mask(example)), `${page.path} shows the output of ${example}`).toEqual(
          block.lines.map(mask(example))
        )
      }
    }
  }, 90_000)
})
