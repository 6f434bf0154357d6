// Sockets on Windows: thin calls to Winsock.
#include "../socket.h"

#include "endpoint.h"
#include "errors.h"
#include "winsock.h"

namespace sockctl {

namespace {

// Winsock's description of the socket: its family, type and protocol in one
// call.
int ProtocolInfo(fd_t fd, WSAPROTOCOL_INFOW* info) {
  *info = {};
  int len = sizeof *info;
  if (getsockopt(Sock(fd), SOL_SOCKET, SO_PROTOCOL_INFOW,
                 reinterpret_cast<char*>(info), &len) != 0)
    return SocketError(Sock(fd));
  return 0;
}

}  // namespace

int64_t OpenSocket(bool udp, bool ipv6, const char** syscall) {
  *syscall = "socket";
  // Overlapped, as every socket libuv makes; not inherited by children, as
  // SOCK_CLOEXEC on POSIX.
  SOCKET s =
      WSASocketW(ipv6 ? AF_INET6 : AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0,
                 nullptr, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) return FromWindowsError(WSAGetLastError());
  *syscall = "";
  return static_cast<int64_t>(s);
}

int Bind(fd_t fd, const BindAddress& where) {
  sockaddr_storage ss;
  int sslen = 0;
  if (!Endpoint(where.ipv6, where.address, where.port, &ss, &sslen))
    return kUvEINVAL;
  if (where.ipv6)
    reinterpret_cast<sockaddr_in6*>(&ss)->sin6_scope_id = where.scope_id;
  if (bind(Sock(fd), reinterpret_cast<sockaddr*>(&ss), sslen) != 0)
    return SocketError(Sock(fd));
  return 0;
}

int Close(fd_t fd) {
  if (closesocket(Sock(fd)) != 0) return SocketError(Sock(fd));
  return 0;
}

int DescribeSocket(fd_t fd, SocketFacts* facts) {
  WSAPROTOCOL_INFOW info;
  if (int rc = ProtocolInfo(fd, &info); rc != 0) return rc;
  facts->family = info.iAddressFamily == AF_INET    ? 4
                  : info.iAddressFamily == AF_INET6 ? 6
                                                    : 0;
  facts->datagram = info.iSocketType == SOCK_DGRAM;
  sockaddr_storage ss = {};
  int len = sizeof ss;
  // Winsock answers WSAEINVAL for a socket that is not bound yet, and any
  // bound socket has an address: an unbound one neither listens nor has a
  // peer.
  if (getsockname(Sock(fd), reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    if (WSAGetLastError() != WSAEINVAL) return SocketError(Sock(fd));
    facts->bound = facts->listening = facts->connected = false;
    return 0;
  }
  facts->bound = true;
  BOOL listening = FALSE;
  len = sizeof listening;
  if (getsockopt(Sock(fd), SOL_SOCKET, SO_ACCEPTCONN,
                 reinterpret_cast<char*>(&listening), &len) != 0)
    return SocketError(Sock(fd));
  facts->listening = listening != FALSE;
  sockaddr_storage peer = {};
  len = sizeof peer;
  facts->connected =
      getpeername(Sock(fd), reinterpret_cast<sockaddr*>(&peer), &len) == 0;
  return 0;
}

int IsTcp(fd_t fd, bool* tcp) {
  WSAPROTOCOL_INFOW info;
  if (int rc = ProtocolInfo(fd, &info); rc != 0) return rc;
  *tcp = info.iProtocol == IPPROTO_TCP;
  return 0;
}

}  // namespace sockctl
