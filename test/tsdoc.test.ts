/**
 * Every TSDoc `@example` of the public modules type-checks against the package's entry points: the ```ts blocks are
 * written to a generated directory (.tsdoc-examples/, out of git) and compiled together, in one program, with the
 * repository's compiler options (see `writeProject` for the two it relaxes) and its `effect-reactor-source` condition.
 * A failure names the example's file and line in src/.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { collect, examplesOf, fileNameOf, writeProject } from "./utils/tsdocExamples.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const dir = Path.join(root, ".tsdoc-examples")

describe("TSDoc examples", () => {
  it("are found in @example sections only, with the line they start on", () => {
    const source = [
      "/**",
      " * Summary.",
      " *",
      " * ```ts",
      " * notAnExample()",
      " * ```",
      " *",
      " * @example",
      " * ```ts",
      " * import { Poll } from \"effect-reactor\"",
      " *",
      " * const answer = Poll.ready(1)",
      " * ```",
      " *",
      " * @since 0.1.0",
      " * ```ts",
      " * neitherIsThis()",
      " * ```",
      " */",
      "export const x = 1"
    ].join("\n")
    expect(examplesOf("src/X.ts", source)).toEqual([
      { file: "src/X.ts", line: 10, code: "import { Poll } from \"effect-reactor\"\n\nconst answer = Poll.ready(1)" }
    ])
  })

  // A type check never loads the addon: under the sanitizers' run (npm run test:asan) it would only repeat itself.
  it.skipIf(process.env["EFFECT_REACTOR_SANITIZED"] !== undefined)("every one of src/*.ts type-checks", () => {
    const examples = collect(root)
    // As many as the modules have: a smaller number means the extraction lost some.
    expect(examples.length).toBeGreaterThanOrEqual(290)
    const config = ts.getParsedCommandLineOfConfigFile(writeProject(root, dir, examples), undefined, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"))
      }
    })!
    expect(config.errors).toEqual([])
    expect(config.fileNames.length).toBe(examples.length)
    const program = ts.createProgram({ rootNames: config.fileNames, options: config.options })
    const origin = new Map(examples.map((example) => [fileNameOf(example), example]))
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")
      if (diagnostic.file === undefined) return message
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
      const example = origin.get(Path.basename(diagnostic.file.fileName))
      // The generated file's line 1 is its header: its line n + 1 is the example's line n.
      const where = example === undefined
        ? `${Path.relative(root, diagnostic.file.fileName)}:${line + 1}`
        : `${example.file}:${example.line + line - 1}`
      return `${where}: ${message}`
    })
    expect(problems).toEqual([])
    console.log(`${examples.length} TSDoc examples type-checked`)
  }, 180_000)
})
