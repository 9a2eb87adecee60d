/**
 * The echo servers that run on more than one core, and how `bench/echo.ts` pins them.
 *
 * Every other server is pinned to CPU 0 and the load generator to CPU 1, so each has a core to itself. A server of 2
 * threads (ServerWorkers) or 2 processes (node:cluster) pinned to CPU 0 would measure only what its second thread
 * costs, never what it gains; given both CPUs it shares CPU 1 with the load generator, which needs most of a core.
 * So these get CPUs 0 and 1 (the kernel places their threads), the load generator stays on CPU 1, and on this
 * 2-core machine their req/s says little: their server CPU per request (over all their threads and processes) is
 * the figure to compare.
 *
 * @internal
 */

/** @internal */
export const multiCoreApis = ["workers", "cluster"] as const

/** For the results' description of the workload. @internal */
export const multiCoreNote = "The multi-core servers (ServerWorkers, node:cluster) run on CPUs 0 and 1 rather than 0 " +
  "alone, the load generator still on CPU 1: they compete with it for CPU 1, so their req/s is bounded by the " +
  "machine rather than by them, and their Server CPU (summed over all their threads and processes, up to 200%) and " +
  "µs/req are what compares them."
