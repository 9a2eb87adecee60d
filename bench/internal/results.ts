/**
 * What the benchmark scripts share: their option parsing, and bench/results.md, which holds the latest figures of
 * every benchmark, one marked section each (`<!-- name:begin -->` … `<!-- name:end -->`); each script rewrites only
 * its own.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import { fileURLToPath } from "node:url"

/** A command-line number in (0, max]; a RangeError naming the option otherwise. */
export const positive = (name: string, text: string, max: number): number => {
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new RangeError(`--${name} must be a number in (0, ${max}], got ${text}`)
  }
  return value
}

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

/**
 * The head of a script's section: its title, then when, on what machine and by which command (`npm run <script>`
 * with the arguments this run was given) its figures were measured.
 */
export const sectionHead = (title: string, script: string): Array<string> => {
  const command = [`npm run ${script}`, ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])]
  return [
    `## ${title}`,
    "",
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${machine()}`,
    `- Command: \`${command.join(" ")}\``
  ]
}
