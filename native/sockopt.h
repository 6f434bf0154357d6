// The portable interface between addon.cc and the per-OS files.
// Plain types only. Every function returns 0 (or a documented non-negative
// value) on success and a negative error number on failure: -errno on
// POSIX, the matching libuv code on Windows, so JS can name it with
// util.getSystemErrorName().
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sockctl {

// A file descriptor on POSIX, a SOCKET on Windows.
using fd_t = int64_t;

int SetInt(fd_t fd, int level, int name, int value);
int GetInt(fd_t fd, int level, int name, int* value);

// Raw bytes: the escape hatch. GetBytes stores the length the kernel
// returned in *len.
int SetBytes(fd_t fd, int level, int name, const void* data, size_t len);
int GetBytes(fd_t fd, int level, int name, void* data, size_t* len);

// Linger in seconds on every OS (SO_LINGER_SEC on Apple).
int SetLinger(fd_t fd, bool enabled, int seconds);
int GetLinger(fd_t fd, bool* enabled, int* seconds);

// Named options, driven by the option table in lib/option-table.ts: JS
// writes one Op per option into the shared `ops` array and strings into the
// shared `text` bytes, then makes one call for the whole batch.
enum OpKind : int32_t {
  kOpInt = 0,            // an int (a bool is 0/1)
  kOpLinger = 1,         // value = enabled, extra = seconds
  kOpText = 2,           // text[value .. value + extra): a name such as "lo"
  kOpInterface = 3,      // text as for kOpText, an interface name the OS wants
                         // as its index (Apple's IP_BOUND_IF)
  kOpKeepAliveVals = 4,  // value = idle ms, extra = interval ms, write-only
                         // (Windows before build 1709: SIO_KEEPALIVE_VALS)
};
// The last moment an option still has its effect. Checked in native code so
// a batch needs the socket's stage only once.
enum OpPhase : int32_t {
  kAnyTime = 0,
  kBeforeBind = 1,
  kBeforeConnect = 2,  // before connect(2) or listen(2)
  kOnListener = 3,     // on a socket that is not connected
};
struct Op {
  int32_t kind;
  int32_t phase;
  int32_t level;
  int32_t name;
  int32_t value;
  int32_t extra;
  // The option for an AF_INET6 socket when it differs (IPV6_TCLASS for
  // IP_TOS); level6 < 0: the same for both families.
  int32_t level6;
  int32_t name6;
};
static_assert(sizeof(Op) == 32,
              "8 int32 slots, as lib/socket-options.ts writes them");
// EINVAL in this OS's numbering (-22 on POSIX, libuv's -4071 on Windows).
extern const int kErrInvalid;
// A result slot: 0 done, a negative error, or kTooLate (nothing was called).
constexpr int kTooLate = 1;

// How far a socket has come: what the phases are checked against.
enum Stage : int { kUnbound = 0, kBound = 1, kListening = 2, kConnected = 3 };
// family: 4, 6, or 0 for anything else.
int DescribeSocket(fd_t fd, int* family, int* stage);
// Interface names and indexes (if_nametoindex and back).
int InterfaceIndex(const char* name, unsigned* index);
int InterfaceName(unsigned index, char* name, size_t size);
// Windows' keepalive ioctl; -ENOSYS elsewhere.
int SetKeepAliveVals(fd_t fd, int idle_ms, int interval_ms);

// Runs ops[0 .. count) in order, writing each result into results[i]. Stops
// at the first system error; returns the index of that op, or count.
size_t ApplyOps(fd_t fd, const Op* ops, size_t count, const char* text,
                size_t text_size, double* results);
// Reads the option `op` names. An int (or linger: enabled, seconds) goes to
// out[0..]; a name goes to text, and its length to out[0].
int GetOp(fd_t fd, const Op& op, char* text, size_t text_size, double* out);

// Create a socket, apply the options that only work before bind, bind it
// (or, with a null address, leave it unbound: options are then the
// caller's).
// Returns the new descriptor (>= 0), or a negative error with *syscall set
// to the call that failed; on error nothing is left open.
struct BindRequest {
  bool udp;
  bool ipv6;
  const char* address;  // numeric IPv4/IPv6 literal, or nullptr
  uint32_t scope_id;    // IPv6 zone index, 0 if none
  int port;
  bool reuse_address;
  bool reuse_port;
  int ipv6_only;  // -1: leave the OS default, 0/1: set
};
int64_t OpenBound(const BindRequest& req, const char** syscall);
// Binds an existing socket to req's address and port (the other fields are
// not used): for a socket whose options were set in between.
int Bind(fd_t fd, const BindRequest& req);
int Close(fd_t fd);

// Windows only: Node keeps the SOCKET behind a TCP or UDP handle to itself
// (its fd reads -1), so the socket is found by what Node does tell, its
// endpoints. Returns the SOCKET (>= 0) or a negative error, EBADF when no
// socket matches; POSIX, where Node hands out the descriptor, returns
// -ENOSYS.
struct SocketQuery {
  bool udp;
  bool ipv6;
  const char* local_address;  // numeric IPv4/IPv6 literal
  int local_port;
  // nullptr for a socket without a peer: a TCP listener or an unconnected
  // UDP socket.
  const char* remote_address;
  int remote_port;
};
int64_t FindSocket(const SocketQuery& query);

// Names of the constants this platform defines, with their values.
struct Constant {
  const char* name;
  int value;
};
extern const Constant kConstants[];
extern const size_t kConstantCount;

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

// Census of this process's own TCP sockets, IPv4 and IPv6, in the states
// whose bits are set in `os_states` (bit n = the OS's state number n). One
// SocketRecord per socket is appended to *out, each followed by
// kTcpInfoFieldCount doubles when `with_info`. Returns the number of records,
// or a negative error. kHasCensus is false where the OS has none.
struct SocketRecord {
  int32_t fd;
  uint32_t inode;
  uint8_t family;  // 4 or 6
  uint8_t state;   // the OS's own number
  uint16_t local_port;
  uint16_t remote_port;
  uint16_t pad;
  uint8_t local_address[16];  // IPv4 in the first 4 bytes
  uint8_t remote_address[16];
  uint32_t receive_queue;
  uint32_t send_queue;
};
static_assert(sizeof(SocketRecord) == 56, "records are 8-byte aligned");
extern const bool kHasCensus;
int ListSockets(uint32_t os_states, bool with_info, std::vector<uint8_t>* out);

}  // namespace sockctl
