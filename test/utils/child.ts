/**
 * Child processes for tests whose subject may crash, hang or exit the process: a crash there fails
 * the test instead of the runner. Each child is SIGKILLed after its time limit.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process"
import { performance } from "node:perf_hooks"
import type { Readable } from "node:stream"

/** How a child ended, what it printed, and how long it ran. */
export interface ChildResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** Whether the time limit killed it. */
  readonly timedOut: boolean
  readonly ms: number
}

/** A running child. */
export interface Child {
  readonly process: ChildProcessByStdio<null, Readable, Readable>
  readonly done: Promise<ChildResult>
  /** Resolves once stdout holds `text`; rejects if the child ends first or after `waitMs`. */
  readonly output: (text: string, waitMs: number) => Promise<void>
}

/** Starts `node <args>` (in `cwd` when given); SIGKILLs it after `timeoutMs`. */
export const startChild = (args: ReadonlyArray<string>, timeoutMs: number, cwd?: string): Child => {
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    ...(cwd === undefined ? {} : { cwd })
  })
  const started = performance.now()
  let stdout = ""
  let stderr = ""
  let timedOut = false
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  const timer = setTimeout(() => {
    timedOut = true
    child.kill("SIGKILL")
  }, timeoutMs)
  const done = new Promise<ChildResult>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, timedOut, ms: performance.now() - started })
    })
  })
  const output = (text: string, waitMs: number) =>
    new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(
        () => reject(new Error(`no "${text}" within ${waitMs} ms; stderr: ${stderr}`)),
        waitMs
      )
      const check = () => {
        if (!stdout.includes(text)) return
        clearTimeout(deadline)
        resolve()
      }
      child.stdout.on("data", check)
      check()
      void done.then(() => {
        clearTimeout(deadline)
        if (stdout.includes(text)) resolve()
        else reject(new Error(`the child ended without "${text}"; stderr: ${stderr}`))
      })
    })
  return { process: child, done, output }
}

/** Runs `node <args>` to its end (or its time limit). */
export const runChild = (args: ReadonlyArray<string>, timeoutMs: number, cwd?: string): Promise<ChildResult> =>
  startChild(args, timeoutMs, cwd).done
