// Pseudo-terminals and terminal attributes, as thin calls: posix_openpt(3) + grantpt(3) +
// unlockpt(3) + ptsname_r(3) + open(2) of the terminal side, tcgetattr(3) / tcsetattr(3) /
// cfmakeraw(3), the window size ioctls (TIOCGWINSZ / TIOCSWINSZ, ioctl_tty(2)) and isatty(3).
// Creating a pty throws an errno error; everything else returns a value or -errno, as in fd.cc.
// Which attributes make "raw" or "canonical", and when to restore them, is decided in TypeScript.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "errors.h"
#include "owned_fds.h"

namespace reactor {

namespace {

// Both sides are opened non-blocking and close-on-exec, and never become the process's
// controlling terminal (O_NOCTTY): a library must not take the session's terminal.
constexpr int kOpenFlags = O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;

Napi::Value Errno(Napi::Env env) { return Napi::Number::New(env, -errno); }

Napi::Value OpenPty(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // glibc's posix_openpt is open(2) of /dev/ptmx with these flags (posix_openpt(3)).
  int controller = posix_openpt(kOpenFlags);
  if (controller < 0) throw ErrnoError(env, errno, "posix_openpt");
  const char* failed = nullptr;
  char path[128];
  if (grantpt(controller) != 0) {
    failed = "grantpt";
  } else if (unlockpt(controller) != 0) {
    failed = "unlockpt";
  } else {
    int err = ptsname_r(controller, path, sizeof path);
    if (err != 0) {
      errno = err;
      failed = "ptsname_r";
    }
  }
  int terminal = -1;
  if (failed == nullptr) {
    terminal = open(path, kOpenFlags);
    if (terminal < 0) failed = "open";
  }
  if (failed != nullptr) {
    int err = errno;
    close(controller);
    throw ErrnoError(env, err, failed);
  }
  return OwnedFdPair(env, controller, terminal);
}

Napi::Value PtsName(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  char path[128];
  int err = ptsname_r(fd, path, sizeof path);
  if (err != 0) return Napi::Number::New(info.Env(), -err);
  return Napi::String::New(info.Env(), path);
}

// 1 for a terminal; otherwise -errno (ENOTTY, or EBADF for a closed fd), as isatty(3) reports it.
Napi::Value IsATty(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  if (isatty(fd) == 1) return Napi::Number::New(info.Env(), 1);
  return Errno(info.Env());
}

// The attributes JS sees: the four flag words (c_cflag holds the speed bits on Linux) and the
// control characters. The line discipline is not exposed; tcsetattr keeps the terminal's.
Napi::Object FromTermios(Napi::Env env, const termios& t) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("iflag", Napi::Number::New(env, static_cast<double>(t.c_iflag)));
  object.Set("oflag", Napi::Number::New(env, static_cast<double>(t.c_oflag)));
  object.Set("cflag", Napi::Number::New(env, static_cast<double>(t.c_cflag)));
  object.Set("lflag", Napi::Number::New(env, static_cast<double>(t.c_lflag)));
  Napi::Uint8Array cc = Napi::Uint8Array::New(env, NCCS);
  std::memcpy(cc.Data(), t.c_cc, NCCS);
  object.Set("cc", cc);
  return object;
}

uint32_t FlagWord(Napi::Env env, Napi::Object object, const char* name) {
  Napi::Value value = object.Get(name);
  std::string label = std::string("The \"termios.") + name + "\" property";
  if (!value.IsNumber()) ThrowTypeError(env, label + " must be a number");
  double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::trunc(number) != number || number < 0 || number > UINT32_MAX) {
    ThrowRangeError(env, label + " must be an integer from 0 to " + std::to_string(UINT32_MAX));
  }
  return static_cast<uint32_t>(number);
}

// Reads the JS attributes into `t`, over whatever `t` holds for the fields JS does not see.
void ToTermios(const Napi::CallbackInfo& info, size_t index, termios* t) {
  Napi::Env env = info.Env();
  Napi::Value value = info[index];
  if (!value.IsObject()) ThrowTypeError(env, "The \"termios\" argument must be an object");
  Napi::Object object = value.As<Napi::Object>();
  tcflag_t iflag = FlagWord(env, object, "iflag");
  tcflag_t oflag = FlagWord(env, object, "oflag");
  tcflag_t cflag = FlagWord(env, object, "cflag");
  tcflag_t lflag = FlagWord(env, object, "lflag");
  Napi::Value cc = object.Get("cc");
  if (!cc.IsTypedArray() || cc.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowTypeError(env, "The \"termios.cc\" property must be a Uint8Array");
  }
  Napi::Uint8Array bytes = cc.As<Napi::Uint8Array>();
  if (bytes.ElementLength() != NCCS) {
    ThrowRangeError(env, "The \"termios.cc\" property must hold " + std::to_string(NCCS) + " bytes");
  }
  t->c_iflag = iflag;
  t->c_oflag = oflag;
  t->c_cflag = cflag;
  t->c_lflag = lflag;
  std::memcpy(t->c_cc, bytes.Data(), NCCS);
}

Napi::Value TcGetAttr(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  termios t;
  if (tcgetattr(fd, &t) != 0) return Errno(info.Env());
  return FromTermios(info.Env(), t);
}

Napi::Value TcSetAttr(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  int when = static_cast<int>(ArgInteger(info, 1, "when", 0, INT32_MAX));
  if (when != TCSANOW && when != TCSADRAIN && when != TCSAFLUSH) {
    ThrowRangeError(info.Env(), "The \"when\" argument must be TCSANOW, TCSADRAIN or TCSAFLUSH");
  }
  termios t;
  std::memset(&t, 0, sizeof t);
  ToTermios(info, 2, &t);
  termios current;
  // The fields JS does not see (the line discipline; the separate speed fields where libc has
  // them) stay the terminal's own: start from them, then lay the JS fields over. A non-terminal
  // fails here with ENOTTY, before anything is changed.
  if (tcgetattr(fd, &current) != 0) return Errno(info.Env());
  current.c_iflag = t.c_iflag;
  current.c_oflag = t.c_oflag;
  current.c_cflag = t.c_cflag;
  current.c_lflag = t.c_lflag;
  std::memcpy(current.c_cc, t.c_cc, NCCS);
  int r;
  // TCSADRAIN / TCSAFLUSH wait for output to drain, and the wait can be interrupted.
  do {
    r = tcsetattr(fd, when, &current);
  } while (r != 0 && errno == EINTR);
  return Napi::Number::New(info.Env(), r == 0 ? 0 : -errno);
}

// cfmakeraw(3) on a copy: no syscall, the attributes raw mode would have.
Napi::Value CfMakeRaw(const Napi::CallbackInfo& info) {
  termios t;
  std::memset(&t, 0, sizeof t);
  ToTermios(info, 0, &t);
  cfmakeraw(&t);
  return FromTermios(info.Env(), t);
}

Napi::Value GetWindowSize(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) != 0) return Errno(info.Env());
  Napi::Object object = Napi::Object::New(info.Env());
  object.Set("rows", Napi::Number::New(info.Env(), size.ws_row));
  object.Set("columns", Napi::Number::New(info.Env(), size.ws_col));
  return object;
}

// The kernel sends SIGWINCH to the terminal's foreground process group when the size changes.
Napi::Value SetWindowSize(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  winsize size{};
  size.ws_row = static_cast<unsigned short>(ArgInteger(info, 1, "rows", 0, UINT16_MAX));
  size.ws_col = static_cast<unsigned short>(ArgInteger(info, 2, "columns", 0, UINT16_MAX));
  int r = ioctl(fd, TIOCSWINSZ, &size);
  return Napi::Number::New(info.Env(), r == 0 ? 0 : -errno);
}

}  // namespace

void RegisterPtyConstants(Napi::Env env, Napi::Object constants) {
  auto set = [&](const char* name, double value) { constants.Set(name, Napi::Number::New(env, value)); };
  set("TCSANOW", TCSANOW);
  set("TCSADRAIN", TCSADRAIN);
  set("TCSAFLUSH", TCSAFLUSH);
  set("ECHO", ECHO);
  set("ICANON", ICANON);
  set("NCCS", NCCS);
}

void RegisterPtyFunctions(Napi::Env env, Napi::Object exports) {
  SetFunction(env, exports, "openpty", GuardedFunction<OpenPty>);
  SetFunction(env, exports, "ptsname", GuardedFunction<PtsName>);
  SetFunction(env, exports, "isatty", GuardedFunction<IsATty>);
  SetFunction(env, exports, "tcgetattr", GuardedFunction<TcGetAttr>);
  SetFunction(env, exports, "tcsetattr", GuardedFunction<TcSetAttr>);
  SetFunction(env, exports, "cfmakeraw", GuardedFunction<CfMakeRaw>);
  SetFunction(env, exports, "getWindowSize", GuardedFunction<GetWindowSize>);
  SetFunction(env, exports, "setWindowSize", GuardedFunction<SetWindowSize>);
}

}  // namespace reactor
