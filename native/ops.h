// Named options, driven by the option table in lib/option-table.ts: JS
// writes one Op per option into the shared `ops` array and strings into the
// shared `text` bytes, then makes one call for the whole batch. The same on
// every OS (ops.cc), on top of sockopt.h and socket.h.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sockctl.h"

namespace sockctl {

enum OpKind : int32_t {
  kOpInt = 0,            // an int (a bool is 0/1)
  kOpLinger = 1,         // value = enabled, extra = seconds
  kOpText = 2,           // text[value .. value + extra): a name such as "lo"
  kOpInterface = 3,      // text as for kOpText, an interface name the OS wants
                         // as its index (Apple's IP_BOUND_IF)
  kOpKeepAliveVals = 4,  // value = idle ms, extra = interval ms, write-only
                         // (Windows before build 1709: SIO_KEEPALIVE_VALS)
};
// How far a socket has come: what an option's phase is checked against, in
// native code so a batch needs the socket's stage only once.
enum Stage : int32_t {
  kUnbound = 0,
  kBound = 1,
  kListening = 2,
  kConnected = 3
};
// Op::phase: bit s set = still in time at Stage s. Which stages each phase
// keeps is written once, in lib/options/table.ts (PHASES). An option only a
// TCP socket takes carries one of two checks: kTcpOnly asks the OS first
// (for a socket known not to be TCP, or whose kind only the OS knows and
// that the kernel would take the option on anyway); kTcpOnRefusal asks only
// when the OS refuses the option, so the common case costs no system call
// (a bare descriptor). A socket known to be TCP carries neither.
constexpr int32_t kEveryStage = 0xF;
constexpr int32_t kTcpOnly = 0x10;
constexpr int32_t kTcpOnRefusal = 0x20;
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
// A result slot: 0 done, a negative error, kTooLate (the phase has passed)
// or kNotTcp (a TCP-only option on another socket); for those two nothing
// was called.
constexpr int kTooLate = 1;
constexpr int kNotTcp = 2;

// Runs ops[0 .. count) in order, writing each result into results[i]. Stops
// at the first system error; returns the index of that op, or count.
size_t ApplyOps(fd_t fd, const Op* ops, size_t count, const char* text,
                size_t text_size, double* results);
// Reads the option `op` names. An int (or linger: enabled, seconds) goes to
// out[0..]; a name goes to text, and its length to out[0].
int GetOp(fd_t fd, const Op& op, char* text, size_t text_size, double* out);

}  // namespace sockctl
