/**
 * bench/results.md holds the latest figures of every benchmark, one marked section each
 * (`<!-- name:begin -->` … `<!-- name:end -->`); each script rewrites only its own.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import { fileURLToPath } from "node:url"

/** The results file. */
export const resultsPath = fileURLToPath(new URL("../results.md", import.meta.url))

/** Replaces (or appends) the section `name` of bench/results.md with `section`. */
export const writeSection = (name: string, section: string): void => {
  const sectionBegin = `<!-- ${name}:begin -->`
  const sectionEnd = `<!-- ${name}:end -->`
  const block = `${sectionBegin}\n${section}\n${sectionEnd}`
  const existing = Fs.existsSync(resultsPath)
    ? Fs.readFileSync(resultsPath, "utf8")
    : "# Benchmark results\n\nThe latest figures of each benchmark in `bench/`, one section each, " +
      "rewritten by its script.\n"
  const begin = existing.indexOf(sectionBegin)
  const end = existing.indexOf(sectionEnd)
  const next = begin >= 0 && end > begin
    ? existing.slice(0, begin) + block + existing.slice(end + sectionEnd.length)
    : `${existing.trimEnd()}\n\n${block}\n`
  Fs.writeFileSync(resultsPath, next)
}

/** One line on the machine a figure was measured on. */
export const machine = (): string => {
  const cpu = Os.cpus()[0]?.model.trim() ?? "unknown CPU"
  return `${Os.availableParallelism()} CPUs (nproc; ${cpu}), Linux ${Os.release()}, Node ${process.version}`
}
