// Thin fd syscalls: pipe, eventfd, read, write, close. Creation failures throw an errno error;
// read, write and close return the count or -errno, so EAGAIN is a value.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "errors.h"

namespace reactor {

namespace {

Napi::Value Pipe(const Napi::CallbackInfo& info) {
  int fds[2];
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) throw ErrnoError(info.Env(), errno, "pipe2");
  Napi::Array result = Napi::Array::New(info.Env(), 2);
  result.Set(0u, Napi::Number::New(info.Env(), fds[0]));
  result.Set(1u, Napi::Number::New(info.Env(), fds[1]));
  return result;
}

Napi::Value EventFd(const Napi::CallbackInfo& info) {
  unsigned initval = static_cast<unsigned>(ArgIntegerOr(info, 0, "initval", 0, UINT32_MAX, 0));
  int fd = eventfd(initval, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw ErrnoError(info.Env(), errno, "eventfd");
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value Read(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  Bytes buffer = ArgBytes(info, 1, "buffer");
  ssize_t n;
  do {
    n = read(fd, buffer.data, buffer.length);
  } while (n < 0 && errno == EINTR);
  return Napi::Number::New(info.Env(), n < 0 ? -errno : static_cast<double>(n));
}

Napi::Value Write(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  Bytes buffer = ArgBytes(info, 1, "buffer");
  ssize_t n;
  do {
    n = write(fd, buffer.data, buffer.length);
  } while (n < 0 && errno == EINTR);
  return Napi::Number::New(info.Env(), n < 0 ? -errno : static_cast<double>(n));
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  // On Linux the fd is released even when close(2) reports EINTR: never retry it (close(2), NOTES).
  int r = close(fd);
  return Napi::Number::New(info.Env(), r < 0 && errno != EINTR ? -errno : 0);
}

}  // namespace

void RegisterFdFunctions(Napi::Env env, Napi::Object exports) {
  SetFunction(env, exports, "pipe", GuardedFunction<Pipe>);
  SetFunction(env, exports, "eventfd", GuardedFunction<EventFd>);
  SetFunction(env, exports, "read", GuardedFunction<Read>);
  SetFunction(env, exports, "write", GuardedFunction<Write>);
  SetFunction(env, exports, "close", GuardedFunction<Close>);
}

}  // namespace reactor
