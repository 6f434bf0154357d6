// Module init and the exported functions. No policy and no OS specifics: the
// TypeScript layer validates and builds errors and objects; this file moves
// integers and bytes between JS and the portable headers (sockopt.h,
// socket.h, ops.h, tcp_info.h, census.h), and trusts nothing it gets.
#include <napi.h>

#include <cstddef>
#include <string>

#include "args.h"
#include "census.h"
#include "layout.h"
#include "ops.h"
#include "socket.h"
#include "sockopt.h"
#include "tcp_info.h"

namespace {

using sockctl::Args;
using sockctl::Bytes;
using sockctl::fd_t;

// Getters write their results into one Float64Array per module instance,
// exported as `scratch`: inspecting an array passed on every call would cost
// several Node-API calls, more than the system call itself.
constexpr size_t kScratchSlots = 64;

// Bumped whenever the functions below change their arguments or results;
// lib/native.ts refuses a binary built for another version.
constexpr int kInterfaceVersion = 8;

// Named options travel the same way in: JS writes up to kMaxOps ops into
// `ops` and their strings into `text`, both exported, and calls
// apply(fd, count) once.
constexpr size_t kMaxOps = 64;
constexpr size_t kTextBytes = 1024;

struct Shared {
  double scratch[kScratchSlots];
  sockctl::Op ops[kMaxOps];
  char text[kTextBytes];
};
static_assert(kScratchSlots >= sockctl::kTcpInfoFieldCount,
              "room for TCP info");
static_assert(kScratchSlots >= kMaxOps, "a result slot per op");

Shared* SharedOf(const Napi::CallbackInfo& info) {
  return static_cast<Shared*>(info.Data());
}
double* Scratch(const Napi::CallbackInfo& info) {
  return SharedOf(info)->scratch;
}

// A result that fits an int (0, -errno, a count or length) is made as one:
// napi_create_double costs a V8 number conversion on every call.
Napi::Value Result(const Napi::CallbackInfo& info, int rc) {
  napi_value out = nullptr;
  napi_create_int32(info.Env(), rc, &out);
  return Napi::Value(info.Env(), out);
}

// A SOCKET (a 64-bit handle on Windows): a double.
Napi::Value Handle(const Napi::CallbackInfo& info, int64_t socket) {
  return Napi::Number::New(info.Env(), static_cast<double>(socket));
}

// setInt(fd, level, name, value) -> 0 | -errno
Napi::Value SetInt(const Napi::CallbackInfo& info) {
  Args a(info);
  const fd_t fd = a.Fd();
  const int level = a.Int(1), name = a.Int(2), value = a.Int(3);
  if (!a.ok()) return {};
  return Result(info, sockctl::SetInt(fd, level, name, value));
}

// getInt(fd, level, name) -> 0 | -errno; scratch[0] = value
Napi::Value GetInt(const Napi::CallbackInfo& info) {
  Args a(info);
  const fd_t fd = a.Fd();
  const int level = a.Int(1), name = a.Int(2);
  if (!a.ok()) return {};
  int value = 0;
  int rc = sockctl::GetInt(fd, level, name, &value);
  if (rc == 0) Scratch(info)[0] = value;
  return Result(info, rc);
}

// setBytes(fd, level, name, Uint8Array) -> 0 | -errno
Napi::Value SetBytes(const Napi::CallbackInfo& info) {
  Args a(info);
  const fd_t fd = a.Fd();
  const int level = a.Int(1), name = a.Int(2);
  if (!a.ok()) return {};
  Napi::Uint8Array bytes = Bytes(info, 3);
  if (bytes.IsEmpty()) return {};
  return Result(info, sockctl::SetBytes(fd, level, name, bytes.Data(),
                                        bytes.ByteLength()));
}

// getBytes(fd, level, name, Uint8Array) -> length written | -errno
Napi::Value GetBytes(const Napi::CallbackInfo& info) {
  Args a(info);
  const fd_t fd = a.Fd();
  const int level = a.Int(1), name = a.Int(2);
  if (!a.ok()) return {};
  Napi::Uint8Array bytes = Bytes(info, 3);
  if (bytes.IsEmpty()) return {};
  size_t len = bytes.ByteLength();
  int rc = sockctl::GetBytes(fd, level, name, bytes.Data(), &len);
  // Never report more than the buffer holds, whatever the OS claims.
  if (len > bytes.ByteLength()) len = bytes.ByteLength();
  return Result(info, rc != 0 ? rc : static_cast<int>(len));
}

// tcpInfo(fd) -> 1 | 0 (too short to use) | -errno; scratch = the slots
Napi::Value TcpInfo(const Napi::CallbackInfo& info) {
  Args a(info);
  const fd_t fd = a.Fd();
  if (!a.ok()) return {};
  return Result(info, sockctl::GetTcpInfo(fd, Scratch(info)));
}

// apply(fd, count) -> index of the op that failed, or count; scratch[i] =
// op i's result (0, -errno, or 1: its phase has passed)
Napi::Value Apply(const Napi::CallbackInfo& info) {
  Args a(info);
  const fd_t fd = a.Fd();
  const uint32_t count = a.Uint(1);
  if (!a.ok()) return {};
  Shared* shared = SharedOf(info);
  if (count > kMaxOps) {
    Napi::RangeError::New(info.Env(), "sockctl native: too many ops")
        .ThrowAsJavaScriptException();
    return {};
  }
  return Result(info, static_cast<int>(sockctl::ApplyOps(
                          fd, shared->ops, count, shared->text,
                          sizeof shared->text, shared->scratch)));
}

// getOp(fd) -> 0 | -errno: reads the option ops[0] names; scratch[0..1] =
// the value (a name: its length, the bytes in text)
Napi::Value GetOp(const Napi::CallbackInfo& info) {
  Args a(info);
  const fd_t fd = a.Fd();
  if (!a.ok()) return {};
  Shared* shared = SharedOf(info);
  return Result(info, sockctl::GetOp(fd, shared->ops[0], shared->text,
                                     sizeof shared->text, shared->scratch));
}

// setLinger(fd, enabled, seconds) -> 0 | -errno. SO_LINGER alone, as every
// abort() sets it: no op to write and read back, for the option the watchdog
// and abort() set on each socket they end.
Napi::Value SetLinger(const Napi::CallbackInfo& info) {
  Args a(info);
  const fd_t fd = a.Fd();
  const bool enabled = a.Int(1) != 0;
  const int seconds = a.Int(2);
  if (!a.ok()) return {};
  return Result(info, sockctl::SetLinger(fd, enabled, seconds));
}

// getLinger(fd) -> 0 | -errno; scratch[0] = enabled (1 | 0), scratch[1] =
// seconds
Napi::Value GetLinger(const Napi::CallbackInfo& info) {
  Args a(info);
  const fd_t fd = a.Fd();
  if (!a.ok()) return {};
  bool enabled = false;
  int seconds = 0;
  int rc = sockctl::GetLinger(fd, &enabled, &seconds);
  if (rc == 0) {
    Scratch(info)[0] = enabled ? 1 : 0;
    Scratch(info)[1] = seconds;
  }
  return Result(info, rc);
}

// isTcp(fd) -> 1 | 0 | -errno
Napi::Value IsTcp(const Napi::CallbackInfo& info) {
  Args a(info);
  const fd_t fd = a.Fd();
  if (!a.ok()) return {};
  bool tcp = false;
  int rc = sockctl::IsTcp(fd, &tcp);
  return Result(info, rc != 0 ? rc : tcp ? 1 : 0);
}

// openSocket(udp, ipv6) -> [fd, ""] | [-errno, failed syscall]
Napi::Value OpenSocket(const Napi::CallbackInfo& info) {
  Args a(info);
  const bool udp = a.Int(0) != 0, ipv6 = a.Int(1) != 0;
  if (!a.ok()) return {};
  const char* syscall = "";
  int64_t rc = sockctl::OpenSocket(udp, ipv6, &syscall);
  Napi::Array result = Napi::Array::New(info.Env(), 2);
  result[0u] = Napi::Number::New(info.Env(), static_cast<double>(rc));
  result[1u] = Napi::String::New(info.Env(), syscall);
  return result;
}

// bind(fd, ipv6, scopeId, port, address) -> 0 | -errno
Napi::Value Bind(const Napi::CallbackInfo& info) {
  Args a(info);
  const fd_t fd = a.Fd();
  sockctl::BindAddress where = {};
  where.ipv6 = a.Int(1) != 0;
  where.scope_id = a.Uint(2);
  where.port = a.Int(3);
  std::string address;
  where.address = a.Address(4, &address, false);
  if (!a.ok()) return {};
  return Result(info, sockctl::Bind(fd, where));
}

// listSockets(osStatesMask, withInfo, method) -> Buffer of records | -errno
Napi::Value ListSockets(const Napi::CallbackInfo& info) {
  Args a(info);
  const uint32_t states = a.Uint(0);
  const bool with_info = a.Int(1) != 0;
  const int method = a.Int(2);
  if (!a.ok()) return {};
  if (method < 0 || method > 2) return Result(info, -EINVAL);
  std::vector<uint8_t> out;
  int rc = sockctl::ListSockets(
      states, with_info, static_cast<sockctl::CensusMethod>(method), &out);
  if (rc < 0) return Result(info, rc);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), out.data(), out.size());
}

// findSocket(udp, ipv6, localPort, remotePort, localAddress,
//            remoteAddress | null) -> SOCKET | -errno
Napi::Value FindSocket(const Napi::CallbackInfo& info) {
  Args a(info);
  sockctl::SocketQuery query = {};
  query.udp = a.Int(0) != 0;
  query.ipv6 = a.Int(1) != 0;
  query.local_port = a.Int(2);
  query.remote_port = a.Int(3);
  std::string local, remote;
  query.local_address = a.Address(4, &local, false);
  query.remote_address = a.Address(5, &remote, true);
  if (!a.ok()) return {};
  return Handle(info, sockctl::FindSocket(query));
}

// close(fd) -> 0 | -errno
Napi::Value Close(const Napi::CallbackInfo& info) {
  Args a(info);
  const fd_t fd = a.Fd();
  if (!a.ok()) return {};
  return Result(info, sockctl::Close(fd));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // The shared memory lives as long as this module instance (one per
  // worker): the instance data holds a reference until the env goes away.
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, sizeof(Shared));
  env.SetInstanceData(
      new Napi::Reference<Napi::ArrayBuffer>(Napi::Persistent(buffer)));
  Shared* shared = static_cast<Shared*>(buffer.Data());
  void* data = shared;
  exports["scratch"] = Napi::Float64Array::New(env, kScratchSlots, buffer,
                                               offsetof(Shared, scratch));
  exports["ops"] = Napi::Int32Array::New(
      env, kMaxOps * sizeof(sockctl::Op) / sizeof(int32_t), buffer,
      offsetof(Shared, ops));
  exports["text"] =
      Napi::Uint8Array::New(env, kTextBytes, buffer, offsetof(Shared, text));
  exports["interfaceVersion"] = Napi::Number::New(env, kInterfaceVersion);

  exports["setInt"] = Napi::Function::New<SetInt>(env, "setInt");
  exports["getInt"] = Napi::Function::New<GetInt>(env, "getInt", data);
  exports["setBytes"] = Napi::Function::New<SetBytes>(env, "setBytes");
  exports["getBytes"] = Napi::Function::New<GetBytes>(env, "getBytes");
  exports["tcpInfo"] = Napi::Function::New<TcpInfo>(env, "tcpInfo", data);
  exports["apply"] = Napi::Function::New<Apply>(env, "apply", data);
  exports["getOp"] = Napi::Function::New<GetOp>(env, "getOp", data);
  exports["setLinger"] = Napi::Function::New<SetLinger>(env, "setLinger");
  exports["getLinger"] = Napi::Function::New<GetLinger>(env, "getLinger", data);
  exports["isTcp"] = Napi::Function::New<IsTcp>(env, "isTcp");
  exports["openSocket"] = Napi::Function::New<OpenSocket>(env, "openSocket");
  exports["bind"] = Napi::Function::New<Bind>(env, "bind");
  exports["close"] = Napi::Function::New<Close>(env, "close");
  exports["findSocket"] = Napi::Function::New<FindSocket>(env, "findSocket");
  exports["listSockets"] = Napi::Function::New<ListSockets>(env, "listSockets");
  exports["hasCensus"] = Napi::Boolean::New(env, sockctl::kHasCensus);
  exports["censusRecord"] = sockctl::CensusRecord(env);
  exports["opAbi"] = sockctl::OpAbi(env);

  exports["constants"] = sockctl::Constants(env);
  exports["tcpInfoFields"] = sockctl::TcpInfoFields(env);
  exports["tcpInfoOptionBits"] =
      Napi::Number::New(env, sockctl::kTcpInfoOptionBits);
  return exports;
}

}  // namespace

NODE_API_MODULE(sockctl, Init)
