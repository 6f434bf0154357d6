// Module init and argument conversion. No policy and no OS specifics: the
// TypeScript layer validates and builds errors and objects; this file moves
// integers and bytes between JS and sockopt.h, and trusts nothing it gets.
#include <napi.h>

#include <string>

#include "sockopt.h"

namespace {

using sockctl::fd_t;

// Arguments are validated in TypeScript; reaching this means a caller went
// around the public API, so a plain TypeError is enough.
bool Numbers(const Napi::CallbackInfo& info, size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (!info[i].IsNumber()) {
      Napi::TypeError::New(info.Env(), "sockctl native: expected a number")
          .ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

fd_t Fd(const Napi::CallbackInfo& info) {
  return info[0].As<Napi::Number>().Int64Value();
}

int Int(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().Int32Value();
}

// A Float64Array of at least `min` elements at info[i], or nullptr after
// throwing.
double* Doubles(const Napi::CallbackInfo& info, size_t i, size_t min) {
  if (!info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[i].As<Napi::Float64Array>().ElementLength() < min) {
    Napi::TypeError::New(info.Env(), "sockctl native: expected Float64Array")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  return info[i].As<Napi::Float64Array>().Data();
}

Napi::Uint8Array Bytes(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(info.Env(), "sockctl native: expected Uint8Array")
        .ThrowAsJavaScriptException();
    return Napi::Uint8Array();
  }
  return info[i].As<Napi::Uint8Array>();
}

Napi::Value Result(const Napi::CallbackInfo& info, double rc) {
  return Napi::Number::New(info.Env(), rc);
}

// setInt(fd, level, name, value) -> 0 | -errno
Napi::Value SetInt(const Napi::CallbackInfo& info) {
  if (!Numbers(info, 4)) return {};
  return Result(info, sockctl::SetInt(Fd(info), Int(info, 1), Int(info, 2),
                                      Int(info, 3)));
}

// getInt(fd, level, name, out) -> 0 | -errno; out[0] = value
Napi::Value GetInt(const Napi::CallbackInfo& info) {
  if (!Numbers(info, 3)) return {};
  double* out = Doubles(info, 3, 1);
  if (out == nullptr) return {};
  int value = 0;
  int rc = sockctl::GetInt(Fd(info), Int(info, 1), Int(info, 2), &value);
  if (rc == 0) out[0] = value;
  return Result(info, rc);
}

// setBytes(fd, level, name, Uint8Array) -> 0 | -errno
Napi::Value SetBytes(const Napi::CallbackInfo& info) {
  if (!Numbers(info, 3)) return {};
  Napi::Uint8Array bytes = Bytes(info, 3);
  if (bytes.IsEmpty()) return {};
  return Result(info, sockctl::SetBytes(Fd(info), Int(info, 1), Int(info, 2),
                                        bytes.Data(), bytes.ByteLength()));
}

// getBytes(fd, level, name, Uint8Array) -> length written | -errno
Napi::Value GetBytes(const Napi::CallbackInfo& info) {
  if (!Numbers(info, 3)) return {};
  Napi::Uint8Array bytes = Bytes(info, 3);
  if (bytes.IsEmpty()) return {};
  size_t len = bytes.ByteLength();
  int rc = sockctl::GetBytes(Fd(info), Int(info, 1), Int(info, 2), bytes.Data(),
                             &len);
  // Never report more than the buffer holds, whatever the OS claims.
  if (len > bytes.ByteLength()) len = bytes.ByteLength();
  return Result(info, rc != 0 ? rc : static_cast<double>(len));
}

// setLinger(fd, enabled, seconds) -> 0 | -errno
Napi::Value SetLinger(const Napi::CallbackInfo& info) {
  if (!Numbers(info, 3)) return {};
  return Result(info,
                sockctl::SetLinger(Fd(info), Int(info, 1) != 0, Int(info, 2)));
}

// getLinger(fd, out) -> 0 | -errno; out = [enabled, seconds]
Napi::Value GetLinger(const Napi::CallbackInfo& info) {
  if (!Numbers(info, 1)) return {};
  double* out = Doubles(info, 1, 2);
  if (out == nullptr) return {};
  bool enabled = false;
  int seconds = 0;
  int rc = sockctl::GetLinger(Fd(info), &enabled, &seconds);
  if (rc == 0) {
    out[0] = enabled ? 1 : 0;
    out[1] = seconds;
  }
  return Result(info, rc);
}

// tcpInfo(fd, out) -> 1 | 0 (too short to use) | -errno
Napi::Value TcpInfo(const Napi::CallbackInfo& info) {
  if (!Numbers(info, 1)) return {};
  double* out = Doubles(info, 1, sockctl::kTcpInfoFieldCount);
  if (out == nullptr) return {};
  return Result(info, sockctl::GetTcpInfo(Fd(info), out));
}

// openBound(udp, ipv6, scopeId, port, reuseAddr, reusePort, ipv6Only,
//           address) -> [fd, ""] | [-errno, failed syscall]
Napi::Value OpenBound(const Napi::CallbackInfo& info) {
  if (!Numbers(info, 7)) return {};
  if (!info[7].IsString()) {
    Napi::TypeError::New(info.Env(), "sockctl native: expected an address")
        .ThrowAsJavaScriptException();
    return {};
  }
  std::string address = info[7].As<Napi::String>().Utf8Value();
  sockctl::BindRequest req = {};
  req.udp = Int(info, 0) != 0;
  req.ipv6 = Int(info, 1) != 0;
  req.scope_id = info[2].As<Napi::Number>().Uint32Value();
  req.port = Int(info, 3);
  req.reuse_address = Int(info, 4) != 0;
  req.reuse_port = Int(info, 5) != 0;
  req.ipv6_only = Int(info, 6);
  req.address = address.c_str();
  const char* syscall = "";
  int64_t rc = sockctl::OpenBound(req, &syscall);
  Napi::Array result = Napi::Array::New(info.Env(), 2);
  result[0u] = Napi::Number::New(info.Env(), static_cast<double>(rc));
  result[1u] = Napi::String::New(info.Env(), syscall);
  return result;
}

// close(fd) -> 0 | -errno
Napi::Value Close(const Napi::CallbackInfo& info) {
  if (!Numbers(info, 1)) return {};
  return Result(info, sockctl::Close(Fd(info)));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports["setInt"] = Napi::Function::New(env, SetInt, "setInt");
  exports["getInt"] = Napi::Function::New(env, GetInt, "getInt");
  exports["setBytes"] = Napi::Function::New(env, SetBytes, "setBytes");
  exports["getBytes"] = Napi::Function::New(env, GetBytes, "getBytes");
  exports["setLinger"] = Napi::Function::New(env, SetLinger, "setLinger");
  exports["getLinger"] = Napi::Function::New(env, GetLinger, "getLinger");
  exports["tcpInfo"] = Napi::Function::New(env, TcpInfo, "tcpInfo");
  exports["openBound"] = Napi::Function::New(env, OpenBound, "openBound");
  exports["close"] = Napi::Function::New(env, Close, "close");

  Napi::Object constants = Napi::Object::New(env);
  for (size_t i = 0; i < sockctl::kConstantCount; i++) {
    constants[sockctl::kConstants[i].name] = sockctl::kConstants[i].value;
  }
  exports["constants"] = constants;

  Napi::Array fields = Napi::Array::New(env);
  const char* names[] = {
#define SOCKCTL_NAME(name) #name,
      SOCKCTL_TCP_INFO_FIELDS(SOCKCTL_NAME)
#undef SOCKCTL_NAME
  };
  for (uint32_t i = 0; i < sockctl::kTcpInfoFieldCount; i++) {
    fields[i] = names[i];
  }
  exports["tcpInfoFields"] = fields;
  return exports;
}

}  // namespace

NODE_API_MODULE(sockctl, Init)
