// Types of sources.mjs, for the tests that import it.

/** The folder of sources.mjs: `native/`. */
export declare const nativeDir: string
/** The file beside a prebuilt binary that holds the digest of the sources it was made from. */
export declare const recordName: string
/** The prebuilt binaries' folder for a platform and architecture (this process's by default). */
export declare const prebuildDir: (platform?: string, arch?: string) => string
/** The SHA-256 (hex) of `binding.gyp` and every file under `src/` of `root` (`nativeDir` by default). */
export declare const sourcesDigest: (root?: string) => string
/** The digest recorded next to the binaries in `dir`, or `undefined` when there is no record. */
export declare const recordedDigest: (dir: string) => string | undefined
/** Writes the digest of the current sources next to the binaries in `dir`. */
export declare const recordDigest: (dir: string) => void
