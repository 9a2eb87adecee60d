/**
 * `npm start`: docs/examples/demo.ts, the chapter end to end, printed step by step. Its timings and fd numbers vary
 * from run to run and are masked; every other character is checked.
 */
import { describe, expect, it } from "@effect/vitest"
import { runExample } from "./utils/examples.js"

const mask = (line: string): string => line.replace(/\d+\.\d\d ms/g, "_ ms").replace(/pipe fd \d+/g, "pipe fd _")

describe("the demo (npm start)", () => {
  it("docs/examples/demo.ts runs by itself and prints the chapter step by step", async () => {
    expect((await runExample("demo.ts")).map(mask)).toEqual([
      "== 1. The poller (IoBlocker)",
      "IoBlocker::new          -> an epoll poller (edge-triggered: true)",
      "add_io_event_interest   -> pipe fd _ registered under key 1 (readable, oneshot)",
      "block (timeout 0)       -> 0 events: nothing written yet",
      "Node's loop wakes us    -> 1 event(s): key 1: readable after _ ms",
      "read                    -> \"hello\"",
      "block (timeout 0)       -> 0 events: oneshot, not re-armed",
      "notify from a Worker    -> a blocking 5 s wait returned 0 events after _ ms",
      "scope closed            -> poller closed, fds released",
      "",
      "== 2. A SimpleFuture, the reactor and the executor loop (by hand)",
      "add_io_event_interest   -> pipe fd _ registered: key 0 (slab index + generation)",
      "executor turn 1: run the ready tasks",
      "  task: read() -> EAGAIN; set_readable_callback(waker) -> Pending",
      "executor: nothing ready -> IoBlocker::block (reactor.turn, no timeout)",
      "  reactor: woke after _ ms; dispatched the event to 1 waker(s) -> task queued",
      "executor turn 2: run the ready tasks",
      "  task: read() -> 19 bytes \"from another thread\": Ready",
      "executor: task finished with \"from another thread\"",
      "",
      "== 3. The same through Effect (ReactorRuntime.layer, integrated with Node's loop)",
      "  task: read() -> EAGAIN; set_readable_callback(waker) -> Pending",
      "  task: read() -> 17 bytes \"from a Node timer\": Ready",
      "Executor.run            -> \"from a Node timer\" after _ ms, Node's loop never blocked",
      "Effect.sleep(20 millis) -> on the executor's timer queue (layerScheduler), _ ms",
      "scope closed            -> tasks cancelled, sources deregistered, poller closed"
    ])
  }, 90_000)
})
