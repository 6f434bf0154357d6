// Whether two socket names are one endpoint: what the searches by endpoints
// (posix/socket.cc, win/find_socket.cc) compare each socket's names with.
#pragma once

#include <cstring>

#ifdef _WIN32
#include "win/winsock.h"
#else
#include <netinet/in.h>
#include <sys/socket.h>
#endif

namespace sockctl {

// Family, address and port; an IPv6 scope does not tell sockets apart.
inline bool SameEndpoint(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET) {
    const auto& x = reinterpret_cast<const sockaddr_in&>(a);
    const auto& y = reinterpret_cast<const sockaddr_in&>(b);
    return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
  }
  const auto& x = reinterpret_cast<const sockaddr_in6&>(a);
  const auto& y = reinterpret_cast<const sockaddr_in6&>(b);
  return x.sin6_port == y.sin6_port &&
         std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof x.sin6_addr) == 0;
}

}  // namespace sockctl
