#include "poller_wrap.h"

#ifdef __linux__
#include <sys/epoll.h>
#endif
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <string>

#include "errors.h"

namespace reactor {

namespace {

// Marks objects built by this constructor, so a method called on anything else (a plain object,
// another addon's wrapped object, the prototype) is an "Illegal invocation", never a bad cast.
const napi_type_tag kPollerTag = {0x6566666563747265ULL, 0x6163746f72506c72ULL};

using Method = Napi::Value (PollerWrap::*)(const Napi::CallbackInfo&);

template <Method M>
napi_value Invoke(napi_env env, napi_callback_info cbinfo) {
  return Guarded(env, [&]() -> napi_value {
    Napi::CallbackInfo info(env, cbinfo);
    PollerWrap* self = PollerWrap::FromReceiver(info);
    return (self->*M)(info);
  });
}

napi_property_descriptor MethodDescriptor(const char* name, napi_callback callback) {
  return napi_property_descriptor{name,
                                  nullptr,
                                  callback,
                                  nullptr,
                                  nullptr,
                                  nullptr,
                                  static_cast<napi_property_attributes>(napi_writable | napi_configurable),
                                  nullptr};
}

napi_property_descriptor GetterDescriptor(const char* name, napi_callback getter) {
  return napi_property_descriptor{name, nullptr, nullptr, getter, nullptr, nullptr, napi_configurable, nullptr};
}

// Milliseconds from JS to nanoseconds: -1 and +Infinity wait forever (-1 here).
int64_t TimeoutNs(const Napi::CallbackInfo& info, size_t index) {
  Napi::Value value = info[index];
  if (!value.IsNumber()) ThrowTypeError(info.Env(), "The \"timeoutMs\" argument must be a number");
  double ms = value.As<Napi::Number>().DoubleValue();
  if (ms == -1 || ms == INFINITY) return -1;
  if (std::isnan(ms) || ms < 0) {
    ThrowRangeError(info.Env(), "The \"timeoutMs\" argument must be -1, Infinity or a non-negative number");
  }
  // Past about 292 years the nanosecond count would overflow: that is forever.
  double ns = std::ceil(ms * 1e6);
  return ns >= 9.0e18 ? -1 : static_cast<int64_t>(ns);
}

}  // namespace

struct PollerWrap::WatchState {
  uv_poll_t handle;
  PollerWrap* owner;
  AddonData* data;
  Napi::FunctionReference callback;
  napi_async_context async = nullptr;
};

Napi::Function PollerWrap::Define(Napi::Env env, AddonData* data) {
  napi_property_descriptor properties[] = {
      MethodDescriptor("add", Invoke<&PollerWrap::Add>),
      MethodDescriptor("modify", Invoke<&PollerWrap::Modify>),
      MethodDescriptor("delete", Invoke<&PollerWrap::Delete>),
      MethodDescriptor("wait", Invoke<&PollerWrap::Wait>),
      MethodDescriptor("notify", Invoke<&PollerWrap::Notify>),
      MethodDescriptor("close", Invoke<&PollerWrap::CloseMethod>),
      MethodDescriptor("watch", Invoke<&PollerWrap::Watch>),
      MethodDescriptor("unwatch", Invoke<&PollerWrap::Unwatch>),
      MethodDescriptor("ref", Invoke<&PollerWrap::Ref>),
      MethodDescriptor("unref", Invoke<&PollerWrap::Unref>),
      GetterDescriptor("backend", Invoke<&PollerWrap::GetBackend>),
      GetterDescriptor("supportsEdge", Invoke<&PollerWrap::GetSupportsEdge>),
      GetterDescriptor("supportsLevel", Invoke<&PollerWrap::GetSupportsLevel>),
      GetterDescriptor("closed", Invoke<&PollerWrap::GetClosed>),
      GetterDescriptor("notifyToken", Invoke<&PollerWrap::GetNotifyToken>),
      GetterDescriptor("fd", Invoke<&PollerWrap::GetFd>),
  };
  napi_value constructor;
  napi_status status = napi_define_class(env, "Poller", NAPI_AUTO_LENGTH, Construct, data,
                                         sizeof properties / sizeof properties[0], properties, &constructor);
  NAPI_THROW_IF_FAILED(env, status, Napi::Function());
  return Napi::Function(env, constructor);
}

napi_value PollerWrap::Construct(napi_env env, napi_callback_info cbinfo) {
  return Guarded(env, [&]() -> napi_value { return ConstructGuarded(env, cbinfo); });
}

napi_value PollerWrap::ConstructGuarded(napi_env env, napi_callback_info cbinfo) {
  Napi::CallbackInfo info(env, cbinfo);
  {
    if (!info.IsConstructCall()) ThrowTypeError(env, "Class constructor Poller cannot be invoked without 'new'");
    std::string backend = "epoll";
    Napi::Value options = info[0];
    if (!options.IsUndefined()) {
      if (!options.IsObject()) ThrowTypeError(env, "The \"options\" argument must be an object");
      Napi::Value name = options.As<Napi::Object>().Get("backend");
      if (!name.IsUndefined()) {
        if (!name.IsString()) ThrowTypeError(env, "The \"options.backend\" property must be a string");
        backend = name.As<Napi::String>().Utf8Value();
      }
    }
#ifndef REACTOR_HAVE_EPOLL
    if (backend == "epoll") backend = "poll";
#endif
    if (backend != "epoll" && backend != "poll") {
      ThrowRangeError(env, "The \"options.backend\" property must be \"epoll\" or \"poll\"");
    }

    AddonData* data = static_cast<AddonData*>(info.Data());
    std::unique_ptr<PollerWrap> self(new PollerWrap(env, data));
    int err = 0;
    const char* syscall = "eventfd";
    self->notifier_ = Notifier::Create(&err);
    if (!self->notifier_) throw ErrnoError(env, err, syscall);
#ifdef REACTOR_HAVE_EPOLL
    if (backend == "epoll") self->backend_ = OpenEpollBackend(self->notifier_->fd(), &err, &syscall);
#endif
    if (backend == "poll") self->backend_ = OpenPollBackend(self->notifier_->fd(), &err, &syscall);
    if (!self->backend_) throw ErrnoError(env, err, syscall);

    napi_value object = info.This();
    NAPI_THROW_IF_FAILED(env, napi_type_tag_object(env, object, &kPollerTag), nullptr);
    NAPI_THROW_IF_FAILED(env, napi_wrap(env, object, self.get(), Finalize, nullptr, &self->self_), nullptr);
    data->live.insert(self.get());
    self.release();
    return object;
  }
}

void PollerWrap::Finalize(napi_env env, void* native, void* hint) {
  PollerWrap* self = static_cast<PollerWrap*>(native);
  self->Close();
  self->data_->live.erase(self);
  if (self->self_ != nullptr) napi_delete_reference(env, self->self_);
  delete self;
}

PollerWrap* PollerWrap::FromReceiver(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  napi_value receiver = info.This();
  napi_valuetype type = napi_undefined;
  bool tagged = false;
  void* native = nullptr;
  // A failing napi call (the environment is shutting down) is not the caller's fault: it surfaces
  // as what napi reports, not as "Illegal invocation".
  if (receiver == nullptr) ThrowTypeError(env, "Illegal invocation");
  NAPI_THROW_IF_FAILED(env, napi_typeof(env, receiver, &type), nullptr);
  if (type != napi_object) ThrowTypeError(env, "Illegal invocation");
  NAPI_THROW_IF_FAILED(env, napi_check_object_type_tag(env, receiver, &kPollerTag, &tagged), nullptr);
  if (!tagged) ThrowTypeError(env, "Illegal invocation");
  NAPI_THROW_IF_FAILED(env, napi_unwrap(env, receiver, &native), nullptr);
  if (native == nullptr) ThrowTypeError(env, "Illegal invocation");
  return static_cast<PollerWrap*>(native);
}

void PollerWrap::CheckOpen(const char* method) const {
  if (closed_) throw ClosedError(env_, method);
}

void PollerWrap::Control(const Napi::CallbackInfo& info, bool add) {
  CheckOpen(add ? "add" : "modify");
  int fd = ArgFd(info, 0, "fd");
  uint32_t key = static_cast<uint32_t>(ArgInteger(info, 1, "key", 0, kMaxKey));
  uint32_t interest = static_cast<uint32_t>(ArgInteger(info, 2, "interest", 0, kInterestAll));
  Mode mode = static_cast<Mode>(ArgIntegerOr(info, 3, "mode", 0, kModeMax, 0));
  int err = add ? backend_->Add(fd, key, interest, mode) : backend_->Modify(fd, key, interest, mode);
  if (err == EPERM) throw UnpollableError(env_, fd, backend_->ControlSyscall());
  if (err != 0) throw ErrnoError(env_, err, backend_->ControlSyscall());
  if (add) {
    registered_.insert(fd);
    UpdateRef();
  }
}

Napi::Value PollerWrap::Add(const Napi::CallbackInfo& info) {
  Control(info, true);
  return info.Env().Undefined();
}

Napi::Value PollerWrap::Modify(const Napi::CallbackInfo& info) {
  Control(info, false);
  return info.Env().Undefined();
}

Napi::Value PollerWrap::Delete(const Napi::CallbackInfo& info) {
  CheckOpen("delete");
  int fd = ArgFd(info, 0, "fd");
  int err = backend_->Delete(fd);
  // EBADF / ENOENT for an fd we added: it was closed before its delete, and the kernel (epoll) or
  // the poll backend has already forgotten it. It no longer keeps the process alive either way.
  if (err == 0 || err == EBADF || err == ENOENT) {
    registered_.erase(fd);
    UpdateRef();
  }
  if (err != 0) throw ErrnoError(env_, err, backend_->ControlSyscall());
  return info.Env().Undefined();
}

Napi::Value PollerWrap::Wait(const Napi::CallbackInfo& info) {
  CheckOpen("wait");
  Napi::Value events = info[0];
  if (!events.IsTypedArray() || events.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    ThrowTypeError(info.Env(), "The \"events\" argument must be a Uint32Array");
  }
  Napi::Uint32Array array = events.As<Napi::Uint32Array>();
  size_t capacity = array.ElementLength() / 2;
  if (capacity == 0) ThrowRangeError(info.Env(), "The \"events\" argument must hold at least one (key, flags) pair");
  int64_t timeout_ns = TimeoutNs(info, 1);
  size_t count = 0;
  const char* syscall = "wait";
  // The wake fd is in the poller only for the wait: no JS runs meanwhile, so neither libuv nor a caller can nest
  // this poller's fd anywhere that would close a loop of epoll instances (which libuv answers with abort()); one
  // that already does makes SetWakeFd fail with ELOOP, and the wait goes on without it.
  int wake = timeout_ns != 0 ? LoopWakeFd() : -1;
  if (wake >= 0 && backend_->SetWakeFd(wake) != 0) wake = -1;
  // No JS runs during the wait, so the array's memory cannot be detached under us.
  int err = backend_->Wait(array.Data(), capacity, timeout_ns, &count, &syscall);
  if (wake >= 0) backend_->SetWakeFd(-1);
  if (err != 0) throw ErrnoError(env_, err, syscall);
  return Napi::Number::New(info.Env(), static_cast<double>(count));
}

Napi::Value PollerWrap::Notify(const Napi::CallbackInfo& info) {
  CheckOpen("notify");
  int err = notifier_->Notify();
  if (err != 0) throw ErrnoError(env_, err, "write");
  return info.Env().Undefined();
}

Napi::Value PollerWrap::CloseMethod(const Napi::CallbackInfo& info) {
  Close();
  return info.Env().Undefined();
}

void PollerWrap::Close() {
  if (closed_) return;
  closed_ = true;
  StopWatch();
  backend_->Close();
  notifier_->Close();
  if (loop_wake_ >= 0) close(loop_wake_);
  loop_wake_ = -1;
  registered_.clear();
}

// A Worker blocked in a wait must still end when it is terminated. worker.terminate() runs, on the parent's thread,
// Worker::StopThread -> Environment::ExitEnv: isolate->TerminateExecution(), which only stops JS at its next call
// (never a thread inside epoll_wait), and a uv_async_send to the Worker's loop, which only a running loop would see;
// the environment's cleanup hooks run after the JS has stopped, so none of them can wake the wait. The uv_async_send
// is a write to an fd the loop's epoll instance watches, though, and that instance is what uv_backend_fd() hands out
// for polling a loop from elsewhere (libuv's docs). So a blocking wait in a Worker also waits on an epoll instance of
// our own that watches the loop's instance edge-triggered, and returns, with nothing to report, at each new loop
// event; when the event was the termination, V8 stops the JS before it can wait again. Edge-triggered, because in
// dedicated mode the loop does not run and its fds stay readable: each new event ends one wait, not every wait.
// Other events (a message posted to the Worker) only end a wait early. Built at the first blocking wait, kept until
// Close, so an event between two waits is not lost; a wait that fails to build it goes on without (the main thread
// never needs it: nothing terminates it). The one gap: libuv writes an async handle's wake-up only when the last one
// was answered, so a termination finds its write already made if something else queued native work on the Worker's
// environment (an inspector session, a heap snapshot) while the loop was not running; nothing in this library does.
int PollerWrap::LoopWakeFd() {
#ifdef __linux__
  if (loop_wake_ >= 0 || loop_wake_tried_ || !data_->worker) return loop_wake_;
  loop_wake_tried_ = true;
  int loop_fd = uv_backend_fd(data_->loop);
  if (loop_fd < 0) return -1;
  int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return -1;
  epoll_event event{};
  event.events = EPOLLIN | EPOLLET;
  if (epoll_ctl(fd, EPOLL_CTL_ADD, loop_fd, &event) != 0) {
    close(fd);
    return -1;
  }
  loop_wake_ = fd;
#endif
  return loop_wake_;
}

Napi::Value PollerWrap::Watch(const Napi::CallbackInfo& info) {
  CheckOpen("watch");
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) ThrowTypeError(env, "The \"callback\" argument must be a function");
  Napi::Function callback = info[0].As<Napi::Function>();
  if (watch_ != nullptr) {
    watch_->callback = Napi::Persistent(callback);
    return env.Undefined();
  }
  uv_loop_t* loop = nullptr;
  NAPI_THROW_IF_FAILED(env, napi_get_uv_event_loop(env, &loop), Napi::Value());
  WatchState* watch = new WatchState();
  watch->owner = this;
  watch->data = data_;
  int r = uv_poll_init(loop, &watch->handle, backend_->WatchFd());
  if (r < 0) {
    delete watch;
    throw ErrnoError(env, -r, "uv_poll_init");
  }
  watch->handle.data = watch;
  watch_ = watch;
  data_->pending_closes++;  // from here on the handle must be uv_close'd
  r = uv_poll_start(&watch->handle, UV_READABLE, OnReadable);
  int err = r < 0 ? -r : backend_->StartWatch();
  if (err != 0) {
    StopWatch();
    throw ErrnoError(env, err, r < 0 ? "uv_poll_start" : "pthread_create");
  }
  napi_status status =
      napi_async_init(env, info.This(), Napi::String::New(env, "effect-reactor:Poller"), &watch->async);
  if (status != napi_ok) {
    StopWatch();
    NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  }
  watch->callback = Napi::Persistent(callback);
  // While watching, the loop holds the poller: it is not collected under a live handle.
  uint32_t count = 0;
  napi_reference_ref(env, self_, &count);
  UpdateRef();
  return env.Undefined();
}

Napi::Value PollerWrap::Unwatch(const Napi::CallbackInfo& info) {
  CheckOpen("unwatch");
  StopWatch();
  return info.Env().Undefined();
}

void PollerWrap::StopWatch() {
  WatchState* watch = watch_;
  if (watch == nullptr) return;
  watch_ = nullptr;
  backend_->StopWatch();
  uv_poll_stop(&watch->handle);
  if (watch->async != nullptr) {
    napi_async_destroy(env_, watch->async);
    uint32_t count = 0;
    napi_reference_unref(env_, self_, &count);
  }
  watch->callback.Reset();
  uv_close(reinterpret_cast<uv_handle_t*>(&watch->handle), OnHandleClosed);
}

void PollerWrap::OnHandleClosed(uv_handle_t* handle) {
  WatchState* watch = static_cast<WatchState*>(handle->data);
  AddonData* data = watch->data;
  delete watch;
  data->pending_closes--;
  data->MaybeFinishCleanup();
}

void PollerWrap::OnReadable(uv_poll_t* handle, int status, int events) {
  WatchState* watch = static_cast<WatchState*>(handle->data);
  PollerWrap* self = watch->owner;
  if (self->watch_ != watch || self->closed_) return;
  // A C++ exception must not unwind into libuv.
  try {
    self->RunWatchCallback(watch);
  } catch (...) {
  }
}

void PollerWrap::RunWatchCallback(WatchState* watch) {
  PollerWrap* self = this;
  napi_env env = self->env_;
  Napi::HandleScope scope(env);
  // A local handle on the receiver keeps the poller alive through the callback, even if the
  // callback unwatches or closes it.
  napi_value receiver = nullptr;
  napi_get_reference_value(env, self->self_, &receiver);
  napi_value callback = watch->callback.Value();
  napi_value result = nullptr;
  // napi_make_callback runs the microtask queue afterwards, as Node's own callbacks do.
  napi_status call = napi_make_callback(env, watch->async, receiver, callback, 0, nullptr, &result);
  if (call == napi_pending_exception) {
    napi_value exception = nullptr;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
  if (self->watch_ == watch && !self->closed_) self->backend_->Harvested();
}

Napi::Value PollerWrap::Ref(const Napi::CallbackInfo& info) {
  CheckOpen("ref");
  refed_ = true;
  UpdateRef();
  return info.Env().Undefined();
}

Napi::Value PollerWrap::Unref(const Napi::CallbackInfo& info) {
  CheckOpen("unref");
  refed_ = false;
  UpdateRef();
  return info.Env().Undefined();
}

// The loop is kept alive only by a referenced poller with something registered: a process whose
// poller watches nothing can exit.
void PollerWrap::UpdateRef() {
  if (watch_ == nullptr) return;
  uv_handle_t* handle = reinterpret_cast<uv_handle_t*>(&watch_->handle);
  if (refed_ && !registered_.empty()) {
    uv_ref(handle);
  } else {
    uv_unref(handle);
  }
}

Napi::Value PollerWrap::GetBackend(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), backend_->Name());
}

Napi::Value PollerWrap::GetSupportsEdge(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), backend_->SupportsEdge());
}

Napi::Value PollerWrap::GetSupportsLevel(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), backend_->SupportsLevel());
}

Napi::Value PollerWrap::GetClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), closed_); }

Napi::Value PollerWrap::GetNotifyToken(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(notifier_->token()));
}

// The fd another poller can wait on to learn that this one has events (nesting). A closed
// poller's number may already belong to another file: asking for it is an error, not -1.
Napi::Value PollerWrap::GetFd(const Napi::CallbackInfo& info) {
  CheckOpen("fd");
  int fd = -1;
  int err = backend_->PollableFd(&fd);
  if (err != 0) throw ErrnoError(env_, err, "pthread_create");
  return Napi::Number::New(info.Env(), fd);
}

}  // namespace reactor
