#include "errors.h"

#include <sys/stat.h>
#include <uv.h>

#include <cerrno>
#include <cmath>
#include <cstring>

namespace reactor {

namespace {

Napi::Error ErrnoErrorWith(Napi::Env env, int err, const char* syscall, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("errno", Napi::Number::New(env, err));
  // libuv's error codes are the negated errno values on Unix, so its table names them.
  error.Set("code", Napi::String::New(env, uv_err_name(-err)));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

}  // namespace

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall) {
  return ErrnoErrorWith(env, err, syscall, std::string(uv_err_name(-err)) + ": " + std::strerror(err) + ", " + syscall);
}

Napi::Error UnpollableError(Napi::Env env, int fd, const char* syscall) {
  struct stat st;
  bool regular = false;
  bool directory = false;
  if (fstat(fd, &st) == 0) {
    regular = S_ISREG(st.st_mode);
    directory = S_ISDIR(st.st_mode);
  }
  if (!regular && !directory) return ErrnoError(env, EPERM, syscall);
  // epoll_ctl(2): EPERM "The target file fd does not support epoll". A file is always ready, so waiting on it would
  // be a busy loop; the poll(2) backend refuses the same files.
  std::string message =
      "EPERM: fd " + std::to_string(fd) + (regular ? " is a regular file" : " is a directory") +
      ", which a poller cannot wait on (it is always ready); " +
      (regular ? "use File for it, which runs its IO on libuv's thread pool" : "use File for the files in it") + ", " +
      syscall;
  return ErrnoErrorWith(env, EPERM, syscall, message);
}

Napi::Error ClosedError(Napi::Env env, const char* method) {
  Napi::Error error = Napi::Error::New(env, std::string("ERR_POLLER_CLOSED: the poller is closed, ") + method);
  error.Set("errno", Napi::Number::New(env, EBADF));
  error.Set("code", Napi::String::New(env, "ERR_POLLER_CLOSED"));
  error.Set("syscall", Napi::String::New(env, method));
  return error;
}

namespace {

void ThrowQuietly(napi_env env, const std::function<napi_value()>& make_error) {
  try {
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) != napi_ok || pending) return;
    napi_value error = make_error();
    if (error != nullptr) napi_throw(env, error);
  } catch (...) {
    // The environment cannot take an exception any more (it is shutting down): nothing to report to.
  }
}

}  // namespace

napi_value Guarded(napi_env env, const std::function<napi_value()>& body) {
  try {
    return body();
  } catch (const Napi::Error& error) {
    ThrowQuietly(env, [&]() -> napi_value { return error.Value(); });
  } catch (const std::exception& error) {
    std::string message = error.what();
    ThrowQuietly(env, [&]() -> napi_value {
      napi_value text = nullptr;
      napi_value value = nullptr;
      if (napi_create_string_utf8(env, message.c_str(), message.size(), &text) != napi_ok) return nullptr;
      if (napi_create_error(env, nullptr, text, &value) != napi_ok) return nullptr;
      return value;
    });
  } catch (...) {
  }
  return nullptr;
}

void SetFunction(Napi::Env env, Napi::Object exports, const char* name, napi_callback callback) {
  napi_value function = nullptr;
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, nullptr, &function));
  exports.Set(name, Napi::Value(env, function));
}

// A rejected argument carries a code of its own, so the TypeScript side types exactly these errors (InvalidArgument)
// and lets any other TypeError or RangeError (a bug, in our code or the engine) surface as a defect.
void ThrowTypeError(Napi::Env env, const std::string& message) {
  Napi::Error error = Napi::TypeError::New(env, message);
  error.Set("code", Napi::String::New(env, kInvalidArgCode));
  throw error;
}

void ThrowRangeError(Napi::Env env, const std::string& message) {
  Napi::Error error = Napi::RangeError::New(env, message);
  error.Set("code", Napi::String::New(env, kInvalidArgCode));
  throw error;
}

// The argument helpers run on every call into the addon, several per readiness event on the hot paths, so each makes
// as few N-API calls as it can: napi_get_value_double checks the type and reads the value in one call, and
// napi_get_typedarray_info checks and reads a typed array in one.

namespace {

// Reads the number `value` holds into `number`; false when `value` is not a number.
bool NumberOf(napi_env env, napi_value value, double* number) {
  return napi_get_value_double(env, value, number) == napi_ok;
}

bool IsUndefined(napi_env env, napi_value value) {
  napi_valuetype type = napi_undefined;
  return napi_typeof(env, value, &type) == napi_ok && type == napi_undefined;
}

int64_t CheckedInteger(const Napi::CallbackInfo& info, double number, const char* name, int64_t min, int64_t max) {
  if (!std::isfinite(number) || std::trunc(number) != number || number < static_cast<double>(min) ||
      number > static_cast<double>(max)) {
    ThrowRangeError(info.Env(), std::string("The \"") + name + "\" argument must be an integer from " +
                                    std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<int64_t>(number);
}

[[noreturn]] void ThrowNotNumber(const Napi::CallbackInfo& info, const char* name) {
  ThrowTypeError(info.Env(), std::string("The \"") + name + "\" argument must be a number");
}

}  // namespace

int64_t ArgInteger(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min, int64_t max) {
  double number = 0;
  if (!NumberOf(info.Env(), info[index], &number)) ThrowNotNumber(info, name);
  return CheckedInteger(info, number, name, min, max);
}

int64_t ArgIntegerOr(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min, int64_t max,
                     int64_t fallback) {
  napi_value value = info[index];
  double number = 0;
  if (NumberOf(info.Env(), value, &number)) return CheckedInteger(info, number, name, min, max);
  if (IsUndefined(info.Env(), value)) return fallback;
  ThrowNotNumber(info, name);
}

int ArgFd(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return static_cast<int>(ArgInteger(info, index, name, 0, INT32_MAX));
}

std::string ArgString(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value value = info[index];
  if (!value.IsString()) ThrowTypeError(info.Env(), std::string("The \"") + name + "\" argument must be a string");
  std::string text = value.As<Napi::String>().Utf8Value();
  // A C string would silently end at the first NUL: "127.0.0.1\0junk" must not mean 127.0.0.1.
  if (text.find('\0') != std::string::npos) {
    ThrowTypeError(info.Env(), std::string("The \"") + name + "\" argument must not contain null bytes");
  }
  return text;
}

namespace {

enum class BytesProblem { kNone, kNotUint8Array, kDetached };

// Reads the bytes of `value` into `bytes`, or says why it holds none. No message is built here: this runs on every
// send and recv, and a message naming its argument would be a heap allocation per call.
BytesProblem ReadBytes(napi_env env, napi_value value, Bytes* bytes) {
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer = nullptr;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, nullptr) != napi_ok ||
      type != napi_uint8_array) {
    return BytesProblem::kNotUint8Array;
  }
  // A detached array has length 0 (ECMA-262, TypedArray length of a detached buffer), so only those are asked.
  bool detached = false;
  if (length == 0 && napi_is_detached_arraybuffer(env, buffer, &detached) == napi_ok && detached) {
    return BytesProblem::kDetached;
  }
  *bytes = Bytes{static_cast<uint8_t*>(data), length};
  return BytesProblem::kNone;
}

[[noreturn]] void ThrowBytesProblem(napi_env env, BytesProblem problem, const std::string& what, const char* expected) {
  if (problem == BytesProblem::kNotUint8Array) ThrowTypeError(env, what + " must be " + expected);
  ThrowTypeError(env, what + " must not be detached (its buffer was transferred)");
}

}  // namespace

Bytes BytesOf(Napi::Env env, napi_value value, const char* what, const char* expected) {
  Bytes bytes{nullptr, 0};
  BytesProblem problem = ReadBytes(env, value, &bytes);
  if (problem != BytesProblem::kNone) ThrowBytesProblem(env, problem, what, expected);
  return bytes;
}

Bytes ArgBytes(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Bytes bytes{nullptr, 0};
  BytesProblem problem = ReadBytes(info.Env(), info[index], &bytes);
  if (problem != BytesProblem::kNone) {
    ThrowBytesProblem(info.Env(), problem, std::string("The \"") + name + "\" argument", "a Uint8Array");
  }
  return bytes;
}

}  // namespace reactor
