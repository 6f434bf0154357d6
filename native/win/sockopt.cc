// Socket options on Windows: thin calls to Winsock.
#include "../sockopt.h"

#include "errors.h"
#include "winsock.h"
// needs winsock2.h first
#include <mstcpip.h>

namespace sockctl {

const int kErrInvalid = kUvEINVAL;

int SetBytes(fd_t fd, int level, int name, const void* data, size_t len) {
  if (setsockopt(Sock(fd), level, name, static_cast<const char*>(data),
                 static_cast<int>(len)) != 0)
    return SocketError(Sock(fd));
  return 0;
}

int GetBytes(fd_t fd, int level, int name, void* data, size_t* len) {
  int n = static_cast<int>(*len);
  if (getsockopt(Sock(fd), level, name, static_cast<char*>(data), &n) != 0)
    return SocketError(Sock(fd));
  *len = n < 0 ? 0 : static_cast<size_t>(n);
  return 0;
}

// Winsock's struct linger holds u_shorts: at most 65535 seconds.
int SetLinger(fd_t fd, bool enabled, int seconds) {
  if (seconds < 0 || seconds > 0xffff) return kUvEINVAL;
  linger l = {};
  l.l_onoff = enabled ? 1 : 0;
  l.l_linger = static_cast<u_short>(seconds);
  return SetBytes(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

int GetLinger(fd_t fd, bool* enabled, int* seconds) {
  linger l = {};
  size_t len = sizeof l;
  int rc = GetBytes(fd, SOL_SOCKET, SO_LINGER, &l, &len);
  if (rc != 0) return rc;
  if (len < sizeof l) return kUvEINVAL;
  *enabled = l.l_onoff != 0;
  *seconds = l.l_linger;
  return 0;
}

// Windows has no option that binds a TCP socket to an interface by name.
int InterfaceIndex(const char*, unsigned*) { return kUvENOTSUP; }
int InterfaceName(unsigned, char*, size_t) { return kUvENOTSUP; }

// The one keepalive control of Windows before build 1709 (TCP_KEEPIDLE and
// TCP_KEEPINTVL came then): both times at once, in ms, and it turns
// keepalive on. It cannot be read back.
int SetKeepAliveVals(fd_t fd, int idle_ms, int interval_ms) {
  tcp_keepalive vals = {};
  vals.onoff = 1;
  vals.keepalivetime = static_cast<ULONG>(idle_ms);
  vals.keepaliveinterval = static_cast<ULONG>(interval_ms);
  DWORD returned = 0;
  if (WSAIoctl(Sock(fd), SIO_KEEPALIVE_VALS, &vals, sizeof vals, nullptr, 0,
               &returned, nullptr, nullptr) != 0)
    return SocketError(Sock(fd));
  return 0;
}

}  // namespace sockctl
