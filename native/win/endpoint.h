// Numeric IPv4/IPv6 endpoints as sockaddrs, for bind and the socket search.
#pragma once

#include <cstring>

#include "winsock.h"

namespace sockctl {

// An IPv4 or IPv6 endpoint from a numeric literal and a port.
inline bool Endpoint(bool ipv6, const char* address, int port,
                     sockaddr_storage* ss, int* len) {
  std::memset(ss, 0, sizeof *ss);
  if (ipv6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<u_short>(port));
    *len = sizeof *a;
    return inet_pton(AF_INET6, address, &a->sin6_addr) == 1;
  }
  auto* a = reinterpret_cast<sockaddr_in*>(ss);
  a->sin_family = AF_INET;
  a->sin_port = htons(static_cast<u_short>(port));
  *len = sizeof *a;
  return inet_pton(AF_INET, address, &a->sin_addr) == 1;
}

}  // namespace sockctl
