// Thin non-blocking socket syscalls. Creation failures throw an errno error; everything else
// returns a count, 0, or -errno, so EAGAIN (and EINPROGRESS from connect) are values. Writes to
// sockets use MSG_NOSIGNAL: a closed peer is EPIPE, never SIGPIPE.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "addon.h"
#include "errors.h"
#include "owned_fds.h"

namespace reactor {

namespace {

constexpr int kFamilyUnix = 1;
constexpr size_t kMaxIov = 64;

Napi::Value Result(const Napi::CallbackInfo& info, ssize_t n) {
  return Napi::Number::New(info.Env(), n < 0 ? -errno : static_cast<double>(n));
}

// Parses a numeric IPv4 or IPv6 host; false for anything else (names are not resolved here).
bool ToInetAddress(const std::string& host, int port, sockaddr_storage* storage, socklen_t* length) {
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

// A Unix socket path; false when it does not fit sun_path with its terminating NUL.
bool ToUnixAddress(const std::string& path, sockaddr_storage* storage, socklen_t* length) {
  std::memset(storage, 0, sizeof *storage);
  auto* un = reinterpret_cast<sockaddr_un*>(storage);
  if (path.empty() || path.size() >= sizeof un->sun_path) return false;
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  *length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return true;
}

// The address arguments at `index`: (host, port) for inet sockets, (path) for Unix ones, told
// apart by whether a port follows.
bool ArgAddress(const Napi::CallbackInfo& info, size_t index, sockaddr_storage* storage, socklen_t* length) {
  std::string where = ArgString(info, index, info[index + 1].IsUndefined() ? "path" : "host");
  if (info[index + 1].IsUndefined()) return ToUnixAddress(where, storage, length);
  int port = static_cast<int>(ArgInteger(info, index + 1, "port", 0, 65535));
  return ToInetAddress(where, port, storage, length);
}

Napi::Value AddressObject(Napi::Env env, const sockaddr_storage& address, socklen_t length) {
  Napi::Object result = Napi::Object::New(env);
  char text[INET6_ADDRSTRLEN] = {0};
  switch (address.ss_family) {
    case AF_INET: {
      auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
      inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
      result.Set("family", Napi::String::New(env, "IPv4"));
      result.Set("address", Napi::String::New(env, text));
      result.Set("port", Napi::Number::New(env, ntohs(v4->sin_port)));
      return result;
    }
    case AF_INET6: {
      auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
      inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
      result.Set("family", Napi::String::New(env, "IPv6"));
      result.Set("address", Napi::String::New(env, text));
      result.Set("port", Napi::Number::New(env, ntohs(v6->sin6_port)));
      return result;
    }
    case AF_UNIX: {
      auto* un = reinterpret_cast<const sockaddr_un*>(&address);
      size_t offset = offsetof(sockaddr_un, sun_path);
      size_t size = length > offset ? ::strnlen(un->sun_path, length - offset) : 0;
      result.Set("family", Napi::String::New(env, "Unix"));
      result.Set("path", Napi::String::New(env, std::string(un->sun_path, size)));
      return result;
    }
    default:
      return Napi::Number::New(env, -EAFNOSUPPORT);
  }
}

Napi::Value Socket(const Napi::CallbackInfo& info) {
  int64_t family = ArgInteger(info, 0, "family", 1, 6);
  if (family != 4 && family != 6 && family != kFamilyUnix) {
    ThrowRangeError(info.Env(), "The \"family\" argument must be 4, 6 or 1 (Unix)");
  }
  std::string type = ArgString(info, 1, "type");
  if (type != "stream" && type != "dgram") {
    ThrowRangeError(info.Env(), "The \"type\" argument must be \"stream\" or \"dgram\"");
  }
  int domain = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNIX;
  int fd = socket(domain, (type == "stream" ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ErrnoError(info.Env(), errno, "socket");
  return OwnedFdNumber(info.Env(), fd);
}

Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
    throw ErrnoError(info.Env(), errno, "socketpair");
  }
  return OwnedFdPair(info.Env(), fds[0], fds[1]);
}

// bind(fd, host, port) / bind(fd, path); connect likewise. An address that does not parse is -EINVAL.
template <int (*Call)(int, const sockaddr*, socklen_t)>
Napi::Value AddressCall(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  sockaddr_storage address;
  socklen_t length;
  if (!ArgAddress(info, 1, &address, &length)) return Napi::Number::New(info.Env(), -EINVAL);
  // No EINTR retry: an interrupted connect(2) goes on in the background, like EINPROGRESS.
  int r = Call(fd, reinterpret_cast<sockaddr*>(&address), length);
  return Napi::Number::New(info.Env(), r < 0 ? -errno : 0);
}

Napi::Value Listen(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  int backlog = static_cast<int>(ArgInteger(info, 1, "backlog", 0, INT32_MAX));
  return Napi::Number::New(info.Env(), listen(fd, backlog) < 0 ? -errno : 0);
}

// Accepts until EAGAIN (or until `out` is full) in one call: many connections arriving together
// cost one crossing. Returns how many fds it wrote to `out`, or -errno when the first accept fails.
// Each accepted fd is owned by this environment (owned_fds.h) as soon as it exists.
Napi::Value AcceptMany(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  Napi::Value value = info[1];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    ThrowTypeError(info.Env(), "The \"out\" argument must be an Int32Array");
  }
  Napi::Int32Array out = value.As<Napi::Int32Array>();
  uint64_t owner = info.Env().GetInstanceData<AddonData>()->id;
  size_t count = 0;
  while (count < out.ElementLength()) {
    int client = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client >= 0 && !OwnFd(owner, client)) {
      close(client);
      client = -1;
      errno = ENOMEM;
    }
    if (client >= 0) {
      out[count++] = client;
      continue;
    }
    // accept(2): a connection aborted before it was accepted (ECONNABORTED) is not our failure.
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (count == 0) return Napi::Number::New(info.Env(), -errno);
    // Why a short batch stopped: only EAGAIN means the queue is drained. After EMFILE or ENFILE the connections
    // are still queued, and an edge-triggered listener gets no new event for them.
    out[count] = -errno;
    break;
  }
  return Napi::Number::New(info.Env(), static_cast<double>(count));
}

// The bytes of `buffer` from `offset` for `length` (defaults: all of it), range-checked.
Bytes ArgSlice(const Napi::CallbackInfo& info, size_t index) {
  Bytes bytes = ArgBytes(info, index, "buffer");
  size_t offset = static_cast<size_t>(ArgIntegerOr(info, index + 1, "offset", 0, bytes.length, 0));
  size_t length =
      static_cast<size_t>(ArgIntegerOr(info, index + 2, "length", 0, bytes.length - offset, bytes.length - offset));
  return Bytes{bytes.data + offset, length};
}

// send(fd, buffer, offset?, length?, flags?): `flags` may only be 0 or MSG_OOB (TCP urgent data,
// which the peer's poller reports as priority).
Napi::Value Send(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  Bytes bytes = ArgSlice(info, 1);
  int flags = static_cast<int>(ArgIntegerOr(info, 4, "flags", 0, MSG_OOB, 0));
  if (flags != 0 && flags != MSG_OOB) ThrowRangeError(info.Env(), "The \"flags\" argument must be 0 or MSG_OOB");
  ssize_t n;
  do {
    n = send(fd, bytes.data, bytes.length, MSG_NOSIGNAL | flags);
  } while (n < 0 && errno == EINTR);
  return Result(info, n);
}

Napi::Value Recv(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  Bytes bytes = ArgSlice(info, 1);
  ssize_t n;
  do {
    n = recv(fd, bytes.data, bytes.length, 0);
  } while (n < 0 && errno == EINTR);
  return Result(info, n);
}

// writev(fd, buffers): one gathered send of up to 64 Uint8Arrays, with MSG_NOSIGNAL.
Napi::Value SendMany(const Napi::CallbackInfo& info) {
  const char* kNotBuffers = "The \"buffers\" argument";
  int fd = ArgFd(info, 0, "fd");
  if (!info[1].IsArray()) ThrowTypeError(info.Env(), std::string(kNotBuffers) + " must be an array of Uint8Arrays");
  Napi::Array buffers = info[1].As<Napi::Array>();
  uint32_t count = buffers.Length();
  if (count > kMaxIov) ThrowRangeError(info.Env(), std::string(kNotBuffers) + " must hold at most 64 buffers");
  // Every element is read before any pointer is taken: reading one can run JS (a getter on the array) that detaches
  // an element read before, and frees its memory under the pointer.
  // On the stack (at most 64 of each): no allocation per call.
  napi_value items[kMaxIov];
  for (uint32_t i = 0; i < count; i++) items[i] = buffers.Get(i);
  iovec iov[kMaxIov];
  for (uint32_t i = 0; i < count; i++) {
    Bytes bytes = BytesOf(info.Env(), items[i], kNotBuffers, "an array of Uint8Arrays");
    iov[i] = iovec{bytes.data, bytes.length};
  }
  msghdr message{};
  message.msg_iov = iov;
  message.msg_iovlen = count;
  ssize_t n;
  do {
    n = sendmsg(fd, &message, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return Result(info, n);
}

// sendTo(fd, buffer, host, port) for datagrams.
Napi::Value SendTo(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  Bytes bytes = ArgBytes(info, 1, "buffer");
  sockaddr_storage address;
  socklen_t length;
  if (!ArgAddress(info, 2, &address, &length)) return Napi::Number::New(info.Env(), -EINVAL);
  ssize_t n;
  do {
    n = sendto(fd, bytes.data, bytes.length, MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&address), length);
  } while (n < 0 && errno == EINTR);
  return Result(info, n);
}

// recvFrom(fd, buffer) -> { bytes, from, truncated } or -errno. recvmsg(2), so that a datagram longer than the
// buffer is told apart from a short one: the kernel drops the rest and sets MSG_TRUNC in msg_flags.
Napi::Value RecvFrom(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  Bytes bytes = ArgBytes(info, 1, "buffer");
  sockaddr_storage address{};
  iovec iov{bytes.data, bytes.length};
  msghdr message{};
  message.msg_name = &address;
  message.msg_namelen = sizeof address;
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  ssize_t n;
  do {
    n = recvmsg(fd, &message, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Napi::Number::New(info.Env(), -errno);
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("bytes", Napi::Number::New(info.Env(), static_cast<double>(n)));
  result.Set("from", AddressObject(info.Env(), address, message.msg_namelen));
  result.Set("truncated", Napi::Boolean::New(info.Env(), (message.msg_flags & MSG_TRUNC) != 0));
  return result;
}

Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  int how = static_cast<int>(ArgInteger(info, 1, "how", SHUT_RD, SHUT_RDWR));
  return Napi::Number::New(info.Env(), shutdown(fd, how) < 0 ? -errno : 0);
}

// setsockopt(fd, level, name, value) for the integer options in `constants`.
Napi::Value SetSockOpt(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  int level = static_cast<int>(ArgInteger(info, 1, "level", 0, INT32_MAX));
  int name = static_cast<int>(ArgInteger(info, 2, "name", 0, INT32_MAX));
  int value = static_cast<int>(ArgInteger(info, 3, "value", INT32_MIN, INT32_MAX));
  return Napi::Number::New(info.Env(), setsockopt(fd, level, name, &value, sizeof value) < 0 ? -errno : 0);
}

template <int (*Call)(int, sockaddr*, socklen_t*)>
Napi::Value NameCall(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0, "fd");
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (Call(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return Napi::Number::New(info.Env(), -errno);
  return AddressObject(info.Env(), address, length);
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

void RegisterSocketConstants(Napi::Env env, Napi::Object constants) {
  auto set = [&](const char* name, int value) { constants.Set(name, Napi::Number::New(env, value)); };
  set("SOL_SOCKET", SOL_SOCKET);
  set("SO_REUSEADDR", SO_REUSEADDR);
  set("SO_REUSEPORT", SO_REUSEPORT);
  set("SO_KEEPALIVE", SO_KEEPALIVE);
  set("SO_SNDBUF", SO_SNDBUF);
  set("SO_RCVBUF", SO_RCVBUF);
  set("IPPROTO_TCP", IPPROTO_TCP);
  set("TCP_NODELAY", TCP_NODELAY);
  set("IPPROTO_IPV6", IPPROTO_IPV6);
  set("IPV6_V6ONLY", IPV6_V6ONLY);
  set("SHUT_RD", SHUT_RD);
  set("SHUT_WR", SHUT_WR);
  set("SHUT_RDWR", SHUT_RDWR);
  set("FAMILY_UNIX", kFamilyUnix);
  set("MSG_OOB", MSG_OOB);
}

void RegisterSocketFunctions(Napi::Env env, Napi::Object exports) {
  SetFunction(env, exports, "socket", GuardedFunction<Socket>);
  SetFunction(env, exports, "socketpair", GuardedFunction<SocketPair>);
  SetFunction(env, exports, "bind", GuardedFunction<AddressCall<::bind>>);
  SetFunction(env, exports, "connect", GuardedFunction<AddressCall<::connect>>);
  SetFunction(env, exports, "listen", GuardedFunction<Listen>);
  SetFunction(env, exports, "acceptMany", GuardedFunction<AcceptMany>);
  SetFunction(env, exports, "send", GuardedFunction<Send>);
  SetFunction(env, exports, "recv", GuardedFunction<Recv>);
  SetFunction(env, exports, "sendMany", GuardedFunction<SendMany>);
  SetFunction(env, exports, "sendTo", GuardedFunction<SendTo>);
  SetFunction(env, exports, "recvFrom", GuardedFunction<RecvFrom>);
  SetFunction(env, exports, "shutdown", GuardedFunction<Shutdown>);
  SetFunction(env, exports, "setsockopt", GuardedFunction<SetSockOpt>);
  SetFunction(env, exports, "localAddress", GuardedFunction<NameCall<::getsockname>>);
  SetFunction(env, exports, "remoteAddress", GuardedFunction<NameCall<::getpeername>>);
  SetFunction(env, exports, "localPort", GuardedFunction<LocalPort>);
  SetFunction(env, exports, "socketError", GuardedFunction<SocketError>);
}

}  // namespace reactor
