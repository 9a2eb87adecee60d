// `npm run build:prebuild`: compiles the addon for this machine with prebuildify into
// native/prebuilds/<platform>-<arch>/ and records the digest of the sources it was made from beside it
// (native/sources.mjs). Run it after every change to native/src or binding.gyp and commit the result;
// test/install.test.ts fails until then. (Not a script named "prebuild": npm would run that before every `build`.)
//
// prebuildify names the file with node-gyp-build's tags: `effect-reactor.glibc.node` is a Node-API binary (no ABI
// tag, so every Node that has Node-API 8 loads it) for glibc, which a musl system skips. `--target` is this Node:
// with npm's `nodedir` set (as on this machine) its headers come from there, never from a download.
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { nativeDir, prebuildDir, recordDigest, recordName } from "./sources.mjs"

const dir = prebuildDir()
// Binaries of earlier runs would stay beside the new one, and node-gyp-build might pick one of them.
for (const file of Fs.existsSync(dir) ? Fs.readdirSync(dir) : []) {
  if (file.endsWith(".node") || file === recordName) Fs.rmSync(Path.join(dir, file))
}

const prebuildify = createRequire(import.meta.url).resolve("prebuildify/bin.js")
const args = ["--napi", "--strip", "--tag-libc", `--target=${process.versions.node}`, "--name=effect-reactor"]
const started = performance.now()
const result = spawnSync(process.execPath, [prebuildify, ...args, `--out=${nativeDir}`], {
  cwd: nativeDir,
  stdio: "inherit",
  // node-gyp reads JOBS: the sources compile in parallel.
  env: { ...process.env, JOBS: "max" }
})
if (result.status !== 0) {
  console.error(`prebuild: prebuildify failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`)
  process.exit(1)
}

recordDigest(dir)
const seconds = ((performance.now() - started) / 1000).toFixed(1)
for (const file of Fs.readdirSync(dir).filter((name) => name.endsWith(".node"))) {
  const size = (Fs.statSync(Path.join(dir, file)).size / 1024).toFixed(0)
  console.log(`prebuild: ${Path.relative(process.cwd(), Path.join(dir, file))} (${size} KiB) in ${seconds} s`)
}
