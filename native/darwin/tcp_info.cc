// TCP info on macOS: getsockopt(IPPROTO_TCP, TCP_CONNECTION_INFO), normalized.
//
// XNU reports times in milliseconds (rto, srtt, rttvar) and windows in bytes;
// the state uses BSD TCPS_* numbering, which lib/tcp-state.ts names. The
// option bits (TCPCI_OPT_*) have the same values as Linux's TCPI_OPT_*, and
// XNU has only these four: no ECN-seen, no SYN-data bit.
// As on Linux, a field past the length the kernel returned is NaN.
#include "../tcp_info.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace sockctl {

namespace {

static_assert(TCPCI_OPT_TIMESTAMPS == kOptTimestamps &&
                  TCPCI_OPT_SACK == kOptSack &&
                  TCPCI_OPT_WSCALE == kOptWscale && TCPCI_OPT_ECN == kOptEcn,
              "option bits shared with Linux's TCPI_OPT_*");

// XNU starts snd_ssthresh at TCP_MAXWIN << TCP_MAX_WINSHIFT: "no loss yet".
constexpr uint32_t kInitialSsthresh = 65535u << 14;

}  // namespace

const int kTcpInfoOptionBits = kOptTimestamps | kOptSack | kOptWscale | kOptEcn;

int GetTcpInfo(fd_t fd, double* out) {
  tcp_connection_info t = {};
  socklen_t len = sizeof t;
  if (getsockopt(static_cast<int>(fd), IPPROTO_TCP, TCP_CONNECTION_INFO, &t,
                 &len) != 0)
    return -errno;

  for (int i = 0; i < kTcpInfoFieldCount; i++) out[i] = NAN;
  if (len < offsetof(tcp_connection_info, tcpi_flags)) return 0;

  const size_t have = len;
#define HAS(f) (have >= offsetof(tcp_connection_info, f) + sizeof t.f)
#define PUT(slot, f, scale) \
  if (HAS(f)) out[k_##slot] = static_cast<double>(t.f) * (scale)

  out[k_rawState] = t.tcpi_state;
  out[k_sndWscale] = t.tcpi_snd_wscale;
  out[k_rcvWscale] = t.tcpi_rcv_wscale;
  out[k_options] = t.tcpi_options & kTcpInfoOptionBits;
  PUT(rtoUs, tcpi_rto, 1000);
  PUT(mss, tcpi_maxseg, 1);
  PUT(cwndBytes, tcpi_snd_cwnd, 1);
  PUT(sndWndBytes, tcpi_snd_wnd, 1);
  PUT(rcvWndBytes, tcpi_rcv_wnd, 1);
  PUT(rttUs, tcpi_srtt, 1000);
  PUT(rttVarUs, tcpi_rttvar, 1000);
  PUT(segsOut, tcpi_txpackets, 1);
  PUT(bytesSent, tcpi_txbytes, 1);
  PUT(bytesRetrans, tcpi_txretransmitbytes, 1);
  PUT(segsIn, tcpi_rxpackets, 1);
  PUT(bytesReceived, tcpi_rxbytes, 1);
  PUT(totalRetransSegs, tcpi_txretransmitpackets, 1);
  if (HAS(tcpi_snd_ssthresh)) {
    out[k_ssthreshBytes] = t.tcpi_snd_ssthresh >= kInitialSsthresh
                               ? INFINITY
                               : t.tcpi_snd_ssthresh;
  }
#undef PUT
#undef HAS
  return 1;
}

}  // namespace sockctl
