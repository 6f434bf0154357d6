// Windows: thin calls to Winsock. A SOCKET travels as fd_t.
//
// No WSAStartup here. libuv starts Winsock while Node initialises its event
// loop, before any addon can be loaded, and never stops it, so every SOCKET
// this file sees lives in a process where Winsock is up. A second, reference-
// counted WSAStartup would be harmless but could not go in the DLL's load
// path (Winsock may load provider DLLs, which DllMain must not do) and would
// guard against nothing that can happen in Node.
#include <winsock2.h>
#include <ws2tcpip.h>
// after winsock2.h, or windows.h pulls in the old winsock.h
#include <windows.h>
// needs winsock2.h first
#include <mstcpip.h>

#include <cstring>

#include "sockopt.h"
#include "sockopt_win.h"

namespace sockctl {

int FromWindowsError(int error) {
  // What the calls in the Windows files can fail with; libuv's own table
  // (uv_translate_sys_error) has no entry for WSAENOPROTOOPT, WSAEOPNOTSUPP
  // or WSAEBADF and would call them UNKNOWN.
  static const struct {
    int windows;
    int uv;
  } kTable[] = {
      {WSAEBADF, kUvEBADF},
      {ERROR_INVALID_HANDLE, kUvEBADF},
      {WSAEACCES, kUvEACCES},
      {WSAEFAULT, kUvEFAULT},
      {WSAEINVAL, kUvEINVAL},
      {ERROR_INVALID_PARAMETER, kUvEINVAL},
      {WSAEMFILE, kUvEMFILE},
      {WSAEWOULDBLOCK, kUvEAGAIN},
      {WSAEALREADY, kUvEALREADY},
      {WSAENOTSOCK, kUvENOTSOCK},
      {WSAEMSGSIZE, kUvEMSGSIZE},
      {WSAEPROTOTYPE, kUvEPROTOTYPE},
      {WSAENOPROTOOPT, kUvENOPROTOOPT},
      {WSAEPROTONOSUPPORT, kUvEPROTONOSUPPORT},
      {WSAESOCKTNOSUPPORT, kUvESOCKTNOSUPPORT},
      {WSAEOPNOTSUPP, kUvENOTSUP},
      {ERROR_NOT_SUPPORTED, kUvENOTSUP},
      {WSAEAFNOSUPPORT, kUvEAFNOSUPPORT},
      {WSAEADDRINUSE, kUvEADDRINUSE},
      {WSAEADDRNOTAVAIL, kUvEADDRNOTAVAIL},
      {WSAENETDOWN, kUvENETDOWN},
      {WSAENETUNREACH, kUvENETUNREACH},
      {WSAEHOSTUNREACH, kUvEHOSTUNREACH},
      {WSAECONNREFUSED, kUvECONNREFUSED},
      {WSAETIMEDOUT, kUvETIMEDOUT},
      {WSAENOBUFS, kUvENOBUFS},
      {WSAEISCONN, kUvEISCONN},
      {WSAENOTCONN, kUvENOTCONN},
      {ERROR_NOT_ENOUGH_MEMORY, kUvENOMEM},
      {ERROR_OUTOFMEMORY, kUvENOMEM},
  };
  for (const auto& entry : kTable) {
    if (entry.windows == error) return entry.uv;
  }
  return kUvUNKNOWN;
}

namespace {

bool IsOpenHandle(SOCKET s) {
  DWORD flags = 0;
  return GetHandleInformation(reinterpret_cast<HANDLE>(s), &flags) != 0;
}

SOCKET Sock(fd_t fd) { return static_cast<SOCKET>(fd); }

// An IPv4 or IPv6 endpoint from a numeric literal and a port.
bool Endpoint(bool ipv6, const char* address, int port, sockaddr_storage* ss,
              int* len) {
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

// Family, address and port; an IPv6 scope does not tell sockets apart.
bool SameEndpoint(const sockaddr_storage& a, const sockaddr_storage& b) {
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

}  // namespace

int SocketError(SOCKET s) {
  // Read the error before anything else can overwrite it.
  int error = WSAGetLastError();
  if (error == WSAENOTSOCK && !IsOpenHandle(s)) return kUvEBADF;
  return FromWindowsError(error);
}

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

const int kErrInvalid = kUvEINVAL;

int DescribeSocket(fd_t fd, int* family, int* stage) {
  WSAPROTOCOL_INFOW info = {};
  int len = sizeof info;
  if (getsockopt(Sock(fd), SOL_SOCKET, SO_PROTOCOL_INFOW,
                 reinterpret_cast<char*>(&info), &len) != 0)
    return SocketError(Sock(fd));
  *family = info.iAddressFamily == AF_INET    ? 4
            : info.iAddressFamily == AF_INET6 ? 6
                                              : 0;
  sockaddr_storage ss = {};
  len = sizeof ss;
  // Winsock answers WSAEINVAL for a socket that is not bound yet.
  if (getsockname(Sock(fd), reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    if (WSAGetLastError() != WSAEINVAL) return SocketError(Sock(fd));
    *stage = kUnbound;
    return 0;
  }
  BOOL listening = FALSE;
  len = sizeof listening;
  if (getsockopt(Sock(fd), SOL_SOCKET, SO_ACCEPTCONN,
                 reinterpret_cast<char*>(&listening), &len) != 0)
    return SocketError(Sock(fd));
  sockaddr_storage peer = {};
  len = sizeof peer;
  int type = 0;
  if (getpeername(Sock(fd), reinterpret_cast<sockaddr*>(&peer), &len) == 0)
    // A connected UDP socket only has a default peer: what may be set
    // before connect still works on it, so it counts as bound.
    *stage = GetInt(fd, SOL_SOCKET, SO_TYPE, &type) == 0 && type == SOCK_DGRAM
                 ? kBound
                 : kConnected;
  else
    *stage = listening ? kListening : kBound;
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

int Close(fd_t fd) {
  if (closesocket(Sock(fd)) != 0) return SocketError(Sock(fd));
  return 0;
}

int Bind(fd_t fd, const BindRequest& req) {
  sockaddr_storage ss;
  int sslen = 0;
  if (!Endpoint(req.ipv6, req.address, req.port, &ss, &sslen)) return kUvEINVAL;
  if (req.ipv6)
    reinterpret_cast<sockaddr_in6*>(&ss)->sin6_scope_id = req.scope_id;
  if (bind(Sock(fd), reinterpret_cast<sockaddr*>(&ss), sslen) != 0)
    return SocketError(Sock(fd));
  return 0;
}

int64_t OpenBound(const BindRequest& req, const char** syscall) {
  sockaddr_storage ss;
  int sslen = 0;
  if (req.address != nullptr &&
      !Endpoint(req.ipv6, req.address, req.port, &ss, &sslen)) {
    *syscall = "inet_pton";
    return kUvEINVAL;
  }
  if (req.ipv6)
    reinterpret_cast<sockaddr_in6*>(&ss)->sin6_scope_id = req.scope_id;
  // There is no SO_REUSEPORT; the TypeScript layer refuses it first.
  if (req.reuse_port) {
    *syscall = "setsockopt";
    return kUvENOTSUP;
  }

  *syscall = "socket";
  // Overlapped, as every socket libuv makes; not inherited by children, as
  // SOCK_CLOEXEC on POSIX.
  SOCKET s = WSASocketW(req.ipv6 ? AF_INET6 : AF_INET,
                        req.udp ? SOCK_DGRAM : SOCK_STREAM, 0, nullptr, 0,
                        WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) return FromWindowsError(WSAGetLastError());

  int rc = 0;
  *syscall = "setsockopt";
  if (req.reuse_address) rc = SetInt(s, SOL_SOCKET, SO_REUSEADDR, 1);
  if (rc == 0 && req.ipv6 && req.ipv6_only >= 0)
    rc = SetInt(s, IPPROTO_IPV6, IPV6_V6ONLY, req.ipv6_only);
  if (rc == 0 && req.address != nullptr) {
    *syscall = "bind";
    if (bind(s, reinterpret_cast<sockaddr*>(&ss), sslen) != 0)
      rc = SocketError(s);
  }

  if (rc != 0) {
    closesocket(s);
    return rc;
  }
  *syscall = "";
  return static_cast<int64_t>(s);
}

namespace {

// Does `s` have these endpoints, and no peer when `remote` is null (then a
// TCP socket must be listening)?
bool Matches(SOCKET s, const SocketQuery& q, const sockaddr_storage& local,
             const sockaddr_storage* remote) {
  sockaddr_storage got;
  int len = sizeof got;
  if (getsockname(s, reinterpret_cast<sockaddr*>(&got), &len) != 0 ||
      !SameEndpoint(got, local))
    return false;
  int type = 0;
  if (GetInt(s, SOL_SOCKET, SO_TYPE, &type) != 0 ||
      type != (q.udp ? SOCK_DGRAM : SOCK_STREAM))
    return false;
  len = sizeof got;
  if (getpeername(s, reinterpret_cast<sockaddr*>(&got), &len) == 0)
    return remote != nullptr && SameEndpoint(got, *remote);
  if (remote != nullptr || WSAGetLastError() != WSAENOTCONN) return false;
  if (q.udp) return true;
  int listening = 0;
  return GetInt(s, SOL_SOCKET, SO_ACCEPTCONN, &listening) == 0 &&
         listening != 0;
}

// Handle values are multiples of 4. Past the last open handle the scan goes
// on this far before it stops: room for handles other threads open
// meanwhile, without walking the empty rest of the table. It never stops
// before it has seen as many handles as the process had when it started
// (Wine reports 0 for that count; its handle table is dense).
constexpr uintptr_t kScanTail = 4 * 4096;
// Never past this, whatever the handle count says: a million handles.
constexpr uintptr_t kScanLimit = uintptr_t{4} << 20;

}  // namespace

// Walks the handle table: GetHandleInformation (handle table only, no I/O)
// skips unused values; GetFileType skips files, consoles and non-file
// objects (a socket reports FILE_TYPE_PIPE); the standard handles are never
// probed. Only what is left gets Winsock calls, because Winsock queries a
// handle it does not know with an I/O control, and on a synchronous pipe that
// waits for any read pending on it — the standard handles are where such
// pipes live. Cost: one GetHandleInformation per handle value up to the
// highest open handle (plus the tail when nothing matches), and a few
// Winsock calls per pipe or socket: 1 to 10 ms for a test process under
// Wine, where each of those calls is a round trip to wineserver, and far less
// on Windows. lib/target.ts caches the result per Node handle.
int64_t FindSocket(const SocketQuery& q) {
  sockaddr_storage local, remote;
  int len = 0;
  if (!Endpoint(q.ipv6, q.local_address, q.local_port, &local, &len))
    return kUvEINVAL;
  if (q.remote_address != nullptr &&
      !Endpoint(q.ipv6, q.remote_address, q.remote_port, &remote, &len))
    return kUvEINVAL;

  DWORD open = 0;
  if (!GetProcessHandleCount(GetCurrentProcess(), &open))
    return FromWindowsError(GetLastError());
  const HANDLE standard[] = {GetStdHandle(STD_INPUT_HANDLE),
                             GetStdHandle(STD_OUTPUT_HANDLE),
                             GetStdHandle(STD_ERROR_HANDLE)};

  DWORD seen = 0;
  uintptr_t last = 0;
  for (uintptr_t value = 4; value < kScanLimit; value += 4) {
    HANDLE h = reinterpret_cast<HANDLE>(value);
    DWORD flags = 0;
    if (!GetHandleInformation(h, &flags)) {
      if (seen >= open && value > last + kScanTail) break;
      continue;
    }
    seen++;
    last = value;
    if (h == standard[0] || h == standard[1] || h == standard[2]) continue;
    if (GetFileType(h) != FILE_TYPE_PIPE) continue;
    if (Matches(static_cast<SOCKET>(value), q, local,
                q.remote_address != nullptr ? &remote : nullptr))
      return static_cast<int64_t>(value);
  }
  return kUvEBADF;
}

}  // namespace sockctl
