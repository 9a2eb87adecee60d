/**
 * A `ReactorRuntime` service over a reactor the test made itself (a closed one, one over a fake poller), for the
 * failure paths that a runtime from `ReactorRuntime.layer` cannot reach. Its executor is not attached: nothing
 * drives the reactor unless the test does.
 */
import type { Executor } from "../../src/internal/executor.js"
import * as executorService from "../../src/internal/executorService.js"
import type { NativePoller } from "../../src/internal/native.js"
import * as poller from "../../src/internal/poller.js"
import { TypeId } from "../../src/internal/reactorRuntime.js"
import type * as Poller from "../../src/Poller.js"
import type * as Reactor from "../../src/Reactor.js"
import type * as ReactorRuntime from "../../src/ReactorRuntime.js"

export const runtimeOver = (handle: Poller.PollerHandle, reactor: Reactor.Reactor): ReactorRuntime.ReactorRuntime => ({
  [TypeId]: TypeId,
  poller: poller.fromHandle(handle as NativePoller),
  reactor,
  executor: executorService.fromHandle(executorService.unsafeMake({ reactor }) as Executor),
  mode: "dedicated"
})
