/**
 * The prebuilt addon (native/sources.mjs): the committed prebuild was made from the native sources as they are now,
 * and it loads. The digest is checked on a copy of native/ under node_modules/.cache, so the real one is never
 * touched.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
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

/** A copy of native/ (its sources and prebuilds; no build/) in a new folder; the copy's native/ folder. */
const copyNative = (): string => {
  Fs.mkdirSync(cacheDir, { recursive: true })
  const root = Fs.mkdtempSync(Path.join(cacheDir, "copy-"))
  copies.push(root)
  const copy = Path.join(root, "native")
  for (const entry of ["binding.gyp", "src", "sources.mjs", "prebuilds"]) {
    Fs.cpSync(Path.join(nativeDir, entry), Path.join(copy, entry), { recursive: true })
  }
  return copy
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
