/**
 * The pack check (issue 10, "an install that is fast and explains itself"): `npm pack`, then the tarball installed
 * into a new project as a user would (`npm install <tarball> effect @effect/platform`, the versions the tests ran
 * against, from npm's cache where it has them), and a TCP echo through the installed package
 * (test/fixtures/pack-smoke.mjs):
 *
 * 1. the tarball as packed, without a compiler (CXX=/bin/false CC=/bin/false): nothing is compiled and the loader
 *    takes the prebuild;
 * 2. the same with install scripts skipped (--ignore-scripts), as where npm does not run the package's install
 *    script: the prebuild still loads;
 * 3. the tarball without its prebuilds (a platform we ship none for), with the compiler: the install step compiles
 *    the addon (in parallel) and the loader takes that;
 * 4. the tarball without its prebuilds and without a compiler: the install fails, and says in one line what it needs.
 *
 * Prints each install's time. Not part of vitest (it takes a minute or two): `.ci/run` runs `npm run test:pack` after
 * `npm test`. Exits non-zero when any scenario fails.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const work = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-reactor-pack-"))
const noCompiler = { CXX: "/bin/false", CC: "/bin/false" }
const prebuild = "native/prebuilds/linux-x64/effect-reactor.glibc.node"
const compiled = "native/build/Release/effect_reactor.node"
const failureLine = "it needs a C++17 compiler, python3 and make"

// A user's shell, not an npm script's: npm hands its settings to scripts as npm_* variables (and puts this repo's
// node_modules/.bin on PATH), which a nested npm and the package's install step would take as their own.
const userEnv: Record<string, string> = {}
for (const [name, value] of Object.entries(process.env)) {
  if (value !== undefined && !name.startsWith("npm_")) userEnv[name] = value
}
userEnv.PATH = (process.env.PATH ?? "").split(":").filter((dir) => !dir.includes("node_modules")).join(":")

interface Ran {
  readonly status: number | null
  readonly output: string
  readonly seconds: number
}

const run = (command: string, args: ReadonlyArray<string>, cwd: string, env: Record<string, string> = {}): Ran => {
  const started = performance.now()
  const result: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd,
    env: { ...userEnv, ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000
  })
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? `\n${result.error.message}` : ""}`
  return { status: result.status, output, seconds: (performance.now() - started) / 1000 }
}

const versionOf = (name: string): string =>
  (JSON.parse(Fs.readFileSync(Path.join(root, "node_modules", name, "package.json"), "utf8")) as { version: string })
    .version

/** The tarball as packed, and a copy without native/prebuilds. */
const pack = (): { readonly packed: string; readonly withoutPrebuilds: string; readonly seconds: number } => {
  const ran = run("npm", ["pack", `--pack-destination=${work}`], root)
  const filename = Fs.readdirSync(work).find((file) => file.endsWith(".tgz"))
  if (ran.status !== 0 || filename === undefined) throw new Error(`npm pack failed:\n${ran.output}`)
  const packed = Path.join(work, filename)
  const unpacked = Path.join(work, "unpacked")
  Fs.mkdirSync(unpacked)
  const withoutPrebuilds = Path.join(work, filename.replace(/\.tgz$/, "-without-prebuilds.tgz"))
  for (
    const [command, args] of [
      ["tar", ["-xzf", packed, "-C", unpacked]],
      ["rm", ["-r", Path.join(unpacked, "package", "native", "prebuilds")]],
      ["tar", ["-czf", withoutPrebuilds, "-C", unpacked, "package"]]
    ] as const
  ) {
    const step = run(command, args, work)
    if (step.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${step.output}`)
  }
  return { packed, withoutPrebuilds, seconds: ran.seconds }
}

interface Scenario {
  readonly name: string
  readonly tarball: string
  readonly env: Record<string, string>
  readonly flags: ReadonlyArray<string>
  /** The binary the loader must pick (relative to the package), or `undefined` where the install must fail. */
  readonly binary: string | undefined
}

/** Installs the scenario's tarball into a new project and runs the echo there; what went wrong, if anything. */
const check = (scenario: Scenario): { readonly install: Ran; readonly problems: ReadonlyArray<string> } => {
  const project = Path.join(work, scenario.name.replace(/[^a-z0-9]+/gi, "-"))
  Fs.mkdirSync(project)
  Fs.writeFileSync(
    Path.join(project, "package.json"),
    JSON.stringify({ name: "pack-check", version: "0.0.0", private: true, type: "module" }, null, 2)
  )
  Fs.copyFileSync(Path.join(root, "test", "fixtures", "pack-smoke.mjs"), Path.join(project, "smoke.mjs"))
  const install = run(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      ...scenario.flags,
      scenario.tarball,
      `effect@${versionOf("effect")}`,
      `@effect/platform@${versionOf("@effect/platform")}`
    ],
    project,
    scenario.env
  )
  const problems: Array<string> = []
  if (scenario.binary === undefined) {
    if (install.status === 0) problems.push("the install succeeded")
    if (!install.output.includes(failureLine)) problems.push(`npm's output lacks "${failureLine}"`)
    const log = /Full log: (\S+)/.exec(install.output)?.[1]
    if (log === undefined || !Fs.existsSync(log)) problems.push(`the log the failure names (${log}) is not there`)
    else Fs.rmSync(log)
    return { install, problems }
  }
  if (install.status !== 0) return { install, problems: [`the install failed:\n${install.output}`] }
  const packageDir = Path.join(project, "node_modules", "effect-reactor")
  const builds = Fs.existsSync(Path.join(packageDir, "native", "build"))
  if (builds !== (scenario.binary === compiled)) problems.push(builds ? "something was compiled" : "nothing compiled")
  const smoke = run(process.execPath, ["smoke.mjs"], project, scenario.env)
  const expected = JSON.stringify({ answer: "ping", binary: scenario.binary })
  if (smoke.status !== 0 || smoke.output.trim() !== expected) {
    problems.push(`the echo printed ${JSON.stringify(smoke.output.trim())} (exit ${smoke.status}), not ${expected}`)
  }
  return { install, problems }
}

const main = (): number => {
  console.log(`pack check in ${work} (node ${process.version}, npm ${run("npm", ["--version"], work).output.trim()})`)
  const { packed, seconds, withoutPrebuilds } = pack()
  console.log(`npm pack: ${seconds.toFixed(1)} s, ${(Fs.statSync(packed).size / 1024).toFixed(0)} KiB`)
  const scenarios: ReadonlyArray<Scenario> = [
    { name: "prebuild, no compiler", tarball: packed, env: noCompiler, flags: [], binary: prebuild },
    {
      name: "prebuild, no compiler, --ignore-scripts",
      tarball: packed,
      env: noCompiler,
      flags: ["--ignore-scripts"],
      binary: prebuild
    },
    { name: "no prebuild, compiler", tarball: withoutPrebuilds, env: {}, flags: [], binary: compiled },
    { name: "no prebuild, no compiler", tarball: withoutPrebuilds, env: noCompiler, flags: [], binary: undefined }
  ]
  let failed = 0
  for (const scenario of scenarios) {
    const { install, problems } = check(scenario)
    const outcome = scenario.binary === undefined ? "fails as it should" : `echo through ${scenario.binary}`
    console.log(
      `${problems.length === 0 ? "ok  " : "FAIL"} ${scenario.name}: npm install ${install.seconds.toFixed(1)} s, ` +
        outcome
    )
    // What npm 11 says of our install script (allowScripts), and our own failure line.
    for (const line of install.output.split("\n")) {
      if (line.includes("effect-reactor") && /install-scripts|could not compile/.test(line)) console.log(`     ${line}`)
    }
    for (const problem of problems) console.log(`     ${problem}`)
    if (problems.length > 0) failed++
  }
  if (failed === 0) Fs.rmSync(work, { recursive: true, force: true })
  console.log(failed === 0 ? "pack check: every scenario passed" : `pack check: ${failed} scenarios failed (${work})`)
  return failed === 0 ? 0 : 1
}

process.exitCode = main()
