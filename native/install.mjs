// The package's install step (package.json "install"). Where a prebuilt binary fits this machine, was made from the
// sources shipped beside it, and loads, there is nothing to do; everywhere else (another platform, musl, an older
// glibc, native sources edited in a clone, or `npm install --build-from-source`) it compiles the addon with
// node-gyp, in parallel, with the output in a log file. A failed compile ends in one line that says what is needed
// and where the log is, and a non-zero exit.
//
// The runtime loader (src/internal/native.ts) asks node-gyp-build, which prefers native/build/Release over the
// prebuilds: so when the prebuild is taken here, a build/ left from an earlier compile (of other sources, perhaps)
// is removed.
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import { nativeDir, recordedDigest, sourcesDigest } from "./sources.mjs"

const require = createRequire(import.meta.url)
const target = `${process.platform}-${process.arch}`
const relative = (path) => Path.relative(process.cwd(), path) || "."

/** The prebuilt binary to use, or why there is none: `{ path }` or `{ reason }`. */
const usablePrebuild = () => {
  if (process.env.npm_config_build_from_source === "true") return { reason: "--build-from-source" }
  // node-gyp-build reads PREBUILDS_ONLY when it is loaded: it then skips native/build and looks at prebuilds/ only.
  process.env.PREBUILDS_ONLY = "1"
  let path
  try {
    path = require("node-gyp-build").resolve(nativeDir)
  } catch {
    return { reason: "no prebuilt binary fits this system" }
  }
  if (recordedDigest(Path.dirname(path)) !== sourcesDigest()) {
    return { reason: "the prebuilt binary was made from other native sources" }
  }
  try {
    require(path)
  } catch (error) {
    return { reason: `the prebuilt binary does not load here: ${String(error.message).split("\n")[0]}` }
  }
  return { path }
}

/** How to run node-gyp: npm's own copy (npm hands it to scripts as npm_config_node_gyp), else an installed one. */
const nodeGyp = () => {
  if (process.env.npm_config_node_gyp) return [process.execPath, process.env.npm_config_node_gyp]
  try {
    return [process.execPath, require.resolve("node-gyp/bin/node-gyp.js")]
  } catch {
    return ["node-gyp"]
  }
}

const runs = (command, args, input) =>
  spawnSync(command, args, { input, stdio: ["pipe", "ignore", "ignore"], shell: false, timeout: 20_000 }).status === 0

/** Which of the build's tools are missing here, in words; empty when all of them answer. */
const missingTools = () => {
  const missing = []
  const compiler = process.env.CXX || "g++"
  const cxx17 = "#include <optional>\nint main() { std::optional<int> x; return x.value_or(0); }\n"
  if (!runs("sh", ["-c", `${compiler} -std=c++17 -x c++ -o /dev/null -`], cxx17)) {
    missing.push(`a C++17 compiler (\`${compiler}\` does not compile C++17)`)
  }
  const python = process.env.npm_config_python || process.env.PYTHON || "python3"
  if (!runs(python, ["--version"])) missing.push(`python3 (\`${python}\` does not run)`)
  if (!runs("make", ["--version"])) missing.push("make")
  return missing
}

const compile = (reason) => {
  const log = Path.join(Os.tmpdir(), `effect-reactor-build-${process.pid}.log`)
  console.log(`effect-reactor: compiling the native addon for ${target} (${reason}); log: ${log}`)
  const started = performance.now()
  const out = Fs.openSync(log, "w")
  const [command, ...base] = nodeGyp()
  const child = spawn(command, [...base, "rebuild", "--jobs=max", `--directory=${nativeDir}`], {
    stdio: ["ignore", out, out]
  })
  child.on("error", (error) => Fs.appendFileSync(log, `\n${command}: ${error.message}\n`))
  child.on("close", (code) => {
    Fs.closeSync(out)
    const built = Path.join(nativeDir, "build", "Release", "effect_reactor.node")
    if (code === 0 && Fs.existsSync(built)) {
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      console.log(`effect-reactor: compiled ${relative(built)} in ${seconds} s`)
      return
    }
    const missing = missingTools()
    const found = missing.length === 0
      ? "all of them answer here, so see the log for what failed"
      : `missing here: ${missing.join(", ")}`
    console.error(
      `effect-reactor: could not compile the native addon for ${target} (${reason}); it needs a C++17 compiler, ` +
        `python3 and make (${found}). Full log: ${log}`
    )
    process.exitCode = 1
  })
}

const prebuild = usablePrebuild()
if (prebuild.path !== undefined) {
  Fs.rmSync(Path.join(nativeDir, "build"), { recursive: true, force: true })
  console.log(`effect-reactor: using the prebuilt addon ${relative(prebuild.path)}`)
} else {
  compile(prebuild.reason)
}
