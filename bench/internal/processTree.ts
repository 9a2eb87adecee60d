/**
 * A server's CPU time and peak RSS when it is more than one process (node:cluster's primary and its workers): summed
 * over the process and its descendants, found by their parent pid in /proc/<pid>/stat (proc(5)). A process's own
 * figures already cover all its threads (a Worker is a thread), so for a one-process server the sums are its own.
 *
 * @internal
 */
import * as Fs from "node:fs"

const clockTicks = 100 // USER_HZ: the unit of utime/stime in /proc/<pid>/stat on Linux (proc(5))

/** The fields of /proc/<pid>/stat after the command (field 3 onwards), or undefined once the process is gone. */
const statFields = (pid: number): Array<string> | undefined => {
  try {
    const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  } catch {
    return undefined
  }
}

/** `pid` and every live descendant of it. @internal */
export const processTree = (pid: number): Array<number> => {
  const children = new Map<number, Array<number>>()
  for (const name of Fs.readdirSync("/proc")) {
    const child = Number(name)
    if (!Number.isInteger(child)) continue
    const parent = Number(statFields(child)?.[1])
    if (!Number.isInteger(parent)) continue
    children.set(parent, [...(children.get(parent) ?? []), child])
  }
  const tree: Array<number> = []
  const visit = (p: number) => {
    tree.push(p)
    for (const child of children.get(p) ?? []) visit(child)
  }
  visit(pid)
  return tree
}

/**
 * utime + stime of `pid` and its descendants, in seconds (fields 14 and 15), plus cutime + cstime of `pid` (16 and
 * 17): the children it has already reaped. NaN when `pid` is gone.
 *
 * @internal
 */
export const treeCpuSeconds = (pid: number): number => {
  let ticks = 0
  for (const p of processTree(pid)) {
    const fields = statFields(p)
    if (fields === undefined) {
      if (p === pid) return Number.NaN
      continue
    }
    ticks += Number(fields[11]) + Number(fields[12]) + (p === pid ? Number(fields[13]) + Number(fields[14]) : 0)
  }
  return ticks / clockTicks
}

/**
 * The sum of a /proc/<pid>/status field given in kB (VmHWM, VmRSS) over `pid` and its descendants, in bytes.
 *
 * @internal
 */
export const treeStatusBytes = (pid: number, field: string): number | undefined => {
  let sum: number | undefined
  for (const p of processTree(pid)) {
    try {
      const match = Fs.readFileSync(`/proc/${p}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))
      if (match !== null) sum = (sum ?? 0) + Number(match[1]) * 1024
    } catch {
      // Gone in between.
    }
  }
  return sum
}
