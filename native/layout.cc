// The layouts and numbers layout.h names, as JavaScript objects.
#include "layout.h"

#include <cstddef>
#include <cstdint>

#include "census.h"
#include "ops.h"
#include "sockopt.h"
#include "tcp_info.h"

namespace sockctl {

// The op ABI's numbers (ops.h), so lib/native/abi.ts writes none of them.
Napi::Object OpAbi(Napi::Env env) {
  Napi::Object abi = Napi::Object::New(env);
  Napi::Object kinds = Napi::Object::New(env);
  kinds["int"] = static_cast<int>(kOpInt);
  kinds["linger"] = static_cast<int>(kOpLinger);
  kinds["text"] = static_cast<int>(kOpText);
  kinds["interface"] = static_cast<int>(kOpInterface);
  kinds["keepAliveVals"] = static_cast<int>(kOpKeepAliveVals);
  abi["kinds"] = kinds;
  Napi::Object stages = Napi::Object::New(env);
  stages["unbound"] = static_cast<int>(kUnbound);
  stages["bound"] = static_cast<int>(kBound);
  stages["listening"] = static_cast<int>(kListening);
  stages["connected"] = static_cast<int>(kConnected);
  abi["stages"] = stages;
  abi["tcpOnly"] = kTcpOnly;
  abi["tcpOnRefusal"] = kTcpOnRefusal;
  abi["tooLate"] = kTooLate;
  abi["notTcp"] = kNotTcp;
  abi["opInts"] = static_cast<int>(sizeof(Op) / sizeof(int32_t));
  return abi;
}

// Where lib/census/records.ts finds each field of a listSockets record, so
// no offset is written twice. Every OS exports it, census or not.
Napi::Object CensusRecord(Napi::Env env) {
  Napi::Object r = Napi::Object::New(env);
  r["bytes"] = sizeof(SocketRecord);
  r["fd"] = offsetof(SocketRecord, fd);
  r["family"] = offsetof(SocketRecord, family);
  r["state"] = offsetof(SocketRecord, state);
  r["localPort"] = offsetof(SocketRecord, local_port);
  r["remotePort"] = offsetof(SocketRecord, remote_port);
  r["localAddress"] = offsetof(SocketRecord, local_address);
  r["remoteAddress"] = offsetof(SocketRecord, remote_address);
  r["receiveQueue"] = offsetof(SocketRecord, receive_queue);
  r["sendQueue"] = offsetof(SocketRecord, send_queue);
  return r;
}

Napi::Object Constants(Napi::Env env) {
  Napi::Object constants = Napi::Object::New(env);
  for (size_t i = 0; i < kConstantCount; i++) {
    constants[kConstants[i].name] = kConstants[i].value;
  }
  return constants;
}

Napi::Array TcpInfoFields(Napi::Env env) {
  const char* names[] = {
#define SOCKCTL_NAME(name) #name,
      SOCKCTL_TCP_INFO_FIELDS(SOCKCTL_NAME)
#undef SOCKCTL_NAME
  };
  Napi::Array fields = Napi::Array::New(env, kTcpInfoFieldCount);
  for (uint32_t i = 0; i < kTcpInfoFieldCount; i++) fields[i] = names[i];
  return fields;
}

}  // namespace sockctl
