/**
 * The site's pages (docs/**\/*.md, less the generated API reference) and what they embed from docs/examples/: the
 * programs (`<<< @/examples/<name>`, VitePress's snippet import, so a page shows the file itself) and their output
 * (a `<!-- output: <name> -->` comment followed by a ```text block, which every run of the example by `runExample`
 * compares with what it printed: `checkPages`).
 */
import { expect } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const docs = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..", "..", "docs")

/** One output block of a page. */
export interface OutputBlock {
  readonly example: string
  readonly lines: ReadonlyArray<string>
  /** Where the block's text starts and ends in the page (for rewriting it). */
  readonly start: number
  readonly end: number
}

/** A page: its path relative to docs/, its text, what it embeds. */
export interface Page {
  readonly path: string
  readonly text: string
  readonly snippets: ReadonlyArray<string>
  readonly outputs: ReadonlyArray<OutputBlock>
}

/** The folders under docs/ that hold no page of ours: generated, the site's machinery, the programs. */
const skipped = new Set(["api", ".vitepress", "examples", "site", "node_modules"])

const outputPattern = /<!-- output: ([\w.-]+) -->\n```text\n([\s\S]*?)```/g

export const parsePage = (path: string, text: string): Page => ({
  path,
  text,
  snippets: Array.from(text.matchAll(/^<<< @\/examples\/([\w.-]+)/gm), (match) => match[1]!),
  outputs: Array.from(text.matchAll(outputPattern), (match) => {
    const start = match.index + match[0].indexOf("```text\n") + "```text\n".length
    const body = match[2]!
    return { example: match[1]!, lines: body.replace(/\n$/, "").split("\n"), start, end: start + body.length }
  })
})

/** Every page under `docs`, sorted by path. */
export const readPages = (docs: string): Array<Page> => {
  const pages: Array<Page> = []
  const visit = (dir: string) => {
    for (const entry of Fs.readdirSync(Path.join(docs, dir), { withFileTypes: true })) {
      const path = dir === "" ? entry.name : `${dir}/${entry.name}`
      if (entry.isDirectory() && !skipped.has(entry.name)) visit(path)
      else if (entry.isFile() && entry.name.endsWith(".md")) {
        pages.push(parsePage(path, Fs.readFileSync(Path.join(docs, path), "utf8")))
      }
    }
  }
  visit("")
  return pages.sort((a, b) => a.path.localeCompare(b.path))
}

/** `page`'s text with the output block of `example` replaced by `lines`. */
export const withOutput = (page: Page, example: string, lines: ReadonlyArray<string>): string => {
  let text = page.text
  for (const block of [...page.outputs].reverse()) {
    if (block.example === example) text = `${text.slice(0, block.start)}${lines.join("\n")}\n${text.slice(block.end)}`
  }
  return text
}

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

/** And what varies in one example's: the counts of a periodic timer, a live table's rows. */
const examplesMasks: Record<string, ReadonlyArray<readonly [RegExp, string]>> = {
  "metrics.ts": [
    [/^ +\d+s .*$/, "  _s (a row of counts per second)"],
    [/runtime \w+#\d+/g, "runtime _"]
  ],
  "timerfd.ts": [
    [/counts: [\d, ]+/g, "counts: _"],
    [/count \d+ after/g, "count _ after"],
    [/next in [^,]+,/g, "next in _,"]
  ]
}

/** `line` with what varies from run to run of `example` masked. */
export const mask = (example: string) => (line: string): string =>
  [...masks, ...(examplesMasks[example] ?? [])].reduce((text, [pattern, by]) => text.replace(pattern, by), line)

/**
 * Checks that every page showing the output of `example` shows `lines` (both masked). With `DOCS_UPDATE=1` in the
 * environment it writes `lines` into those pages instead: `DOCS_UPDATE=1 npx vitest run` after changing an example.
 */
export const checkPages = (example: string, lines: ReadonlyArray<string>): void => {
  for (const page of readPages(docs)) {
    const blocks = page.outputs.filter((block) => block.example === example)
    if (blocks.length === 0) continue
    if (process.env["DOCS_UPDATE"] === "1") {
      Fs.writeFileSync(Path.join(docs, page.path), withOutput(page, example, lines))
      continue
    }
    for (const block of blocks) {
      expect(lines.map(mask(example)), `docs/${page.path} shows the output of docs/examples/${example}`).toEqual(
        block.lines.map(mask(example))
      )
    }
  }
}
