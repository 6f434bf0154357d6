// TCP info on Windows: WSAIoctl(SIO_TCP_INFO), normalized.
//
// The ioctl takes the struct version as input and refuses a version it does
// not know with WSAEINVAL, so ask for the newest first: v2 (Windows 11), v1
// (10 1809), v0 (10 1703). Where it is missing altogether (older Windows,
// Wine 8: WSAEOPNOTSUPP) the state alone still comes from the system's TCP
// table (GetTcpTable, GetTcp6Table), by the socket's endpoints; every other
// slot stays NaN.
#include "../tcp_info.h"

#include "../sockopt.h"
#include "errors.h"
#include "winsock.h"
// needs windows.h first
#include <iphlpapi.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

namespace sockctl {

namespace {

// _WSAIORW(IOC_VENDOR, 39). SDK headers define SIO_TCP_INFO and the structs
// only when targeting Windows 10 1703 or later; a binary built for older
// targets must still read them where they exist, so carry our own copies of
// the documented layout (mstcpip.h).
constexpr DWORD kSioTcpInfo = 0xD8000027;

#define SOCKCTL_TCP_INFO_V0     \
  int32_t State; /* TCPSTATE */ \
  ULONG Mss;                    \
  ULONG64 ConnectionTimeMs;     \
  BOOLEAN TimestampsEnabled;    \
  ULONG RttUs;                  \
  ULONG MinRttUs;               \
  ULONG BytesInFlight;          \
  ULONG Cwnd;                   \
  ULONG SndWnd;                 \
  ULONG RcvWnd;                 \
  ULONG RcvBuf;                 \
  ULONG64 BytesOut;             \
  ULONG64 BytesIn;              \
  ULONG BytesReordered;         \
  ULONG BytesRetrans;           \
  ULONG FastRetrans;            \
  ULONG DupAcksIn;              \
  ULONG TimeoutEpisodes;        \
  UCHAR SynRetrans;
#define SOCKCTL_TCP_INFO_V1 /* times in ms */ \
  ULONG SndLimTransRwin;                      \
  ULONG SndLimTimeRwin;                       \
  ULONG64 SndLimBytesRwin;                    \
  ULONG SndLimTransCwnd;                      \
  ULONG SndLimTimeCwnd;                       \
  ULONG64 SndLimBytesCwnd;                    \
  ULONG SndLimTransSnd;                       \
  ULONG SndLimTimeSnd;                        \
  ULONG64 SndLimBytesSnd;
#define SOCKCTL_TCP_INFO_V2 \
  ULONG OutOfOrderPktsIn;   \
  BOOLEAN EcnNegotiated;    \
  ULONG EceAcksIn;          \
  ULONG PtoEpisodes;

struct TcpInfoV0 {
  SOCKCTL_TCP_INFO_V0
};
struct TcpInfoV1 {
  SOCKCTL_TCP_INFO_V0
  SOCKCTL_TCP_INFO_V1
};
struct TcpInfoV2 {
  SOCKCTL_TCP_INFO_V0
  SOCKCTL_TCP_INFO_V1
  SOCKCTL_TCP_INFO_V2
};
#undef SOCKCTL_TCP_INFO_V0
#undef SOCKCTL_TCP_INFO_V1
#undef SOCKCTL_TCP_INFO_V2

// The x64 sizes of the SDK's TCP_INFO_v0, _v1 and _v2.
static_assert(sizeof(TcpInfoV0) == 88, "TCP_INFO_v0");
static_assert(sizeof(TcpInfoV1) == 136, "TCP_INFO_v1");
static_assert(sizeof(TcpInfoV2) == 152, "TCP_INFO_v2");
static_assert(offsetof(TcpInfoV2, SndLimTransRwin) == sizeof(TcpInfoV0), "v1");
static_assert(offsetof(TcpInfoV2, OutOfOrderPktsIn) == sizeof(TcpInfoV1), "v2");

// TCPSTATE: CLOSED 0, LISTEN 1, … ESTABLISHED 4, … TIME_WAIT 10.
constexpr int kTcpStateClosed = 0;
constexpr int kTcpStateListen = 1;
constexpr int kTcpStateEstablished = 4;
constexpr int kTcpStateTimeWait = 10;
// The TCP table counts the same states from 1 (MIB_TCP_STATE), and adds
// DELETE_TCB (12): a connection on its way out, CLOSED to the caller.
static_assert(MIB_TCP_STATE_CLOSED - 1 == kTcpStateClosed, "MIB_TCP_STATE");
static_assert(MIB_TCP_STATE_LISTEN - 1 == kTcpStateListen, "MIB_TCP_STATE");
static_assert(MIB_TCP_STATE_ESTAB - 1 == kTcpStateEstablished, "MIB_TCP_STATE");
static_assert(MIB_TCP_STATE_TIME_WAIT - 1 == kTcpStateTimeWait,
              "MIB_TCP_STATE");

int StateFromTable(DWORD mib_state) {
  if (mib_state < MIB_TCP_STATE_CLOSED || mib_state > MIB_TCP_STATE_TIME_WAIT)
    return kTcpStateClosed;
  return static_cast<int>(mib_state) - 1;
}

int FillFromIoctl(const TcpInfoV2& t, DWORD have, double* out) {
#define HAS(f) (have >= offsetof(TcpInfoV2, f) + sizeof t.f)
#define PUT(slot, f) \
  if (HAS(f)) out[k_##slot] = static_cast<double>(t.f)
  if (!HAS(State)) return 0;
  out[k_rawState] = t.State;
  // Windows reports whether timestamps are on, and no other option
  // (kTcpInfoOptionBits): the TypeScript layer leaves the others unknown.
  if (HAS(TimestampsEnabled))
    out[k_options] = t.TimestampsEnabled ? kOptTimestamps : 0;
  PUT(mss, Mss);
  PUT(connectionTimeMs, ConnectionTimeMs);
  PUT(rttUs, RttUs);
  PUT(minRttUs, MinRttUs);
  PUT(bytesInFlight, BytesInFlight);
  PUT(cwndBytes, Cwnd);
  PUT(sndWndBytes, SndWnd);
  PUT(rcvWndBytes, RcvWnd);
  PUT(bytesSent, BytesOut);
  PUT(bytesReceived, BytesIn);
  PUT(bytesRetrans, BytesRetrans);
  PUT(timeoutEpisodes, TimeoutEpisodes);
  // Time limited by the receiver's window and by the send buffer, in ms.
  if (HAS(SndLimTimeRwin)) out[k_rwndLimitedUs] = 1000.0 * t.SndLimTimeRwin;
  if (HAS(SndLimTimeSnd)) out[k_sndbufLimitedUs] = 1000.0 * t.SndLimTimeSnd;
  PUT(outOfOrderPkts, OutOfOrderPktsIn);
#undef PUT
#undef HAS
  return 1;
}

// The TCP table's port: network order in the low 16 bits, the rest garbage.
bool SamePort(DWORD table_port, u_short port) {
  return static_cast<u_short>(table_port & 0xffff) == port;
}

bool SameRow(const MIB_TCPROW& row, const sockaddr_in& local,
             const sockaddr_in& remote) {
  return row.dwLocalAddr == local.sin_addr.s_addr &&
         SamePort(row.dwLocalPort, local.sin_port) &&
         row.dwRemoteAddr == remote.sin_addr.s_addr &&
         SamePort(row.dwRemotePort, remote.sin_port);
}

bool SameRow(const MIB_TCP6ROW& row, const sockaddr_in6& local,
             const sockaddr_in6& remote) {
  return std::memcmp(&row.LocalAddr, &local.sin6_addr, 16) == 0 &&
         SamePort(row.dwLocalPort, local.sin6_port) &&
         std::memcmp(&row.RemoteAddr, &remote.sin6_addr, 16) == 0 &&
         SamePort(row.dwRemotePort, remote.sin6_port);
}

DWORD GetTable(MIB_TCPTABLE* table, ULONG* size) {
  return GetTcpTable(table, size, FALSE);
}
DWORD GetTable(MIB_TCP6TABLE* table, ULONG* size) {
  return GetTcp6Table(table, size, FALSE);
}
DWORD RowState(const MIB_TCPROW& row) { return row.dwState; }
DWORD RowState(const MIB_TCP6ROW& row) { return row.State; }

// The state of the connection with these endpoints in the system's IPv4 or
// IPv6 TCP table, as a TCPSTATE number, or -1. Live connections have unique
// endpoint pairs, so the row needs no owner: the tables without owning PIDs
// are the cheap ones (Wine, for one, finds each row's owner by walking every
// process's descriptors).
template <typename Table, typename Address>
int ConnectionState(const Address& local, const Address& remote) {
  std::vector<unsigned char> buf(16 * 1024);
  ULONG size = static_cast<ULONG>(buf.size());
  DWORD rc = ERROR_INSUFFICIENT_BUFFER;
  // The table can grow between the sizing call and the next: a few tries.
  for (int tries = 0; tries < 4 && rc == ERROR_INSUFFICIENT_BUFFER; tries++) {
    rc = GetTable(reinterpret_cast<Table*>(buf.data()), &size);
    if (rc == ERROR_INSUFFICIENT_BUFFER) {
      buf.resize(size + 4096);
      size = static_cast<ULONG>(buf.size());
    }
  }
  if (rc != NO_ERROR) return -1;
  const auto* table = reinterpret_cast<const Table*>(buf.data());
  for (DWORD i = 0; i < table->dwNumEntries; i++) {
    if (SameRow(table->table[i], local, remote))
      return StateFromTable(RowState(table->table[i]));
  }
  return -1;
}

// An IPv6 socket talking IPv4 (::ffff:a.b.c.d) may be listed in the IPv4
// table; the same endpoint as IPv4.
bool Unmap(const sockaddr_in6& in, sockaddr_in* out) {
  if (!IN6_IS_ADDR_V4MAPPED(&in.sin6_addr)) return false;
  std::memset(out, 0, sizeof *out);
  out->sin_family = AF_INET;
  out->sin_port = in.sin6_port;
  std::memcpy(&out->sin_addr, &in.sin6_addr.s6_addr[12], 4);
  return true;
}

int StateFromTcpTable(SOCKET s, double* out) {
  sockaddr_storage local, remote;
  int len = sizeof local;
  if (getsockname(s, reinterpret_cast<sockaddr*>(&local), &len) != 0)
    return SocketError(s);
  int listening = 0;
  int rc = GetInt(s, SOL_SOCKET, SO_ACCEPTCONN, &listening);
  if (rc != 0) return rc;
  len = sizeof remote;
  const bool connected =
      getpeername(s, reinterpret_cast<sockaddr*>(&remote), &len) == 0;

  int state = -1;
  if (listening) {
    state = kTcpStateListen;
  } else if (!connected) {
    // Bound, or not even that: no connection, CLOSED in TCP's terms.
    state = kTcpStateClosed;
  } else if (local.ss_family == AF_INET) {
    state = ConnectionState<MIB_TCPTABLE>(
        reinterpret_cast<const sockaddr_in&>(local),
        reinterpret_cast<const sockaddr_in&>(remote));
  } else {
    const auto& l6 = reinterpret_cast<const sockaddr_in6&>(local);
    const auto& r6 = reinterpret_cast<const sockaddr_in6&>(remote);
    state = ConnectionState<MIB_TCP6TABLE>(l6, r6);
    sockaddr_in l4, r4;
    if (state < 0 && Unmap(l6, &l4) && Unmap(r6, &r4))
      state = ConnectionState<MIB_TCPTABLE>(l4, r4);
  }
  if (state < 0) return kUvENOTSUP;
  out[k_rawState] = state;
  return 1;
}

}  // namespace

// TCP_INFO_v0 has TimestampsEnabled and no other option flag. (v2's
// EcnNegotiated is not mapped onto kOptEcn yet.)
const int kTcpInfoOptionBits = kOptTimestamps;

int GetTcpInfo(fd_t fd, double* out) {
  const SOCKET s = static_cast<SOCKET>(fd);
  for (int i = 0; i < kTcpInfoFieldCount; i++) out[i] = NAN;

  TcpInfoV2 info;
  const DWORD sizes[] = {sizeof(TcpInfoV0), sizeof(TcpInfoV1),
                         sizeof(TcpInfoV2)};
  for (DWORD version = 2;; version--) {
    std::memset(&info, 0, sizeof info);
    DWORD returned = 0;
    if (WSAIoctl(s, kSioTcpInfo, &version, sizeof version, &info,
                 sizes[version], &returned, nullptr, nullptr) == 0)
      return FillFromIoctl(info, returned, out);
    int error = SocketError(s);
    if (error != kUvEINVAL && error != kUvENOTSUP) return error;
    if (version == 0) break;
  }

  // No ioctl here, or it does not take this socket. Anything but TCP is
  // refused with ENOTSUP, as Linux refuses TCP_INFO on UDP.
  int type = 0;
  int rc = GetInt(fd, SOL_SOCKET, SO_TYPE, &type);
  if (rc != 0) return rc;
  if (type != SOCK_STREAM) return kUvENOTSUP;
  return StateFromTcpTable(s, out);
}

}  // namespace sockctl
