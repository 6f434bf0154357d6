// Linux, macOS and the BSDs: thin calls to getsockopt/setsockopt.
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sockopt.h"

namespace sockctl {

namespace {

// Apple's SO_LINGER counts clock ticks; SO_LINGER_SEC takes seconds like
// everyone else's SO_LINGER.
#ifdef SO_LINGER_SEC
constexpr int kLingerOption = SO_LINGER_SEC;
#else
constexpr int kLingerOption = SO_LINGER;
#endif

// Apple has no SOCK_CLOEXEC; OpenBound sets FD_CLOEXEC with fcntl there.
#ifdef SOCK_CLOEXEC
constexpr int kSockCloexec = SOCK_CLOEXEC;
#else
constexpr int kSockCloexec = 0;
#endif

int Fail() { return -errno; }

}  // namespace

int SetBytes(fd_t fd, int level, int name, const void* data, size_t len) {
  if (setsockopt(static_cast<int>(fd), level, name, data,
                 static_cast<socklen_t>(len)) != 0)
    return Fail();
  return 0;
}

int GetBytes(fd_t fd, int level, int name, void* data, size_t* len) {
  socklen_t n = static_cast<socklen_t>(*len);
  if (getsockopt(static_cast<int>(fd), level, name, data, &n) != 0)
    return Fail();
  *len = n;
  return 0;
}

int SetLinger(fd_t fd, bool enabled, int seconds) {
  struct linger l = {};
  l.l_onoff = enabled ? 1 : 0;
  l.l_linger = seconds;
  return SetBytes(fd, SOL_SOCKET, kLingerOption, &l, sizeof l);
}

int GetLinger(fd_t fd, bool* enabled, int* seconds) {
  struct linger l = {};
  size_t len = sizeof l;
  int rc = GetBytes(fd, SOL_SOCKET, kLingerOption, &l, &len);
  if (rc != 0) return rc;
  if (len < sizeof l) return -EINVAL;
  *enabled = l.l_onoff != 0;
  *seconds = l.l_linger;
  return 0;
}

int Close(fd_t fd) {
  if (close(static_cast<int>(fd)) != 0) return Fail();
  return 0;
}

namespace {

// The address a BindRequest names, as a sockaddr.
bool Endpoint(const BindRequest& req, sockaddr_storage* ss, socklen_t* len) {
  *ss = {};
  if (req.ipv6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(req.port));
    a->sin6_scope_id = req.scope_id;
    *len = sizeof *a;
    return inet_pton(AF_INET6, req.address, &a->sin6_addr) == 1;
  }
  auto* a = reinterpret_cast<sockaddr_in*>(ss);
  a->sin_family = AF_INET;
  a->sin_port = htons(static_cast<uint16_t>(req.port));
  *len = sizeof *a;
  return inet_pton(AF_INET, req.address, &a->sin_addr) == 1;
}

}  // namespace

int Bind(fd_t fd, const BindRequest& req) {
  sockaddr_storage ss;
  socklen_t sslen = 0;
  if (!Endpoint(req, &ss, &sslen)) return -EINVAL;
  if (bind(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&ss), sslen) != 0)
    return Fail();
  return 0;
}

int64_t OpenBound(const BindRequest& req, const char** syscall) {
  sockaddr_storage ss = {};
  socklen_t sslen = 0;
  if (req.address != nullptr && !Endpoint(req, &ss, &sslen)) {
    *syscall = "inet_pton";
    return -EINVAL;
  }

  *syscall = "socket";
  int fd = socket(req.ipv6 ? AF_INET6 : AF_INET,
                  (req.udp ? SOCK_DGRAM : SOCK_STREAM) | kSockCloexec, 0);
  if (fd < 0) return Fail();

  int rc = 0;
  *syscall = "fcntl";
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) rc = Fail();
  if (rc == 0) *syscall = "setsockopt";
  if (rc == 0 && req.reuse_address)
    rc = SetInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  if (rc == 0 && req.reuse_port) rc = SetInt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
  if (rc == 0 && req.ipv6 && req.ipv6_only >= 0)
    rc = SetInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, req.ipv6_only);
  if (rc == 0 && req.address != nullptr) {
    *syscall = "bind";
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), sslen) != 0) rc = Fail();
  }

  if (rc != 0) {
    close(fd);
    return rc;
  }
  *syscall = "";
  return fd;
}

const int kErrInvalid = -EINVAL;

int DescribeSocket(fd_t fd, int* family, int* stage) {
  const int s = static_cast<int>(fd);
  sockaddr_storage ss = {};
  socklen_t len = sizeof ss;
  if (getsockname(s, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return Fail();
  *family = ss.ss_family == AF_INET ? 4 : ss.ss_family == AF_INET6 ? 6 : 0;
#ifdef __linux__
  // A dual-stack socket bound to an IPv4-mapped address carries IPv4: its
  // IP_TOS, not IPV6_TCLASS, marks the packets (Linux takes IPPROTO_IP
  // options on an AF_INET6 socket for this).
  if (ss.ss_family == AF_INET6 &&
      IN6_IS_ADDR_V4MAPPED(&reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr))
    *family = 4;
#endif
  // Bound: a port, or an address without one (IP_BIND_ADDRESS_NO_PORT
  // leaves the port to connect). Only a wildcard bind without a port looks
  // like no bind at all.
  bool bound = false;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    bound = a->sin_port != 0 || a->sin_addr.s_addr != htonl(INADDR_ANY);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    bound = a->sin6_port != 0 || !IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr);
  }
  int listening = 0;
  int rc = GetInt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening);
  if (rc != 0) return rc;
  sockaddr_storage peer = {};
  len = sizeof peer;
  // A connect(2) still in flight reads as bound: the kernel names no peer
  // before the handshake ends.
  int type = 0;
  if (getpeername(s, reinterpret_cast<sockaddr*>(&peer), &len) == 0)
    // A connected UDP socket only has a default peer: what may be set
    // before connect still works on it, so it counts as bound.
    *stage = GetInt(fd, SOL_SOCKET, SO_TYPE, &type) == 0 && type == SOCK_DGRAM
                 ? kBound
                 : kConnected;
  else if (listening)
    *stage = kListening;
  else
    *stage = bound ? kBound : kUnbound;
  return 0;
}

int InterfaceIndex(const char* name, unsigned* index) {
  *index = if_nametoindex(name);
  return *index != 0 ? 0 : -ENODEV;
}

int InterfaceName(unsigned index, char* name, size_t size) {
  if (size < IF_NAMESIZE) return -EINVAL;
  return if_indextoname(index, name) != nullptr ? 0 : Fail();
}

// Windows' ioctl only.
int SetKeepAliveVals(fd_t, int, int) { return -ENOSYS; }

// Node hands out the descriptor itself here; there is nothing to search.
int64_t FindSocket(const SocketQuery&) { return -ENOSYS; }

}  // namespace sockctl
