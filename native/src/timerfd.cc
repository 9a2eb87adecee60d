// Thin timerfd syscalls (timerfd_create(2)): create throws an errno error; settime and gettime return
// 0 / the setting or -errno. Durations cross the boundary as whole seconds plus nanoseconds, so
// sub-millisecond values reach the kernel unrounded; what a duration means (one-shot, periodic,
// disarm) is decided in TypeScript. Reading the expiration count is the generic read(2).
#include <sys/timerfd.h>

#include <cerrno>
#include <ctime>
#include <string>

#include "errors.h"
#include "owned_fds.h"

namespace reactor {

namespace {

// The largest whole seconds a JS number holds exactly; time_t is 64-bit here.
constexpr int64_t kMaxSeconds = 9007199254740991LL;
constexpr int64_t kMaxNanos = 999999999;

Napi::Value TimerfdCreate(const Napi::CallbackInfo& info) {
  std::string clock = ArgString(info, 0, "clock");
  clockid_t id;
  if (clock == "monotonic") {
    id = CLOCK_MONOTONIC;
  } else if (clock == "realtime") {
    id = CLOCK_REALTIME;
  } else if (clock == "boottime") {
    id = CLOCK_BOOTTIME;
  } else {
    ThrowRangeError(info.Env(), "The \"clock\" argument must be \"monotonic\", \"realtime\" or \"boottime\"");
  }
  int fd = timerfd_create(id, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) throw ErrnoError(info.Env(), errno, "timerfd_create");
  return OwnedFdNumber(info.Env(), fd);
}

timespec ArgTimespec(const Napi::CallbackInfo& info, size_t index, const char* seconds, const char* nanos) {
  timespec value;
  value.tv_sec = static_cast<time_t>(ArgInteger(info, index, seconds, 0, kMaxSeconds));
  value.tv_nsec = static_cast<long>(ArgInteger(info, index + 1, nanos, 0, kMaxNanos));
  return value;
}

// timerfdSettime(fd, initialSeconds, initialNanos, intervalSeconds, intervalNanos): a relative
// setting (flags 0). A zero initial value disarms; a zero interval is one-shot (timerfd_create(2)).
Napi::Value TimerfdSettime(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  itimerspec setting;
  setting.it_value = ArgTimespec(info, 1, "initialSeconds", "initialNanos");
  setting.it_interval = ArgTimespec(info, 3, "intervalSeconds", "intervalNanos");
  int r = timerfd_settime(fd, 0, &setting, nullptr);
  return Napi::Number::New(info.Env(), r < 0 ? -errno : 0);
}

// timerfdGettime(fd): [remainingSeconds, remainingNanos, intervalSeconds, intervalNanos], or -errno.
// A disarmed timer reports a zero remaining time.
Napi::Value TimerfdGettime(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  itimerspec current;
  if (timerfd_gettime(fd, &current) < 0) return Napi::Number::New(info.Env(), -errno);
  Napi::Array result = Napi::Array::New(info.Env(), 4);
  result.Set(0u, Napi::Number::New(info.Env(), static_cast<double>(current.it_value.tv_sec)));
  result.Set(1u, Napi::Number::New(info.Env(), static_cast<double>(current.it_value.tv_nsec)));
  result.Set(2u, Napi::Number::New(info.Env(), static_cast<double>(current.it_interval.tv_sec)));
  result.Set(3u, Napi::Number::New(info.Env(), static_cast<double>(current.it_interval.tv_nsec)));
  return result;
}

}  // namespace

void RegisterTimerfdFunctions(Napi::Env env, Napi::Object exports) {
  SetFunction(env, exports, "timerfdCreate", GuardedFunction<TimerfdCreate>);
  SetFunction(env, exports, "timerfdSettime", GuardedFunction<TimerfdSettime>);
  SetFunction(env, exports, "timerfdGettime", GuardedFunction<TimerfdGettime>);
}

}  // namespace reactor
