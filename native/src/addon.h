// Per-environment state. Each Node environment (the main thread, every Worker) that loads the
// addon gets its own AddonData; nothing is shared between environments except the notify table.
#ifndef REACTOR_ADDON_H_
#define REACTOR_ADDON_H_

#include <node_api.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <unordered_set>

namespace reactor {

class PollerWrap;

struct AddonData {
  // Names this environment as the owner of fds (owned_fds.h); never reused, unlike the AddonData's address.
  uint64_t id = 0;
  // The environment's libuv loop, and whether it is a Worker's (any loop but the process's default one).
  uv_loop_t* loop = nullptr;
  bool worker = false;
  // Open pollers of this environment, closed by the cleanup hook when it exits.
  std::unordered_set<PollerWrap*> live;
  // libuv handles whose uv_close callback has not run yet; teardown waits for them.
  size_t pending_closes = 0;
  napi_async_cleanup_hook_handle cleanup = nullptr;
  bool tearing_down = false;

  // Ends the environment's teardown once every handle has closed.
  void MaybeFinishCleanup();
};

}  // namespace reactor

#endif  // REACTOR_ADDON_H_
