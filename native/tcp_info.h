// TCP info in one shape for every OS, read by getTcpInfo and the census.
// linux/, darwin/ and win/ each fill the same slots from their OS's struct.
#pragma once

#include "sockctl.h"

namespace sockctl {

// Normalized TCP info: one slot per field, in this order; NaN marks a field
// this OS or kernel does not report. Units are in the names.
#define SOCKCTL_TCP_INFO_FIELDS(X) \
  X(rawState)                      \
  X(caState)                       \
  X(options)                       \
  X(sndWscale)                     \
  X(rcvWscale)                     \
  X(retransmits)                   \
  X(probes)                        \
  X(backoff)                       \
  X(rttUs)                         \
  X(rttVarUs)                      \
  X(minRttUs)                      \
  X(rtoUs)                         \
  X(atoUs)                         \
  X(rcvRttUs)                      \
  X(mss)                           \
  X(rcvMss)                        \
  X(advMss)                        \
  X(pmtu)                          \
  X(cwndSegs)                      \
  X(cwndBytes)                     \
  X(ssthreshSegs)                  \
  X(ssthreshBytes)                 \
  X(sndWndBytes)                   \
  X(rcvWndBytes)                   \
  X(rcvSpaceBytes)                 \
  X(rcvSsthreshBytes)              \
  X(unackedSegs)                   \
  X(sackedSegs)                    \
  X(lostSegs)                      \
  X(retransSegs)                   \
  X(totalRetransSegs)              \
  X(reordering)                    \
  X(reorderSeen)                   \
  X(dsackDups)                     \
  X(outOfOrderPkts)                \
  X(bytesSent)                     \
  X(bytesReceived)                 \
  X(bytesAcked)                    \
  X(bytesRetrans)                  \
  X(bytesInFlight)                 \
  X(notSentBytes)                  \
  X(segsOut)                       \
  X(segsIn)                        \
  X(dataSegsOut)                   \
  X(dataSegsIn)                    \
  X(deliveredSegs)                 \
  X(deliveredCeSegs)               \
  X(deliveryRateBytesPerSec)       \
  X(pacingRateBytesPerSec)         \
  X(maxPacingRateBytesPerSec)      \
  X(lastDataSentMs)                \
  X(lastDataRecvMs)                \
  X(lastAckRecvMs)                 \
  X(busyTimeUs)                    \
  X(rwndLimitedUs)                 \
  X(sndbufLimitedUs)               \
  X(timeoutEpisodes)               \
  X(rtoRecoveries)                 \
  X(rtoTimeMs)                     \
  X(connectionTimeMs)

enum TcpInfoField {
#define SOCKCTL_ENUM(name) k_##name,
  SOCKCTL_TCP_INFO_FIELDS(SOCKCTL_ENUM)
#undef SOCKCTL_ENUM
      kTcpInfoFieldCount
};

// Fills out[0 .. kTcpInfoFieldCount). Returns 1 on success, 0 when the OS
// answered with too little to be useful (e.g. an emulator that copies only
// an int), or a negative error.
int GetTcpInfo(fd_t fd, double* out);

// The `options` slot carries Linux's TCPI_OPT_* bits on every OS; each
// tcp_info file maps its OS's flags onto them.
enum TcpInfoOption : int {
  kOptTimestamps = 1,
  kOptSack = 2,
  kOptWscale = 4,
  kOptEcn = 8,
  kOptEcnSeen = 16,
  kOptSynData = 32,
};
// The bits of `options` this OS reports. A bit outside it is unknown here,
// not off: lib/tcp-info.ts reads it as undefined.
extern const int kTcpInfoOptionBits;

}  // namespace sockctl
