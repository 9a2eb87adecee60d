// What a prebuilt addon was made from. A binary committed to git goes stale when the native sources change, so
// `npm run prebuild` records a digest of the sources next to the binary it makes, and both the install step and a
// test compare that record with the sources as they are now. Plain JavaScript: the install step runs it before
// anything is compiled or bundled, with nothing but Node.
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/** The folder of this file: `native/`, where binding.gyp, src/, build/ and prebuilds/ sit. */
export const nativeDir = Path.dirname(fileURLToPath(import.meta.url))

/** The file beside a prebuilt binary that holds the digest of the sources it was made from. */
export const recordName = "sources.sha256"

/** The prebuilt binaries' folder for a platform and architecture, as node-gyp-build looks for them. */
export const prebuildDir = (platform = process.platform, arch = process.arch) =>
  Path.join(nativeDir, "prebuilds", `${platform}-${arch}`)

/** Every file under `root/dir`, as paths relative to `root` with "/" separators, sorted. */
const filesUnder = (root, dir) =>
  Fs.readdirSync(Path.join(root, dir), { withFileTypes: true })
    .flatMap((entry) => {
      const path = `${dir}/${entry.name}`
      return entry.isDirectory() ? filesUnder(root, path) : entry.isFile() ? [path] : []
    })
    .sort()

/**
 * The SHA-256 (hex) of what the addon is compiled from: `binding.gyp` and every file under `src/` of `root` (this
 * folder by default). Each file enters as its path, its length and its bytes, so a rename or a moved byte changes
 * the digest too.
 */
export const sourcesDigest = (root = nativeDir) => {
  const hash = createHash("sha256")
  for (const file of ["binding.gyp", ...filesUnder(root, "src")]) {
    const bytes = Fs.readFileSync(Path.join(root, file))
    hash.update(`${file}\0${bytes.length}\0`)
    hash.update(bytes)
  }
  return hash.digest("hex")
}

/** The digest recorded next to the binaries in `dir`, or `undefined` when there is no record. */
export const recordedDigest = (dir) => {
  try {
    return Fs.readFileSync(Path.join(dir, recordName), "utf8").trim()
  } catch (error) {
    if (error.code === "ENOENT") return undefined
    throw error
  }
}

/** Writes the digest of the current sources next to the binaries in `dir`. */
export const recordDigest = (dir) => Fs.writeFileSync(Path.join(dir, recordName), `${sourcesDigest()}\n`)
