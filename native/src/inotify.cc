// Thin inotify(7) syscalls: inotify_init1, inotify_add_watch, inotify_rm_watch, and the mask bits
// as constants. The events themselves are read with fd.cc's `read` and parsed in TypeScript, where
// the policy lives (which watch an event belongs to, overflow, IN_IGNORED).
#include <sys/inotify.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "errors.h"
#include "owned_fds.h"

namespace reactor {

namespace {

// Non-blocking so a read says EAGAIN instead of blocking the thread, close-on-exec so a child
// started by node:child_process does not inherit the instance (inotify_init1(2)).
Napi::Value InotifyInit(const Napi::CallbackInfo& info) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) throw ErrnoError(info.Env(), errno, "inotify_init1");
  return OwnedFdNumber(info.Env(), fd);
}

// The watch descriptor, or -errno (ENOENT, ENOTDIR with IN_ONLYDIR, EEXIST with IN_MASK_CREATE,
// ENOSPC past max_user_watches, EINVAL for a mask without event bits).
Napi::Value InotifyAddWatch(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  std::string path = ArgString(info, 1, "path");
  uint32_t mask = static_cast<uint32_t>(ArgInteger(info, 2, "mask", 0, UINT32_MAX));
  int wd = inotify_add_watch(fd, path.c_str(), mask);
  return Napi::Number::New(info.Env(), wd < 0 ? -errno : wd);
}

// 0 or -errno (EINVAL: not a watch of this instance). The kernel then queues IN_IGNORED for `wd`
// (inotify_rm_watch(2)).
Napi::Value InotifyRmWatch(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  int wd = static_cast<int>(ArgInteger(info, 1, "wd", 0, INT32_MAX));
  int r = inotify_rm_watch(fd, wd);
  return Napi::Number::New(info.Env(), r < 0 ? -errno : 0);
}

}  // namespace

void RegisterInotifyConstants(Napi::Env env, Napi::Object constants) {
  auto set = [&](const char* name, uint32_t value) { constants.Set(name, Napi::Number::New(env, value)); };
  set("IN_ACCESS", IN_ACCESS);
  set("IN_MODIFY", IN_MODIFY);
  set("IN_ATTRIB", IN_ATTRIB);
  set("IN_CLOSE_WRITE", IN_CLOSE_WRITE);
  set("IN_CLOSE_NOWRITE", IN_CLOSE_NOWRITE);
  set("IN_OPEN", IN_OPEN);
  set("IN_MOVED_FROM", IN_MOVED_FROM);
  set("IN_MOVED_TO", IN_MOVED_TO);
  set("IN_CREATE", IN_CREATE);
  set("IN_DELETE", IN_DELETE);
  set("IN_DELETE_SELF", IN_DELETE_SELF);
  set("IN_MOVE_SELF", IN_MOVE_SELF);
  set("IN_UNMOUNT", IN_UNMOUNT);
  set("IN_Q_OVERFLOW", IN_Q_OVERFLOW);
  set("IN_IGNORED", IN_IGNORED);
  set("IN_ONLYDIR", IN_ONLYDIR);
  set("IN_DONT_FOLLOW", IN_DONT_FOLLOW);
  set("IN_EXCL_UNLINK", IN_EXCL_UNLINK);
  set("IN_MASK_CREATE", IN_MASK_CREATE);
  set("IN_MASK_ADD", IN_MASK_ADD);
  set("IN_ISDIR", IN_ISDIR);
  set("IN_ONESHOT", IN_ONESHOT);
}

void RegisterInotifyFunctions(Napi::Env env, Napi::Object exports) {
  SetFunction(env, exports, "inotifyInit", GuardedFunction<InotifyInit>);
  SetFunction(env, exports, "inotifyAddWatch", GuardedFunction<InotifyAddWatch>);
  SetFunction(env, exports, "inotifyRmWatch", GuardedFunction<InotifyRmWatch>);
}

}  // namespace reactor
