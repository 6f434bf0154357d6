// Census of this process's own TCP sockets (linux/census.cc; none/census.cc
// where the OS has none).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sockctl {

// IPv4 and IPv6 sockets in the states whose bits are set in `os_states`
// (bit n = the OS's state number n). One SocketRecord per socket is
// appended to *out, each followed by kTcpInfoFieldCount doubles when
// `with_info`. Returns the number of records, or a negative error.
// kHasCensus is false where the OS has none.
struct SocketRecord {
  int32_t fd;
  uint32_t inode;
  uint8_t family;  // 4 or 6
  uint8_t state;   // the OS's own number
  uint16_t local_port;
  uint16_t remote_port;
  uint16_t pad;
  uint8_t local_address[16];  // IPv4 in the first 4 bytes
  uint8_t remote_address[16];
  uint32_t receive_queue;
  uint32_t send_queue;
};
static_assert(sizeof(SocketRecord) == 56, "records are 8-byte aligned");

extern const bool kHasCensus;
int ListSockets(uint32_t os_states, bool with_info, std::vector<uint8_t>* out);

}  // namespace sockctl
