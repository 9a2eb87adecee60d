// Thin pidfd syscalls: pidfd_open, waitid(P_PIDFD) that reads an exit status without reaping, and
// pidfd_send_signal. Raw syscall(2) for the two pidfd calls, so the addon builds against a glibc
// older than 2.36 (which added their wrappers); the kernel needs 5.10 for PIDFD_NONBLOCK.
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "errors.h"
#include "owned_fds.h"

namespace reactor {

namespace {

// <linux/pidfd.h>: PIDFD_NONBLOCK is O_NONBLOCK. <linux/wait.h>: P_PIDFD is 3 (glibc only has it
// as an enumerator since 2.36, so it cannot be tested with #ifdef).
constexpr unsigned kPidfdNonblock = O_NONBLOCK;
constexpr idtype_t kPidfd = static_cast<idtype_t>(3);

// A pidfd is always close-on-exec (pidfd_open(2)); non-blocking so that a waitid(2) without WNOHANG
// on it says EAGAIN instead of blocking the thread.
Napi::Value PidfdOpen(const Napi::CallbackInfo& info) {
  pid_t pid = static_cast<pid_t>(ArgInteger(info, 0, "pid", 1, INT32_MAX));
  long fd = syscall(SYS_pidfd_open, pid, kPidfdNonblock);
  if (fd < 0) throw ErrnoError(info.Env(), errno, "pidfd_open");
  return OwnedFdNumber(info.Env(), static_cast<int>(fd));
}

// waitid(P_PIDFD, fd, WEXITED | WNOHANG | WNOWAIT): `{ code, status }` (si_code: CLD_EXITED with the
// exit code, CLD_KILLED / CLD_DUMPED with the signal number) once the process has exited, -EAGAIN
// while it runs, -ECHILD when it is not a child of this process or was already reaped, -errno
// otherwise. WNOWAIT always: the child stays a zombie for whoever reaps it. In Node that is libuv,
// which waitpid()s each child of node:child_process on SIGCHLD and, when that says ECHILD, never
// reports the exit at all (uv__wait_children: "someone else stole the waitpid from us"), leaving
// the ChildProcess without its 'exit' event. So this function never reaps.
Napi::Value PidfdWaitExit(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  siginfo_t siginfo;
  std::memset(&siginfo, 0, sizeof siginfo);
  int r;
  do {
    r = waitid(kPidfd, static_cast<id_t>(fd), &siginfo, WEXITED | WNOHANG | WNOWAIT);
  } while (r < 0 && errno == EINTR);
  Napi::Env env = info.Env();
  if (r < 0) return Napi::Number::New(env, -errno);
  // WNOHANG with nothing to report leaves si_pid zero (waitid(2), NOTES).
  if (siginfo.si_pid == 0) return Napi::Number::New(env, -EAGAIN);
  Napi::Object result = Napi::Object::New(env);
  result.Set("code", Napi::Number::New(env, siginfo.si_code));
  result.Set("status", Napi::Number::New(env, siginfo.si_status));
  return result;
}

// 0 or -errno (ESRCH once the process has been reaped, EPERM, EINVAL). Signal 0 only checks.
Napi::Value PidfdSendSignal(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  int signal = static_cast<int>(ArgInteger(info, 1, "signal", 0, _NSIG - 1));
  long r = syscall(SYS_pidfd_send_signal, fd, signal, nullptr, 0);
  return Napi::Number::New(info.Env(), r < 0 ? -errno : 0);
}

}  // namespace

void RegisterPidfdConstants(Napi::Env env, Napi::Object constants) {
  auto set = [&](const char* name, int value) { constants.Set(name, Napi::Number::New(env, value)); };
  set("CLD_EXITED", CLD_EXITED);
  set("CLD_KILLED", CLD_KILLED);
  set("CLD_DUMPED", CLD_DUMPED);
}

void RegisterPidfdFunctions(Napi::Env env, Napi::Object exports) {
  SetFunction(env, exports, "pidfdOpen", GuardedFunction<PidfdOpen>);
  SetFunction(env, exports, "pidfdWaitExit", GuardedFunction<PidfdWaitExit>);
  SetFunction(env, exports, "pidfdSendSignal", GuardedFunction<PidfdSendSignal>);
}

}  // namespace reactor
