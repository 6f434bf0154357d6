// Census of this process's own TCP sockets (linux/census.cc; none/census.cc
// where the OS has none). The record layout is exported to JS, which reads
// records by these offsets, on every OS alike.
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
// Pinned: a change here must be a deliberate change of the interface
// version, never an accident of a compiler or a new field.
static_assert(sizeof(SocketRecord) == 56, "records are 8-byte aligned");
static_assert(offsetof(SocketRecord, fd) == 0, "fd");
static_assert(offsetof(SocketRecord, family) == 8, "family");
static_assert(offsetof(SocketRecord, state) == 9, "state");
static_assert(offsetof(SocketRecord, local_port) == 10, "local_port");
static_assert(offsetof(SocketRecord, remote_port) == 12, "remote_port");
static_assert(offsetof(SocketRecord, local_address) == 16, "local_address");
static_assert(offsetof(SocketRecord, remote_address) == 32, "remote_address");
static_assert(offsetof(SocketRecord, receive_queue) == 48, "receive_queue");
static_assert(offsetof(SocketRecord, send_queue) == 52, "send_queue");

// How the census asks the kernel (linux/census.cc says what each costs).
enum class CensusMethod { kAuto = 0, kDump = 1, kDescriptor = 2 };

extern const bool kHasCensus;
int ListSockets(uint32_t os_states, bool with_info, CensusMethod method,
                std::vector<uint8_t>* out);

}  // namespace sockctl
