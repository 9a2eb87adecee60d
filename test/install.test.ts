/**
 * The prebuilt addon and the install step (native/sources.mjs, native/install.mjs): the committed prebuild was made
 * from the native sources as they are now, and the install step takes it only then; otherwise it compiles, and a
 * failed compile ends in one line that says what is needed.
 *
 * The install step runs in a copy of native/ under node_modules/.cache, so that node-gyp-build and node-addon-api
 * resolve from there as from an installed package, and the real native/ is never touched. The whole journey (a packed
 * tarball installed with and without a compiler) is `npm run test:pack`.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { nativeDir, prebuildDir, recordedDigest, recordName, sourcesDigest } from "../native/sources.mjs"
import { runChild } from "./utils/child.js"

const target = `${process.platform}-${process.arch}`
const linuxX64 = target === "linux-x64"
const cacheDir = Path.join(nativeDir, "..", "node_modules", ".cache", "effect-reactor-install-test")
const copies: Array<string> = []

afterEach(() => {
  for (const dir of copies.splice(0)) Fs.rmSync(dir, { recursive: true, force: true })
})

/** A copy of native/ (its sources, scripts and prebuilds; no build/) in a new folder; the copy's native/ folder. */
const copyNative = (): string => {
  Fs.mkdirSync(cacheDir, { recursive: true })
  const root = Fs.mkdtempSync(Path.join(cacheDir, "copy-"))
  copies.push(root)
  const copy = Path.join(root, "native")
  for (const entry of ["binding.gyp", "src", "install.mjs", "sources.mjs", "prebuilds"]) {
    Fs.cpSync(Path.join(nativeDir, entry), Path.join(copy, entry), { recursive: true })
  }
  return copy
}

/** Runs the copy's install step with `env` added to this process's environment. */
const install = (copy: string, env: Record<string, string> = {}) => {
  const result = spawnSync(process.execPath, [Path.join(copy, "install.mjs")], {
    cwd: Path.dirname(copy),
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 120_000
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Without a compiler: node-gyp's make runs these instead of gcc and g++, and they fail. */
const noCompiler = { CXX: "/bin/false", CC: "/bin/false" }

/** The log a failed install's line names; its path, after checking the line is the only one. */
const failureLog = (stderr: string): string => {
  const lines = stderr.trim().split("\n")
  expect(lines).toHaveLength(1)
  const log = /Full log: (\S+)$/.exec(lines[0]!)?.[1]
  expect(log).toBeDefined()
  return log!
}

describe("the prebuild record", () => {
  it("every committed prebuild was made from the native sources as they are now", () => {
    const platforms = Fs.readdirSync(Path.join(nativeDir, "prebuilds"))
    expect(platforms).toContain("linux-x64")
    const current = sourcesDigest()
    for (const platform of platforms) {
      const dir = Path.join(nativeDir, "prebuilds", platform)
      expect(
        recordedDigest(dir),
        `native/prebuilds/${platform} was made from other native sources than native/src and native/binding.gyp ` +
          "hold now: run npm run build:prebuild and commit native/prebuilds"
      ).toBe(current)
    }
  })

  it("the digest changes with any byte, name or file of binding.gyp and src/, and with nothing else", () => {
    const copy = copyNative()
    const digest = sourcesDigest(copy)
    expect(digest).toBe(sourcesDigest())
    Fs.writeFileSync(Path.join(copy, "install.mjs"), "// not a source of the addon\n")
    Fs.rmSync(Path.join(copy, "prebuilds"), { recursive: true })
    expect(sourcesDigest(copy)).toBe(digest)

    const addon = Path.join(copy, "src", "addon.cc")
    const text = Fs.readFileSync(addon, "utf8")
    Fs.writeFileSync(addon, `${text} `)
    expect(sourcesDigest(copy)).not.toBe(digest)
    Fs.writeFileSync(addon, text)
    expect(sourcesDigest(copy)).toBe(digest)

    Fs.renameSync(addon, Path.join(copy, "src", "addon2.cc"))
    expect(sourcesDigest(copy)).not.toBe(digest)
    Fs.renameSync(Path.join(copy, "src", "addon2.cc"), addon)

    Fs.mkdirSync(Path.join(copy, "src", "extra"))
    Fs.writeFileSync(Path.join(copy, "src", "extra", "empty.h"), "")
    expect(sourcesDigest(copy)).not.toBe(digest)
    Fs.rmSync(Path.join(copy, "src", "extra"), { recursive: true })

    Fs.appendFileSync(Path.join(copy, "binding.gyp"), "\n")
    expect(sourcesDigest(copy)).not.toBe(digest)
  })

  it.runIf(linuxX64)("the linux-x64 prebuild loads in a new process and polls a pipe", async () => {
    const dir = prebuildDir("linux", "x64")
    const files = Fs.readdirSync(dir).filter((file) => file.endsWith(".node"))
    expect(files).toEqual(["effect-reactor.glibc.node"])
    expect(Fs.readdirSync(dir).sort()).toEqual(["effect-reactor.glibc.node", recordName])
    const script = `
      const binding = require(${JSON.stringify(Path.join(dir, files[0]!))})
      const poller = new binding.Poller()
      const [read, write] = binding.pipe()
      const events = new Uint32Array(8)
      poller.add(read, 7, binding.constants.INTEREST_READABLE, binding.constants.MODE_ONESHOT)
      const before = poller.wait(events, 0)
      binding.write(write, new Uint8Array([1]))
      const count = poller.wait(events, 1000)
      console.log(JSON.stringify({ backend: poller.backend, before, count, key: events[0] }))
    `
    const result = await runChild(["-e", script], 10_000)
    expect(result.stderr).toBe("")
    expect(JSON.parse(result.stdout)).toEqual({ backend: "epoll", before: 0, count: 1, key: 7 })
  })
})

describe("the install step", () => {
  it.runIf(linuxX64)("takes the prebuild when it is fresh and loads, and removes an earlier build", () => {
    const copy = copyNative()
    const stale = Path.join(copy, "build", "Release", "effect_reactor.node")
    Fs.mkdirSync(Path.dirname(stale), { recursive: true })
    Fs.writeFileSync(stale, "an earlier compile")
    const result = install(copy, noCompiler)
    expect(result).toEqual({
      status: 0,
      stdout: "effect-reactor: using the prebuilt addon native/prebuilds/linux-x64/effect-reactor.glibc.node\n",
      stderr: ""
    })
    expect(Fs.existsSync(Path.join(copy, "build"))).toBe(false)
  })

  it("compiles when the sources differ from the prebuild's; a failed compile says in one line what it needs", () => {
    const copy = copyNative()
    Fs.appendFileSync(Path.join(copy, "src", "addon.cc"), "// edited\n")
    const result = install(copy, noCompiler)
    expect(result.status).toBe(1)
    expect(result.stdout).toMatch(/^effect-reactor: compiling the native addon for \S+ \(the prebuilt binary was made/)
    expect(result.stderr).toContain(
      `could not compile the native addon for ${target} (the prebuilt binary was made from ` +
        "other native sources); it needs a C++17 compiler, python3 and make (missing here: a C++17 compiler " +
        "(`/bin/false` does not compile C++17))."
    )
    const log = failureLog(result.stderr)
    expect(Fs.readFileSync(log, "utf8")).toContain("/bin/false")
    Fs.rmSync(log)
  })

  it("compiles when no prebuild fits this platform", () => {
    const copy = copyNative()
    Fs.rmSync(Path.join(copy, "prebuilds"), { recursive: true })
    const result = install(copy, noCompiler)
    expect(result.status).toBe(1)
    const reason = "no prebuilt binary fits this system"
    expect(result.stdout).toContain(`compiling the native addon for ${target} (${reason})`)
    expect(result.stderr).toContain(`(${reason}); it needs a C++17 compiler, python3 and make (missing here:`)
    Fs.rmSync(failureLog(result.stderr))
  })

  it("compiles when asked to with npm's --build-from-source, even where the prebuild fits", () => {
    const copy = copyNative()
    const result = install(copy, { ...noCompiler, npm_config_build_from_source: "true" })
    expect(result.status).toBe(1)
    expect(result.stdout).toContain(`compiling the native addon for ${target} (--build-from-source)`)
    Fs.rmSync(failureLog(result.stderr))
  })
})
