// One way to build a boundary error, and the argument readers every native function uses: a wrong
// type is a TypeError and a wrong range a RangeError, each naming the argument.
#ifndef REACTOR_ERRORS_H_
#define REACTOR_ERRORS_H_

#include <napi.h>

#include <cstdint>
#include <string>

namespace reactor {

// An Error with `errno` (positive), `code` ("EEXIST") and `syscall`.
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall);
// The error of any call on a closed poller: code ERR_POLLER_CLOSED, errno EBADF.
Napi::Error ClosedError(Napi::Env env, const char* method);

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
// A Uint8Array (Buffer included): its bytes.
struct Bytes {
  uint8_t* data;
  size_t length;
};
Bytes ArgBytes(const Napi::CallbackInfo& info, size_t index, const char* name);

}  // namespace reactor

#endif  // REACTOR_ERRORS_H_
