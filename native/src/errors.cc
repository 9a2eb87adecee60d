#include "errors.h"

#include <uv.h>

#include <cerrno>
#include <cmath>
#include <cstring>

namespace reactor {

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall) {
  // libuv's error codes are the negated errno values on Unix, so its table names them.
  const char* code = uv_err_name(-err);
  std::string message = std::string(code) + ": " + std::strerror(err) + ", " + syscall;
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("code", Napi::String::New(env, code));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
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

void ThrowTypeError(Napi::Env env, const std::string& message) { throw Napi::TypeError::New(env, message); }

void ThrowRangeError(Napi::Env env, const std::string& message) { throw Napi::RangeError::New(env, message); }

int64_t ArgInteger(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min, int64_t max) {
  Napi::Value value = info[index];
  if (!value.IsNumber()) ThrowTypeError(info.Env(), std::string("The \"") + name + "\" argument must be a number");
  double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::trunc(number) != number || number < static_cast<double>(min) ||
      number > static_cast<double>(max)) {
    ThrowRangeError(info.Env(), std::string("The \"") + name + "\" argument must be an integer from " +
                                    std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<int64_t>(number);
}

int64_t ArgIntegerOr(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min, int64_t max,
                     int64_t fallback) {
  if (info[index].IsUndefined()) return fallback;
  return ArgInteger(info, index, name, min, max);
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

Bytes ArgBytes(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowTypeError(info.Env(), std::string("The \"") + name + "\" argument must be a Uint8Array");
  }
  Napi::Uint8Array array = value.As<Napi::Uint8Array>();
  return Bytes{array.Data(), array.ElementLength()};
}

}  // namespace reactor
