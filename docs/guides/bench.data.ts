/**
 * The echo benchmark's table from bench/results.md, read when the site is built (a VitePress data loader), for the
 * performance page's chart: one group of bars per workload (connections x message size), one bar per server.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { defineLoader } from "vitepress"

/** One server under one workload. */
export interface EchoBar {
  readonly api: string
  readonly requestsPerSecond: number
  readonly p99: string
}

/** One workload: `connections` clients each sending `size` messages. */
export interface EchoGroup {
  readonly connections: number
  readonly size: string
  readonly bars: ReadonlyArray<EchoBar>
}

const results = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..", "..", "bench", "results.md")

/** The rows of the table between `<!-- echo:begin -->` and `<!-- echo:end -->`, grouped by workload. */
export const parseEcho = (markdown: string): Array<EchoGroup> => {
  const section = /<!-- echo:begin -->([\s\S]*?)<!-- echo:end -->/.exec(markdown)?.[1] ?? ""
  const groups: Array<{ connections: number; size: string; bars: Array<EchoBar> }> = []
  for (const line of section.split("\n")) {
    const cells = line.split("|").slice(1, -1).map((cell) => cell.trim())
    const connections = Number(cells[0])
    if (cells.length < 7 || !Number.isInteger(connections)) continue
    const [, size, api, requests, , , p99] = cells as [string, string, string, string, string, string, string]
    let group = groups.find((g) => g.connections === connections && g.size === size)
    if (group === undefined) groups.push(group = { connections, size, bars: [] })
    group.bars.push({ api, requestsPerSecond: Number(requests.replace(/,/g, "")), p99 })
  }
  return groups
}

declare const data: Array<EchoGroup>
export { data }

export default defineLoader({
  watch: [results],
  load: () => parseEcho(Fs.readFileSync(results, "utf8"))
})
