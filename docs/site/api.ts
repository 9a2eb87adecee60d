/**
 * `npm run docs:api`: the API reference, one Markdown page per public module under docs/api/ (generated, out of git),
 * from the modules' TSDoc by TypeDoc and typedoc-plugin-markdown. The site's build runs it first.
 *
 * Each page is grouped by the members' `@category` and shows their `@example` and `@since`. The module's own summary
 * (the comment at the top of src/<Module>.ts, which TypeDoc reads as a module comment only with an `@module` tag) is
 * put under the page's title here, with the import that brings the module in; and a constant's initializer, which
 * only names the internal implementation (`= internal.make`), is left out of its signature.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { Application, LogLevel, PageEvent, Reflection, ReflectionKind } from "typedoc"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const src = Path.join(root, "src")
const out = Path.join(root, "docs", "api")

/** The public modules: every file directly in src/ but the root entry, which re-exports most of them. */
export const publicModules = (): Array<string> =>
  Fs.readdirSync(src).filter((name) => name.endsWith(".ts") && name !== "index.ts").map((name) => name.slice(0, -3))
    .sort()

/** The modules the root entry re-exports (`export * as X from "./X.js"`); the others are imported by subpath. */
const rootExports = new Set(
  Array.from(Fs.readFileSync(Path.join(src, "index.ts"), "utf8").matchAll(/^export \* as (\w+) from/gm), (m) => m[1])
)

/** The text of the doc comment a module's file opens with, without its block tags (`@since` is shown apart). */
const moduleSummary = (name: string): { readonly text: string; readonly since: string | undefined } => {
  const source = Fs.readFileSync(Path.join(src, `${name}.ts`), "utf8")
  const comment = /^\/\*\*\n([\s\S]*?)\n\s*\*\//.exec(source)?.[1] ?? ""
  const lines = comment.split("\n").map((line) => line.replace(/^\s*\*( |$)/, ""))
  const firstTag = lines.findIndex((line) => line.startsWith("@"))
  const since = /^@since (\S+)/m.exec(lines.join("\n"))?.[1]
  return { text: lines.slice(0, firstTag === -1 ? undefined : firstTag).join("\n").trim(), since }
}

const importLine = (name: string): string =>
  rootExports.has(name)
    ? `import { ${name} } from "effect-reactor"`
    : `import * as ${name} from "effect-reactor/${name}"`

const decorate = (name: string, contents: string): string => {
  const { since, text } = moduleSummary(name)
  const header = [
    text,
    "",
    "```ts",
    importLine(name),
    "```",
    ...(since === undefined ? [] : ["", `Since ${since}.`])
  ].join("\n")
  // `const make: (...) => ... = internal.make;`: the initializer only names the implementation.
  const signatures = contents.replace(/^(const [^\n]*?) = [A-Za-z_$][\w$]*(?:\.[\w$]+)+;$/gm, "$1;")
  return signatures.replace(/^# .*\n/, (title) => `${title}\n${header}\n`)
}

const overview = [
  "Generated from the TSDoc of every public module: each page groups the module's exports by their `@category`, and",
  "shows each one's signature, `@example` (every one type-checked by `npm test`) and `@since`. The root entry,",
  "`\"effect-reactor\"`, exports each module as a namespace (`import { Poller } from \"effect-reactor\"`); every",
  "module is also its own subpath (`\"effect-reactor/Poller\"`), and `ReactorClusterSocket` is imported from its",
  "subpath only."
].join("\n")

const main = async () => {
  const app = await Application.bootstrapWithPlugins(
    {
      entryPoints: publicModules().map((name) => Path.join(src, `${name}.ts`)),
      tsconfig: Path.join(root, "tsconfig.build.json"),
      plugin: ["typedoc-plugin-markdown"],
      out,
      readme: "none",
      excludeInternal: true,
      excludePrivate: true,
      logLevel: LogLevel.Warn,
      // "Defined in: src/X.ts:line" stays plain text: a link would need a public git remote, which a clone (CI's) may
      // lack; TypeDoc then warns that "source links will be broken", meaning only that there are none.
      // typedoc-plugin-markdown's options: a page per module, no breadcrumbs (the site has a sidebar).
      outputFileStrategy: "modules",
      entryFileName: "index",
      hidePageHeader: true,
      hideBreadcrumbs: true,
      useCodeBlocks: true
    } as Parameters<typeof Application.bootstrapWithPlugins>[0]
  )
  // typedoc-plugin-markdown fires TypeDoc's page events with the page's Markdown as `contents`.
  app.renderer.on(PageEvent.END, (page) => {
    if (page.model instanceof Reflection && page.model.kindOf(ReflectionKind.Module)) {
      page.contents = decorate(page.model.name, page.contents ?? "")
    } else if (page.model instanceof Reflection && page.model.kindOf(ReflectionKind.Project)) {
      page.contents = (page.contents ?? "").replace(/^# .*\n/, `# API reference\n\n${overview}\n`)
    }
  })
  const project = await app.convert()
  if (project === undefined) throw new Error("TypeDoc could not convert the sources")
  Fs.rmSync(out, { recursive: true, force: true })
  await app.generateOutputs(project)
  if (app.logger.hasErrors()) throw new Error("TypeDoc reported errors")
  const written = publicModules().filter((name) => Fs.existsSync(Path.join(out, `${name}.md`)))
  console.log(`docs/api: ${written.length} module pages`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
