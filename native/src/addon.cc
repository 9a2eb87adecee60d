// Module init: per-environment data, the environment cleanup hook, and the exports.
#include "addon.h"

#include <napi.h>

#include <atomic>
#include <vector>

#include "backend.h"
#include "errors.h"
#include "notifier.h"
#include "owned_fds.h"
#include "poller_wrap.h"

namespace reactor {

void RegisterFdFunctions(Napi::Env env, Napi::Object exports);
void RegisterSocketFunctions(Napi::Env env, Napi::Object exports);
void RegisterSocketConstants(Napi::Env env, Napi::Object constants);
void RegisterPtyFunctions(Napi::Env env, Napi::Object exports);
void RegisterPtyConstants(Napi::Env env, Napi::Object constants);
void RegisterInotifyFunctions(Napi::Env env, Napi::Object exports);
void RegisterInotifyConstants(Napi::Env env, Napi::Object constants);
void RegisterPidfdFunctions(Napi::Env env, Napi::Object exports);
void RegisterPidfdConstants(Napi::Env env, Napi::Object constants);
void RegisterTimerfdFunctions(Napi::Env env, Napi::Object exports);
void RegisterSignalFunctions(Napi::Env env, Napi::Object exports);
void RegisterSignalConstants(Napi::Env env, Napi::Object constants);
void RegisterFileFunctions(Napi::Env env, Napi::Object exports);

void AddonData::MaybeFinishCleanup() {
  if (!tearing_down || pending_closes > 0 || cleanup == nullptr) return;
  napi_async_cleanup_hook_handle handle = cleanup;
  cleanup = nullptr;
  napi_remove_async_cleanup_hook(handle);
}

namespace {

// When an environment exits (a Worker ends, the main thread tears down), its pollers are closed
// and their libuv handles closed asynchronously; the hook finishes when the last one is gone. The
// fds it still owns are closed too: what its Effect scopes did not get to release.
void OnEnvironmentExit(napi_async_cleanup_hook_handle handle, void* arg) {
  AddonData* data = static_cast<AddonData*>(arg);
  data->cleanup = handle;
  data->tearing_down = true;
  std::vector<PollerWrap*> open(data->live.begin(), data->live.end());
  for (PollerWrap* poller : open) poller->Close();
  CloseEnvironmentFds(data->id);
  data->MaybeFinishCleanup();
}

uint64_t NextEnvironmentId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1);
}

Napi::Value NotifyToken(const Napi::CallbackInfo& info) {
  // Tokens are positive integers below 2^53.
  int64_t token = ArgInteger(info, 0, "token", 0, 9007199254740991LL);
  return Napi::Boolean::New(info.Env(), Notifier::NotifyToken(static_cast<uint64_t>(token)));
}

Napi::Object Constants(Napi::Env env) {
  Napi::Object constants = Napi::Object::New(env);
  auto set = [&](const char* name, double value) { constants.Set(name, Napi::Number::New(env, value)); };
  set("INTEREST_NONE", 0);
  set("INTEREST_READABLE", kInterestReadable);
  set("INTEREST_WRITABLE", kInterestWritable);
  set("INTEREST_PRIORITY", kInterestPriority);
  set("MODE_ONESHOT", static_cast<double>(Mode::kOneshot));
  set("MODE_LEVEL", static_cast<double>(Mode::kLevel));
  set("MODE_EDGE", static_cast<double>(Mode::kEdge));
  set("MODE_EDGE_ONESHOT", static_cast<double>(Mode::kEdgeOneshot));
  set("EVENT_READABLE", kEventReadable);
  set("EVENT_WRITABLE", kEventWritable);
  set("EVENT_HANGUP", kEventHangup);
  set("EVENT_ERROR", kEventError);
  set("EVENT_PRIORITY", kEventPriority);
  set("MAX_KEY", kMaxKey);
  set("EAGAIN", EAGAIN);
  set("EINPROGRESS", EINPROGRESS);
  RegisterSocketConstants(env, constants);
  RegisterPtyConstants(env, constants);
  RegisterInotifyConstants(env, constants);
  RegisterPidfdConstants(env, constants);
  RegisterSignalConstants(env, constants);
  Napi::Object frozen = constants;
  napi_object_freeze(env, frozen);
  return constants;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  AddonData* data = new AddonData();
  data->id = NextEnvironmentId();
  env.SetInstanceData<AddonData>(data);
  NAPI_THROW_IF_FAILED(env, napi_get_uv_event_loop(env, &data->loop), exports);
  data->worker = data->loop != uv_default_loop();
  napi_status status = napi_add_async_cleanup_hook(env, OnEnvironmentExit, data, &data->cleanup);
  NAPI_THROW_IF_FAILED(env, status, exports);
  exports.Set("Poller", PollerWrap::Define(env, data));
  exports.Set("constants", Constants(env));
  SetFunction(env, exports, "notifyToken", GuardedFunction<NotifyToken>);
  RegisterFdFunctions(env, exports);
  RegisterSocketFunctions(env, exports);
  RegisterPtyFunctions(env, exports);
  RegisterInotifyFunctions(env, exports);
  RegisterPidfdFunctions(env, exports);
  RegisterTimerfdFunctions(env, exports);
  RegisterSignalFunctions(env, exports);
  RegisterFileFunctions(env, exports);
  return exports;
}

}  // namespace

}  // namespace reactor

// The module's entry point runs under Guarded like every other one. node-addon-api's NODE_API_MODULE does not: when
// Init throws and the error cannot be thrown into JS (a Worker that stops while it loads the addon), its wrapper
// rethrows a C++ exception out of the callback, and the process aborts.
NAPI_MODULE_INIT() {
  return reactor::Guarded(env,
                          [&]() -> napi_value { return reactor::Init(Napi::Env(env), Napi::Object(env, exports)); });
}
