// Shared by the Linux TCP_INFO reader and the sock_diag census, which gets
// the same struct tcp_info inside a netlink attribute.
#pragma once

#include <cstddef>

namespace sockctl {

// Normalizes `len` bytes of a kernel struct tcp_info into out[0 ..
// kTcpInfoFieldCount). Returns 1, or 0 when `len` is too short to use.
int FillLinuxTcpInfo(const void* data, size_t len, double* out);

}  // namespace sockctl
