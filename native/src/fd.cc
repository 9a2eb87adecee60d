// Thin fd syscalls: pipe, eventfd, read, write, close, the O_NONBLOCK status flag, and the library's
// ownership of fds (owned_fds.h). Creation failures throw an errno error; the rest return the count
// (or 0) or -errno, so EAGAIN is a value.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "addon.h"
#include "errors.h"
#include "owned_fds.h"

namespace reactor {

namespace {

Napi::Value Pipe(const Napi::CallbackInfo& info) {
  int fds[2];
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) throw ErrnoError(info.Env(), errno, "pipe2");
  return OwnedFdPair(info.Env(), fds[0], fds[1]);
}

Napi::Value EventFd(const Napi::CallbackInfo& info) {
  unsigned initval = static_cast<unsigned>(ArgIntegerOr(info, 0, "initval", 0, UINT32_MAX, 0));
  int fd = eventfd(initval, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw ErrnoError(info.Env(), errno, "eventfd");
  return OwnedFdNumber(info.Env(), fd);
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
  int r = CloseOwnedFd(fd);
  return Napi::Number::New(info.Env(), r < 0 && errno != EINTR ? -errno : 0);
}

// own(fd): the caller hands `fd` over; this environment closes it when it ends, unless it was closed before.
Napi::Value Own(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  if (!OwnFd(info.Env().GetInstanceData<AddonData>()->id, fd)) throw ErrnoError(info.Env(), ENOMEM, "own");
  return info.Env().Undefined();
}

// disown(fd): `fd` is handed to the caller; no environment closes it any more.
Napi::Value Disown(const Napi::CallbackInfo& info) {
  DisownFd(ArgFd(info, 0, "fd"));
  return info.Env().Undefined();
}

// O_NONBLOCK is a status flag of the open file description, not of the fd: every dup'ed or
// inherited fd shares it (fcntl(2), "File status flags"), so when to flip it is the caller's call.
Napi::Value SetNonBlocking(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  if (!info[1].IsBoolean()) ThrowTypeError(info.Env(), "The \"on\" argument must be a boolean");
  bool on = info[1].As<Napi::Boolean>().Value();
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return Napi::Number::New(info.Env(), -errno);
  int wanted = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
  if (wanted != flags && fcntl(fd, F_SETFL, wanted) != 0) return Napi::Number::New(info.Env(), -errno);
  return Napi::Number::New(info.Env(), 0);
}

// 1 when O_NONBLOCK is set, 0 when not, -errno when F_GETFL fails.
Napi::Value IsNonBlocking(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return Napi::Number::New(info.Env(), -errno);
  return Napi::Number::New(info.Env(), (flags & O_NONBLOCK) != 0 ? 1 : 0);
}

}  // namespace

void RegisterFdFunctions(Napi::Env env, Napi::Object exports) {
  SetFunction(env, exports, "pipe", GuardedFunction<Pipe>);
  SetFunction(env, exports, "eventfd", GuardedFunction<EventFd>);
  SetFunction(env, exports, "read", GuardedFunction<Read>);
  SetFunction(env, exports, "write", GuardedFunction<Write>);
  SetFunction(env, exports, "close", GuardedFunction<Close>);
  SetFunction(env, exports, "own", GuardedFunction<Own>);
  SetFunction(env, exports, "disown", GuardedFunction<Disown>);
  SetFunction(env, exports, "setNonBlocking", GuardedFunction<SetNonBlocking>);
  SetFunction(env, exports, "isNonBlocking", GuardedFunction<IsNonBlocking>);
}

}  // namespace reactor
