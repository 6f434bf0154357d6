// The numeric constants Winsock defines, for the raw getsockopt/setsockopt
// API. Only what Windows has: there is no SO_REUSEPORT (the TypeScript layer
// reports that as ERR_FEATURE_UNAVAILABLE_ON_PLATFORM), and
// SO_EXCLUSIVEADDRUSE (~SO_REUSEADDR, a negative int) is Windows' own.
#include "../sockopt.h"
#include "winsock.h"
// needs winsock2.h first
#include <mswsock.h>

// Options of Windows 10 that older SDK headers (mingw-w64 10 among them)
// lack; the values are those of the Windows SDK's ws2ipdef.h.
// clang-format off
#ifndef TCP_MAXSEG
#define TCP_MAXSEG 4
#endif
#ifndef TCP_KEEPALIVE
#define TCP_KEEPALIVE 3
#endif
#ifndef TCP_KEEPIDLE
#define TCP_KEEPIDLE TCP_KEEPALIVE
#endif
#ifndef TCP_MAXRT
#define TCP_MAXRT 5
#endif
#ifndef TCP_TIMESTAMPS
#define TCP_TIMESTAMPS 10
#endif
#ifndef TCP_FASTOPEN
#define TCP_FASTOPEN 15
#endif
#ifndef TCP_KEEPCNT
#define TCP_KEEPCNT 16
#endif
#ifndef TCP_KEEPINTVL
#define TCP_KEEPINTVL 17
#endif
#ifndef TCP_FAIL_CONNECT_ON_ICMP_ERROR
#define TCP_FAIL_CONNECT_ON_ICMP_ERROR 18
#endif
#ifndef SO_RANDOMIZE_PORT
#define SO_RANDOMIZE_PORT 0x3005
#endif
#ifndef SO_PORT_SCALABILITY
#define SO_PORT_SCALABILITY 0x3006
#endif
#ifndef SO_REUSE_UNICASTPORT
#define SO_REUSE_UNICASTPORT 0x3007
#endif
// clang-format on

namespace sockctl {

// clang-format off
#define C(name) {#name, name},
const Constant kConstants[] = {
  C(AF_INET) C(AF_INET6) C(SOCK_STREAM) C(SOCK_DGRAM)
  C(SOL_SOCKET) C(IPPROTO_IP) C(IPPROTO_IPV6) C(IPPROTO_TCP) C(IPPROTO_UDP)

  C(SO_ACCEPTCONN) C(SO_BROADCAST) C(SO_DEBUG) C(SO_DONTROUTE) C(SO_ERROR)
  C(SO_KEEPALIVE) C(SO_LINGER) C(SO_OOBINLINE) C(SO_RCVBUF) C(SO_RCVLOWAT)
  C(SO_RCVTIMEO) C(SO_REUSEADDR) C(SO_SNDBUF) C(SO_SNDLOWAT)
  C(SO_SNDTIMEO) C(SO_TYPE)

  C(SO_EXCLUSIVEADDRUSE) C(SO_DONTLINGER) C(SO_CONDITIONAL_ACCEPT)
  C(SO_MAX_MSG_SIZE) C(SO_CONNECT_TIME) C(SO_UPDATE_ACCEPT_CONTEXT)
  C(SO_UPDATE_CONNECT_CONTEXT) C(SO_RANDOMIZE_PORT) C(SO_PORT_SCALABILITY)
  C(SO_REUSE_UNICASTPORT)

  C(TCP_NODELAY) C(TCP_MAXSEG) C(TCP_KEEPIDLE) C(TCP_KEEPINTVL) C(TCP_KEEPCNT)
  C(TCP_KEEPALIVE) C(TCP_MAXRT) C(TCP_TIMESTAMPS) C(TCP_FASTOPEN)
  C(TCP_FAIL_CONNECT_ON_ICMP_ERROR)

  C(IP_TOS) C(IP_TTL) C(IP_MULTICAST_TTL) C(IP_MULTICAST_LOOP)
  C(IP_DONTFRAGMENT) C(IP_UNICAST_IF) C(IP_MTU_DISCOVER) C(IP_MTU)
  C(IPV6_V6ONLY) C(IPV6_TCLASS) C(IPV6_UNICAST_HOPS) C(IPV6_MULTICAST_HOPS)
  C(IPV6_UNICAST_IF) C(IPV6_DONTFRAG) C(IPV6_MTU_DISCOVER) C(IPV6_MTU)
};
#undef C
// clang-format on

const size_t kConstantCount = sizeof kConstants / sizeof kConstants[0];

}  // namespace sockctl
