// The numeric constants a POSIX platform defines, for the raw
// getsockopt/setsockopt API. Only what the platform has: a name missing
// here is an option this OS does not know.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "sockopt.h"

namespace sockctl {

// clang-format off
#define C(name) {#name, name},
const Constant kConstants[] = {
  C(AF_INET) C(AF_INET6) C(SOCK_STREAM) C(SOCK_DGRAM)
  C(SOL_SOCKET) C(IPPROTO_IP) C(IPPROTO_IPV6) C(IPPROTO_TCP) C(IPPROTO_UDP)

  C(SO_ACCEPTCONN) C(SO_BROADCAST) C(SO_DEBUG) C(SO_DONTROUTE) C(SO_ERROR)
  C(SO_KEEPALIVE) C(SO_LINGER) C(SO_OOBINLINE) C(SO_RCVBUF) C(SO_RCVLOWAT)
  C(SO_RCVTIMEO) C(SO_REUSEADDR) C(SO_REUSEPORT) C(SO_SNDBUF) C(SO_SNDLOWAT)
  C(SO_SNDTIMEO) C(SO_TYPE)

  C(TCP_NODELAY) C(TCP_MAXSEG) C(TCP_KEEPINTVL) C(TCP_KEEPCNT)
  C(TCP_NOTSENT_LOWAT)

  C(IP_TOS) C(IP_TTL) C(IP_MULTICAST_TTL) C(IP_MULTICAST_LOOP)
  C(IPV6_V6ONLY) C(IPV6_TCLASS) C(IPV6_UNICAST_HOPS) C(IPV6_MULTICAST_HOPS)

#ifdef __linux__
  C(SO_BINDTODEVICE) C(SO_BUSY_POLL) C(SO_COOKIE) C(SO_DOMAIN)
  C(SO_INCOMING_CPU) C(SO_MARK) C(SO_PRIORITY) C(SO_PROTOCOL)

  C(TCP_CONGESTION) C(TCP_CORK) C(TCP_DEFER_ACCEPT) C(TCP_FASTOPEN)
  C(TCP_FASTOPEN_CONNECT) C(TCP_INFO) C(TCP_KEEPIDLE) C(TCP_LINGER2)
  C(TCP_QUICKACK) C(TCP_SYNCNT) C(TCP_USER_TIMEOUT) C(TCP_WINDOW_CLAMP)

  C(IP_BIND_ADDRESS_NO_PORT) C(IP_FREEBIND) C(IP_MTU_DISCOVER)
  C(IP_TRANSPARENT)
#endif

#ifdef __APPLE__
  C(SO_LINGER_SEC) C(SO_NOSIGPIPE)
  C(TCP_KEEPALIVE) C(TCP_CONNECTION_INFO) C(TCP_FASTOPEN)
  C(TCP_CONNECTIONTIMEOUT) C(TCP_RXT_CONNDROPTIME)
  C(IP_BOUND_IF) C(IPV6_BOUND_IF)
#endif
};
#undef C
// clang-format on

const size_t kConstantCount = sizeof kConstants / sizeof kConstants[0];

}  // namespace sockctl
