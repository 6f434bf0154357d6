// Sockets on Linux, macOS and the BSDs.
#include "../socket.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "../same_endpoint.h"
#include "../sockopt.h"

namespace sockctl {

namespace {

// Apple has no SOCK_CLOEXEC; OpenSocket sets FD_CLOEXEC with fcntl there.
#ifdef SOCK_CLOEXEC
constexpr int kSockCloexec = SOCK_CLOEXEC;
#else
constexpr int kSockCloexec = 0;
#endif

// The address a BindAddress names, as a sockaddr.
bool Endpoint(const BindAddress& where, sockaddr_storage* ss, socklen_t* len) {
  *ss = {};
  if (where.ipv6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(where.port));
    a->sin6_scope_id = where.scope_id;
    *len = sizeof *a;
    return inet_pton(AF_INET6, where.address, &a->sin6_addr) == 1;
  }
  auto* a = reinterpret_cast<sockaddr_in*>(ss);
  a->sin_family = AF_INET;
  a->sin_port = htons(static_cast<uint16_t>(where.port));
  *len = sizeof *a;
  return inet_pton(AF_INET, where.address, &a->sin_addr) == 1;
}

// Bound: a port, or an address without one (IP_BIND_ADDRESS_NO_PORT leaves
// the port to connect). Only a wildcard bind without a port looks like no
// bind at all.
bool HasLocalEnd(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    return a->sin_port != 0 || a->sin_addr.s_addr != htonl(INADDR_ANY);
  }
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    return a->sin6_port != 0 || !IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr);
  }
  return false;
}

#ifdef __linux__
constexpr int kIpprotoMptcp = 262;  // IPPROTO_MPTCP, Linux 5.6; older
                                    // headers lack the name
#endif

int FamilyOf(const sockaddr_storage& ss) {
#ifdef __linux__
  // A dual-stack socket bound to an IPv4-mapped address carries IPv4: its
  // IP_TOS, not IPV6_TCLASS, marks the packets (Linux takes IPPROTO_IP
  // options on an AF_INET6 socket for this).
  if (ss.ss_family == AF_INET6 &&
      IN6_IS_ADDR_V4MAPPED(
          &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr))
    return 4;
#endif
  return ss.ss_family == AF_INET ? 4 : ss.ss_family == AF_INET6 ? 6 : 0;
}

}  // namespace

int64_t OpenSocket(bool udp, bool ipv6, const char** syscall) {
  *syscall = "socket";
  int fd = socket(ipv6 ? AF_INET6 : AF_INET,
                  (udp ? SOCK_DGRAM : SOCK_STREAM) | kSockCloexec, 0);
  if (fd < 0) return -errno;
  *syscall = "fcntl";
  // Only where socket() could not set it itself: a system call a socket.
  if (kSockCloexec == 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    int rc = -errno;
    close(fd);
    return rc;
  }
  *syscall = "";
  return fd;
}

int Bind(fd_t fd, const BindAddress& where) {
  sockaddr_storage ss;
  socklen_t sslen = 0;
  if (!Endpoint(where, &ss, &sslen)) return -EINVAL;
  if (bind(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&ss), sslen) != 0)
    return -errno;
  return 0;
}

int Close(fd_t fd) {
  if (close(static_cast<int>(fd)) != 0) return -errno;
  return 0;
}

int DescribeSocket(fd_t fd, SocketFacts* facts) {
  const int s = static_cast<int>(fd);
  sockaddr_storage ss = {};
  socklen_t len = sizeof ss;
  if (getsockname(s, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return -errno;
  facts->family = FamilyOf(ss);
  facts->bound = HasLocalEnd(ss);
  int type = 0, listening = 0;
  int rc = GetInt(fd, SOL_SOCKET, SO_TYPE, &type);
  if (rc == 0) rc = GetInt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening);
  if (rc != 0) return rc;
  facts->datagram = type == SOCK_DGRAM;
  facts->listening = listening != 0;
  // A connect(2) still in flight has no peer yet: the kernel names none
  // before the handshake ends.
  sockaddr_storage peer = {};
  len = sizeof peer;
  facts->connected =
      getpeername(s, reinterpret_cast<sockaddr*>(&peer), &len) == 0;
  return 0;
}

int IsTcp(fd_t fd, bool* tcp) {
#ifdef __linux__
  // One call: the protocol is TCP (or MPTCP, which takes TCP's options)
  // only for an IPv4 or IPv6 stream socket.
  int protocol = 0;
  int rc = GetInt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol);
  *tcp = rc == 0 && (protocol == IPPROTO_TCP || protocol == kIpprotoMptcp);
  return rc;
#else
  int type = 0;
  int rc = GetInt(fd, SOL_SOCKET, SO_TYPE, &type);
  if (rc != 0) return rc;
  sockaddr_storage ss = {};
  socklen_t len = sizeof ss;
  if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&ss),
                  &len) != 0)
    return -errno;
  *tcp = type == SOCK_STREAM &&
         (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
  return 0;
#endif
}

namespace {

bool Endpoint(bool ipv6, const char* address, int port, sockaddr_storage* ss) {
  BindAddress where = {};
  where.ipv6 = ipv6;
  where.address = address;
  where.port = port;
  socklen_t len = 0;
  return Endpoint(where, ss, &len);
}

// Does `fd` have these endpoints, and no peer when `remote` is null (then a
// TCP socket must be listening)?
bool Matches(int fd, const SocketQuery& q, const sockaddr_storage& local,
             const sockaddr_storage* remote) {
  sockaddr_storage got = {};
  socklen_t len = sizeof got;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&got), &len) != 0 ||
      !SameEndpoint(got, local))
    return false;
  int type = 0;
  if (GetInt(fd, SOL_SOCKET, SO_TYPE, &type) != 0 ||
      type != (q.udp ? SOCK_DGRAM : SOCK_STREAM))
    return false;
  len = sizeof got;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&got), &len) == 0)
    return remote != nullptr && SameEndpoint(got, *remote);
  if (remote != nullptr || errno != ENOTCONN) return false;
  if (q.udp) return true;
  int listening = 0;
  return GetInt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening) == 0 &&
         listening != 0;
}

// The directory that lists this process's open descriptors.
#ifdef __linux__
constexpr const char* kFdDir = "/proc/self/fd";
#else
constexpr const char* kFdDir = "/dev/fd";
#endif

}  // namespace

// For a runtime that hands out no descriptor (Deno): the open descriptors,
// listed by the kernel, each asked for its names (getsockname first: it
// fails at once on anything but a socket). Two sockets with the same
// endpoints (SO_REUSEPORT listeners) are -EEXIST, never a guess. Two
// descriptors of one socket (dup) give the first with kFindShared set: then
// it may be another handle's, and lib/target.ts does not cache it.
int64_t FindSocket(const SocketQuery& q) {
  sockaddr_storage local = {}, remote = {};
  if (!Endpoint(q.ipv6, q.local_address, q.local_port, &local)) return -EINVAL;
  if (q.remote_address != nullptr &&
      !Endpoint(q.ipv6, q.remote_address, q.remote_port, &remote))
    return -EINVAL;
  DIR* dir = opendir(kFdDir);
  if (dir == nullptr) return -errno;
  const int own = dirfd(dir);
  int64_t found = -EBADF;
  bool shared = false;
  struct stat first = {};
  while (const dirent* e = readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == own) continue;
    if (!Matches(static_cast<int>(fd), q, local,
                 q.remote_address != nullptr ? &remote : nullptr))
      continue;
    struct stat st = {};
    if (fstat(static_cast<int>(fd), &st) != 0) continue;
    if (found < 0) {
      found = fd;
      first = st;
    } else if (st.st_ino != first.st_ino || st.st_dev != first.st_dev) {
      found = -EEXIST;
      break;
    } else {
      shared = true;
    }
  }
  closedir(dir);
  return found >= 0 && shared ? found | kFindShared : found;
}

}  // namespace sockctl
