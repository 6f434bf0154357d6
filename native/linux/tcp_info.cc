// TCP_INFO on Linux: the kernel's struct tcp_info, normalized.
//
// The kernel copies min(optlen, its own size) bytes and reports that length.
// A field whose end lies past the returned length does not exist on the
// running kernel and is reported as NaN (undefined in JS), never as 0.
//
// KernelTcpInfo is the uapi layout up to Linux 6.7 (tcpi_total_rto_time,
// 248 bytes). We carry our own copy because distribution headers lag the
// kernels they run on (Debian 12's <linux/tcp.h> stops at tcpi_snd_wnd), and
// a prebuilt binary must read the newest fields wherever the kernel has
// them. The static_asserts tie the copy to the system header.
#include "../tcp_info.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fill_tcp_info.h"

namespace sockctl {

namespace {

struct KernelTcpInfo {
  uint8_t state;
  uint8_t ca_state;
  uint8_t retransmits;
  uint8_t probes;
  uint8_t backoff;
  uint8_t options;
  uint8_t snd_wscale : 4, rcv_wscale : 4;
  uint8_t delivery_rate_app_limited : 1, fastopen_client_fail : 2;

  uint32_t rto;
  uint32_t ato;
  uint32_t snd_mss;
  uint32_t rcv_mss;

  uint32_t unacked;
  uint32_t sacked;
  uint32_t lost;
  uint32_t retrans;
  uint32_t fackets;

  uint32_t last_data_sent;
  uint32_t last_ack_sent;
  uint32_t last_data_recv;
  uint32_t last_ack_recv;

  uint32_t pmtu;
  uint32_t rcv_ssthresh;
  uint32_t rtt;
  uint32_t rttvar;
  uint32_t snd_ssthresh;
  uint32_t snd_cwnd;
  uint32_t advmss;
  uint32_t reordering;

  uint32_t rcv_rtt;
  uint32_t rcv_space;

  uint32_t total_retrans;

  uint64_t pacing_rate;  // 3.15
  uint64_t max_pacing_rate;
  uint64_t bytes_acked;  // 4.1
  uint64_t bytes_received;
  uint32_t segs_out;  // 4.2
  uint32_t segs_in;

  uint32_t notsent_bytes;  // 4.6
  uint32_t min_rtt;
  uint32_t data_segs_in;
  uint32_t data_segs_out;

  uint64_t delivery_rate;  // 4.9

  uint64_t busy_time;  // 4.10
  uint64_t rwnd_limited;
  uint64_t sndbuf_limited;

  uint32_t delivered;  // 4.18
  uint32_t delivered_ce;

  uint64_t bytes_sent;  // 4.19
  uint64_t bytes_retrans;
  uint32_t dsack_dups;
  uint32_t reord_seen;

  uint32_t rcv_ooopack;  // 5.4
  uint32_t snd_wnd;

  uint32_t rcv_wnd;  // 6.2
  uint32_t rehash;

  uint16_t total_rto;  // 6.7
  uint16_t total_rto_recoveries;
  uint32_t total_rto_time;
};

#define SAME_OFFSET(f) \
  static_assert(offsetof(KernelTcpInfo, f) == offsetof(tcp_info, tcpi_##f), #f)
SAME_OFFSET(rto);
SAME_OFFSET(total_retrans);
SAME_OFFSET(pacing_rate);
SAME_OFFSET(bytes_received);
SAME_OFFSET(delivery_rate);
SAME_OFFSET(bytes_sent);
SAME_OFFSET(snd_wnd);
#undef SAME_OFFSET
static_assert(sizeof(KernelTcpInfo) == 248, "uapi struct tcp_info at 6.7");

// Linux's own bits: every one the JS side names.
static_assert(TCPI_OPT_TIMESTAMPS == kOptTimestamps &&
                  TCPI_OPT_SACK == kOptSack && TCPI_OPT_WSCALE == kOptWscale &&
                  TCPI_OPT_ECN == kOptEcn && TCPI_OPT_ECN_SEEN == kOptEcnSeen &&
                  TCPI_OPT_SYN_DATA == kOptSynData,
              "TCPI_OPT_*");

// Linux keeps ssthresh at this value until the first loss: "infinite".
constexpr uint32_t kInfiniteSsthresh = 0x7fffffff;

double Rate(uint64_t bytes_per_sec) {
  return bytes_per_sec == UINT64_MAX ? INFINITY
                                     : static_cast<double>(bytes_per_sec);
}

}  // namespace

const int kTcpInfoOptionBits = kOptTimestamps | kOptSack | kOptWscale |
                               kOptEcn | kOptEcnSeen | kOptSynData;

int FillLinuxTcpInfo(const void* data, size_t len, double* out) {
  for (int i = 0; i < kTcpInfoFieldCount; i++) out[i] = NAN;
  // Less than the first eight bytes (state, options, window scales) is not a
  // real struct tcp_info: qemu-user, for one, copies back a single int.
  if (len < offsetof(KernelTcpInfo, rto)) return 0;

  // Copy into a zeroed struct: `data` may be shorter than ours, and need not
  // be aligned (a netlink attribute).
  KernelTcpInfo t = {};
  std::memcpy(&t, data, len < sizeof t ? len : sizeof t);
  const size_t have = len;
#define HAS(f) (have >= offsetof(KernelTcpInfo, f) + sizeof t.f)
#define PUT(slot, f) \
  if (HAS(f)) out[k_##slot] = static_cast<double>(t.f)

  out[k_rawState] = t.state;
  out[k_caState] = t.ca_state;
  out[k_options] = t.options;
  out[k_sndWscale] = t.snd_wscale;
  out[k_rcvWscale] = t.rcv_wscale;
  out[k_retransmits] = t.retransmits;
  out[k_probes] = t.probes;
  out[k_backoff] = t.backoff;

  PUT(rtoUs, rto);
  PUT(atoUs, ato);
  PUT(mss, snd_mss);
  PUT(rcvMss, rcv_mss);
  PUT(unackedSegs, unacked);
  PUT(sackedSegs, sacked);
  PUT(lostSegs, lost);
  PUT(retransSegs, retrans);
  PUT(lastDataSentMs, last_data_sent);
  PUT(lastDataRecvMs, last_data_recv);
  PUT(lastAckRecvMs, last_ack_recv);
  PUT(pmtu, pmtu);
  PUT(rcvSsthreshBytes, rcv_ssthresh);
  PUT(rttUs, rtt);
  PUT(rttVarUs, rttvar);
  PUT(cwndSegs, snd_cwnd);
  PUT(advMss, advmss);
  PUT(reordering, reordering);
  PUT(rcvRttUs, rcv_rtt);
  PUT(rcvSpaceBytes, rcv_space);
  PUT(totalRetransSegs, total_retrans);
  PUT(bytesAcked, bytes_acked);
  PUT(bytesReceived, bytes_received);
  PUT(segsOut, segs_out);
  PUT(segsIn, segs_in);
  PUT(notSentBytes, notsent_bytes);
  PUT(minRttUs, min_rtt);
  PUT(dataSegsIn, data_segs_in);
  PUT(dataSegsOut, data_segs_out);
  PUT(deliveryRateBytesPerSec, delivery_rate);
  PUT(busyTimeUs, busy_time);
  PUT(rwndLimitedUs, rwnd_limited);
  PUT(sndbufLimitedUs, sndbuf_limited);
  PUT(deliveredSegs, delivered);
  PUT(deliveredCeSegs, delivered_ce);
  PUT(bytesSent, bytes_sent);
  PUT(bytesRetrans, bytes_retrans);
  PUT(dsackDups, dsack_dups);
  PUT(reorderSeen, reord_seen);
  PUT(outOfOrderPkts, rcv_ooopack);
  PUT(sndWndBytes, snd_wnd);
  PUT(rcvWndBytes, rcv_wnd);
  PUT(timeoutEpisodes, total_rto);
  PUT(rtoRecoveries, total_rto_recoveries);
  PUT(rtoTimeMs, total_rto_time);

  // ~0 means "no pacing limit".
  if (HAS(max_pacing_rate)) {
    out[k_pacingRateBytesPerSec] = Rate(t.pacing_rate);
    out[k_maxPacingRateBytesPerSec] = Rate(t.max_pacing_rate);
  }
  if (HAS(snd_ssthresh)) {
    out[k_ssthreshSegs] =
        t.snd_ssthresh >= kInfiniteSsthresh ? INFINITY : t.snd_ssthresh;
  }
  if (HAS(snd_cwnd) && HAS(snd_mss)) {
    out[k_cwndBytes] = static_cast<double>(t.snd_cwnd) * t.snd_mss;
    out[k_ssthreshBytes] = out[k_ssthreshSegs] * t.snd_mss;
  }
#undef PUT
#undef HAS
  return 1;
}

int GetTcpInfo(fd_t fd, double* out) {
  // Ask for more than we know: the kernel copies only what it has, and the
  // extra room keeps a newer kernel's length honest.
  unsigned char buf[512];
  socklen_t len = sizeof buf;
  if (getsockopt(static_cast<int>(fd), IPPROTO_TCP, TCP_INFO, buf, &len) != 0)
    return -errno;
  return FillLinuxTcpInfo(buf, len, out);
}

}  // namespace sockctl
