// The JS class `Poller`: checks every receiver, argument and the closed state before it reaches
// the backend, and connects the backend to Node's event loop (uv_poll_t on the backend's watch
// fd). Lifecycle:
//
//   open --watch--> watching (holds a strong reference to its JS object) --unwatch--> open
//   open | watching --close / GC / environment exit--> closed (every call but close throws)
#ifndef REACTOR_POLLER_WRAP_H_
#define REACTOR_POLLER_WRAP_H_

#include <napi.h>
#include <uv.h>

#include <memory>
#include <unordered_set>

#include "addon.h"
#include "backend.h"
#include "notifier.h"

namespace reactor {

class PollerWrap {
 public:
  static Napi::Function Define(Napi::Env env, AddonData* data);
  // Closes the backend and the notifier and stops watching. Idempotent, never throws.
  void Close();

  // Prototype methods and accessors; the trampoline has checked the receiver.
  Napi::Value Add(const Napi::CallbackInfo& info);
  Napi::Value Modify(const Napi::CallbackInfo& info);
  Napi::Value Delete(const Napi::CallbackInfo& info);
  Napi::Value Wait(const Napi::CallbackInfo& info);
  Napi::Value Notify(const Napi::CallbackInfo& info);
  Napi::Value CloseMethod(const Napi::CallbackInfo& info);
  Napi::Value Watch(const Napi::CallbackInfo& info);
  Napi::Value Unwatch(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  Napi::Value GetBackend(const Napi::CallbackInfo& info);
  Napi::Value GetSupportsEdge(const Napi::CallbackInfo& info);
  Napi::Value GetSupportsLevel(const Napi::CallbackInfo& info);
  Napi::Value GetClosed(const Napi::CallbackInfo& info);
  Napi::Value GetNotifyToken(const Napi::CallbackInfo& info);
  Napi::Value GetFd(const Napi::CallbackInfo& info);

  static PollerWrap* FromReceiver(const Napi::CallbackInfo& info);

 private:
  struct WatchState;

  PollerWrap(napi_env env, AddonData* data) : env_(env), data_(data) {}
  static napi_value Construct(napi_env env, napi_callback_info cbinfo);
  static napi_value ConstructGuarded(napi_env env, napi_callback_info cbinfo);
  static void Finalize(napi_env env, void* native, void* hint);
  static void OnReadable(uv_poll_t* handle, int status, int events);
  void RunWatchCallback(WatchState* watch);
  static void OnHandleClosed(uv_handle_t* handle);

  void CheckOpen(const char* method) const;
  void Control(const Napi::CallbackInfo& info, bool add);
  int LoopWakeFd();
  void StopWatch();
  void UpdateRef();

  napi_env env_;
  AddonData* data_;
  napi_ref self_ = nullptr;  // weak, made strong while watching
  std::unique_ptr<Backend> backend_;
  std::shared_ptr<Notifier> notifier_;
  WatchState* watch_ = nullptr;
  // fds added and not yet deleted: while any is, a referenced watch keeps the loop alive.
  std::unordered_set<int> registered_;
  // What ends a blocking wait in a Worker that is terminated (LoopWakeFd); -1 until the first such wait.
  int loop_wake_ = -1;
  bool loop_wake_tried_ = false;
  bool refed_ = true;
  bool closed_ = false;
};

}  // namespace reactor

#endif  // REACTOR_POLLER_WRAP_H_
