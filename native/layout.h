// The numbers lib/ reads from the addon instead of writing them down again:
// the op ABI (ops.h), the census record layout (census.h), the platform's
// constants and the TCP-info field names (tcp_info.h). Built once, at load.
#pragma once

#include <napi.h>

namespace sockctl {

Napi::Object OpAbi(Napi::Env env);
Napi::Object CensusRecord(Napi::Env env);
Napi::Object Constants(Napi::Env env);
Napi::Array TcpInfoFields(Napi::Env env);

}  // namespace sockctl
