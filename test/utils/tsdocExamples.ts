/**
 * The TSDoc `@example`s of the public modules (`src/*.ts`), as files a compiler can check: every ```ts block of an
 * `@example` section becomes a module of its own in a generated directory inside the repository (so that
 * `"effect-reactor"` resolves to the package itself, through its `effect-reactor-source` export condition, as a user's
 * import would resolve to its build), with a first line that says where it came from.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"

/** One ```ts block of an `@example`. */
export interface TsdocExample {
  /** The source file, relative to the repository (`src/Poller.ts`). */
  readonly file: string
  /** The 1-based line of the block's first code line in `file`. */
  readonly line: number
  readonly code: string
}

/** The text of a doc comment's line, without its leading ` * `. */
const commentText = (line: string): string => line.replace(/^\s*\*( |$)/, "")

/** Every ```ts block inside an `@example` section of the doc comments of `source`. */
export const examplesOf = (file: string, source: string): Array<TsdocExample> => {
  const found: Array<TsdocExample> = []
  const lines = source.split("\n")
  let inComment = false
  let inExample = false
  let block: { line: number; code: Array<string> } | undefined
  for (const [index, line] of lines.entries()) {
    if (!inComment) {
      if (/^\s*\/\*\*/.test(line) && !/\*\/\s*$/.test(line)) inComment = true
      continue
    }
    if (/^\s*\*\/\s*$/.test(line)) {
      inComment = false
      inExample = false
      block = undefined
      continue
    }
    const text = commentText(line)
    if (block !== undefined) {
      if (/^```\s*$/.test(text)) {
        found.push({ file, line: block.line, code: block.code.join("\n") })
        block = undefined
      } else {
        block.code.push(text)
      }
      continue
    }
    // A block tag starts a section: `@example` opens one whose fences are code, any other closes it.
    const tag = /^@(\w+)/.exec(text)
    if (tag !== null) inExample = tag[1] === "example"
    else if (inExample && /^```(ts|typescript)\s*$/.test(text)) block = { line: index + 2, code: [] }
  }
  return found
}

/** The examples of every public module under `root`/src (the files directly in it; `src/internal` is not public). */
export const collect = (root: string): Array<TsdocExample> =>
  Fs.readdirSync(Path.join(root, "src"))
    .filter((name) => name.endsWith(".ts"))
    .sort()
    .flatMap((name) => examplesOf(`src/${name}`, Fs.readFileSync(Path.join(root, "src", name), "utf8")))

/** The name of an example's generated file: `Poller.ts-L123.ts`. */
export const fileNameOf = (example: TsdocExample): string => `${Path.basename(example.file)}-L${example.line}.ts`

/**
 * Writes each example to `dir` (emptied first) as a module of its own — `export {}` at the end keeps an example
 * without imports out of the global scope the others share — with a tsconfig that extends the repository's.
 *
 * Two of the repository's options are off there, `noUnusedLocals` and `noUnusedParameters`: an example often binds
 * the value it shows (`const events = PollEvent.makeBatch(256)`) and stops, which is the point of it, not a mistake.
 */
export const writeProject = (root: string, dir: string, examples: ReadonlyArray<TsdocExample>): string => {
  Fs.rmSync(dir, { recursive: true, force: true })
  Fs.mkdirSync(dir, { recursive: true })
  for (const example of examples) {
    const header = `// ${example.file}:${example.line}, an @example: edit it there, not here (this file is generated).`
    Fs.writeFileSync(Path.join(dir, fileNameOf(example)), `${header}\n${example.code}\nexport {}\n`)
  }
  const config = {
    extends: Path.relative(dir, Path.join(root, "tsconfig.json")),
    compilerOptions: { noUnusedLocals: false, noUnusedParameters: false },
    include: ["*.ts"]
  }
  const configPath = Path.join(dir, "tsconfig.json")
  Fs.writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`)
  return configPath
}
