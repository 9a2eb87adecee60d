// One way to build a boundary error, and the argument readers every native function uses: a wrong
// type is a TypeError and a wrong range a RangeError, each naming the argument.
#ifndef REACTOR_ERRORS_H_
#define REACTOR_ERRORS_H_

#include <napi.h>

#include <cstdint>
#include <functional>
#include <string>

namespace reactor {

// The `code` of every TypeError / RangeError that rejects an argument (ThrowTypeError, ThrowRangeError).
inline constexpr const char* kInvalidArgCode = "ERR_REACTOR_INVALID_ARG";

// An Error with `errno` (positive), `code` ("EEXIST") and `syscall`.
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall);
// ErrnoError(EPERM) for an fd the poller refused; when `fd` is a regular file or a directory, the message says so
// and what to use instead.
Napi::Error UnpollableError(Napi::Env env, int fd, const char* syscall);
// The error of any call on a closed poller: code ERR_POLLER_CLOSED, errno EBADF.
Napi::Error ClosedError(Napi::Env env, const char* method);

// Runs `body` as the whole of a native callback: a C++ exception becomes a pending JS exception,
// and when even that is impossible (a Worker's isolate is terminating, so napi_throw fails) it is
// dropped. Nothing ever propagates out of an N-API callback, where it would abort the process.
napi_value Guarded(napi_env env, const std::function<napi_value()>& body);

// A module function: its body runs under Guarded.
using FunctionBody = Napi::Value (*)(const Napi::CallbackInfo&);
template <FunctionBody F>
napi_value GuardedFunction(napi_env env, napi_callback_info cbinfo) {
  return Guarded(env, [&]() -> napi_value {
    Napi::CallbackInfo info(env, cbinfo);
    return F(info);
  });
}
// Defines `exports[name]` as a guarded function.
void SetFunction(Napi::Env env, Napi::Object exports, const char* name, napi_callback callback);

[[noreturn]] void ThrowTypeError(Napi::Env env, const std::string& message);
[[noreturn]] void ThrowRangeError(Napi::Env env, const std::string& message);

// A file descriptor: an integer in [0, INT32_MAX].
int ArgFd(const Napi::CallbackInfo& info, size_t index, const char* name);
// An integer in [min, max].
int64_t ArgInteger(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min, int64_t max);
// Like ArgInteger, but `undefined` gives `fallback`.
int64_t ArgIntegerOr(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min, int64_t max,
                     int64_t fallback);
std::string ArgString(const Napi::CallbackInfo& info, size_t index, const char* name);
// A Uint8Array (Buffer included): its bytes. One whose buffer was detached (transferred) is a TypeError, not zero
// bytes: a read into it would settle as 0, which reads as end of file.
struct Bytes {
  uint8_t* data;
  size_t length;
};
Bytes ArgBytes(const Napi::CallbackInfo& info, size_t index, const char* name);
// The same check of any value; `what` names it in the error ("The \"buffers\" argument" element).
Bytes BytesOf(Napi::Env env, napi_value value, const char* what, const char* expected);

}  // namespace reactor

#endif  // REACTOR_ERRORS_H_
