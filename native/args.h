// Argument conversion for addon.cc.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

#include "sockctl.h"

namespace sockctl {

// Reads each argument with one Node-API call. Arguments are validated in
// TypeScript; one that is not a number means a caller went around the public
// API: a plain TypeError, and no system call.
class Args {
 public:
  explicit Args(const Napi::CallbackInfo& info) : info_(info) {}
  fd_t Fd() {
    int64_t v = 0;
    if (ok_ && napi_get_value_int64(info_.Env(), info_[0], &v) != napi_ok) {
      Fail();
    }
    return v;
  }
  int32_t Int(size_t i) {
    int32_t v = 0;
    if (ok_ && napi_get_value_int32(info_.Env(), info_[i], &v) != napi_ok) {
      Fail();
    }
    return v;
  }
  uint32_t Uint(size_t i) {
    uint32_t v = 0;
    if (ok_ && napi_get_value_uint32(info_.Env(), info_[i], &v) != napi_ok) {
      Fail();
    }
    return v;
  }
  // A numeric address literal (the native side parses it), or nullptr for a
  // null where `nullable`. `storage` keeps the characters alive.
  const char* Address(size_t i, std::string* storage, bool nullable) {
    if (!ok_) return nullptr;
    if (nullable && info_[i].IsNull()) return nullptr;
    if (!info_[i].IsString()) {
      Fail("an address");
      return nullptr;
    }
    *storage = info_[i].As<Napi::String>().Utf8Value();
    return storage->c_str();
  }
  bool ok() const { return ok_; }

 private:
  void Fail(const char* what = "a number") {
    if (!ok_) return;
    ok_ = false;
    Napi::TypeError::New(info_.Env(),
                         std::string("sockctl native: expected ") + what)
        .ThrowAsJavaScriptException();
  }
  const Napi::CallbackInfo& info_;
  bool ok_ = true;
};

// A Uint8Array argument, or an empty one after a TypeError.
inline Napi::Uint8Array Bytes(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(info.Env(), "sockctl native: expected Uint8Array")
        .ThrowAsJavaScriptException();
    return Napi::Uint8Array();
  }
  return info[i].As<Napi::Uint8Array>();
}

}  // namespace sockctl
