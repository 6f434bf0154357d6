// Sockets themselves: creating, binding, closing, describing and (Windows)
// finding them. posix/socket.cc and win/socket.cc implement it, with
// win/find_socket.cc.
#pragma once

#include <cstdint>

#include "sockctl.h"

namespace sockctl {

// A new TCP or UDP socket, unbound, not inherited by child processes (and
// on Windows overlapped, as libuv's own). Returns the descriptor (>= 0), or
// a negative error with *syscall set to the call that failed; on error
// nothing is left open.
int64_t OpenSocket(bool udp, bool ipv6, const char** syscall);

struct BindAddress {
  bool ipv6;
  const char* address;  // numeric IPv4/IPv6 literal
  uint32_t scope_id;    // IPv6 zone index, 0 if none
  int port;
};
int Bind(fd_t fd, const BindAddress& where);
int Close(fd_t fd);

// What the OS tells about a socket, as it tells it; ops.cc turns these
// facts into the stage the option phases are checked against.
struct SocketFacts {
  // 4, 6, or 0 for anything else: which family's spelling of an option
  // applies (see Op::level6).
  int family;
  bool datagram;
  // Has an address or a port of its own.
  bool bound;
  bool listening;
  // Has a peer: a connected TCP socket, or a UDP socket's default peer.
  bool connected;
};
int DescribeSocket(fd_t fd, SocketFacts* facts);

// Whether the socket is TCP (an IPv4 or IPv6 stream socket), asked with the
// fewest system calls the OS allows: what a TCP-only option checks, so
// cheaper than DescribeSocket.
int IsTcp(fd_t fd, bool* tcp);

// A socket of this process found by its endpoints, for a handle that keeps
// its socket to itself: Node's on Windows (its fd reads -1), and every
// handle of a runtime that hands out no descriptor (Deno). Returns the
// SOCKET or descriptor (>= 0) or a negative error: EBADF when no socket
// matches, EEXIST (POSIX) when two sockets do. A descriptor with
// kFindShared set (POSIX) is one of several of the same socket.
constexpr int64_t kFindShared = int64_t{1} << 30;
struct SocketQuery {
  bool udp;
  bool ipv6;
  const char* local_address;  // numeric IPv4/IPv6 literal
  int local_port;
  // nullptr for a socket without a peer: a TCP listener or an unconnected
  // UDP socket.
  const char* remote_address;
  int remote_port;
};
int64_t FindSocket(const SocketQuery& query);

}  // namespace sockctl
