// Thin non-blocking socket syscalls. Creation failures throw an errno error; the rest return 0,
// a value, or -errno (EINPROGRESS from connect is a value too).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "errors.h"

namespace reactor {

namespace {

// Parses a numeric IPv4 or IPv6 host; false for anything else (names are not resolved here).
bool ToAddress(const std::string& host, int port, sockaddr_storage* storage, socklen_t* length) {
  std::memset(storage, 0, sizeof *storage);
  auto* v4 = reinterpret_cast<sockaddr_in*>(storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    *length = sizeof *v4;
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(storage);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    *length = sizeof *v6;
    return true;
  }
  return false;
}

Napi::Value Socket(const Napi::CallbackInfo& info) {
  int64_t family = ArgInteger(info, 0, "family", 4, 6);
  if (family == 5) ThrowRangeError(info.Env(), "The \"family\" argument must be 4 or 6");
  std::string type = ArgString(info, 1, "type");
  if (type != "stream" && type != "dgram") {
    ThrowRangeError(info.Env(), "The \"type\" argument must be \"stream\" or \"dgram\"");
  }
  int fd = socket(family == 4 ? AF_INET : AF_INET6,
                  (type == "stream" ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ErrnoError(info.Env(), errno, "socket");
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
    throw ErrnoError(info.Env(), errno, "socketpair");
  }
  Napi::Array result = Napi::Array::New(info.Env(), 2);
  result.Set(0u, Napi::Number::New(info.Env(), fds[0]));
  result.Set(1u, Napi::Number::New(info.Env(), fds[1]));
  return result;
}

template <int (*Call)(int, const sockaddr*, socklen_t)>
Napi::Value AddressCall(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  std::string host = ArgString(info, 1, "host");
  int port = static_cast<int>(ArgInteger(info, 2, "port", 0, 65535));
  sockaddr_storage address;
  socklen_t length;
  if (!ToAddress(host, port, &address, &length)) return Napi::Number::New(info.Env(), -EINVAL);
  // No EINTR retry: an interrupted connect(2) goes on in the background, like EINPROGRESS.
  int r = Call(fd, reinterpret_cast<sockaddr*>(&address), length);
  return Napi::Number::New(info.Env(), r < 0 ? -errno : 0);
}

Napi::Value Listen(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  int backlog = static_cast<int>(ArgInteger(info, 1, "backlog", 0, INT32_MAX));
  return Napi::Number::New(info.Env(), listen(fd, backlog) < 0 ? -errno : 0);
}

Napi::Value LocalPort(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  sockaddr_storage address;
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return Napi::Number::New(info.Env(), -errno);
  }
  if (address.ss_family == AF_INET) {
    return Napi::Number::New(info.Env(), ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port));
  }
  if (address.ss_family == AF_INET6) {
    return Napi::Number::New(info.Env(), ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port));
  }
  return Napi::Number::New(info.Env(), -EAFNOSUPPORT);
}

Napi::Value SocketError(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return Napi::Number::New(info.Env(), -errno);
  return Napi::Number::New(info.Env(), error);
}

}  // namespace

void RegisterSocketFunctions(Napi::Env env, Napi::Object exports) {
  SetFunction(env, exports, "socket", GuardedFunction<Socket>);
  SetFunction(env, exports, "socketpair", GuardedFunction<SocketPair>);
  SetFunction(env, exports, "bind", GuardedFunction<AddressCall<::bind>>);
  SetFunction(env, exports, "connect", GuardedFunction<AddressCall<::connect>>);
  SetFunction(env, exports, "listen", GuardedFunction<Listen>);
  SetFunction(env, exports, "localPort", GuardedFunction<LocalPort>);
  SetFunction(env, exports, "socketError", GuardedFunction<SocketError>);
}

}  // namespace reactor
