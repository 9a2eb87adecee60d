/**
 * How many threads `./echoWorkers.ts` and processes `./echoCluster.ts` serve with: one per core of this 2-core
 * machine. Apart from both, so that node:cluster's bundle loads nothing of Effect's.
 *
 * @internal
 */
export const WORKERS = 2
