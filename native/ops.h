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
// A result slot: 0 done, a negative error, or kTooLate (nothing was called).
constexpr int kTooLate = 1;

// Runs ops[0 .. count) in order, writing each result into results[i]. Stops
// at the first system error; returns the index of that op, or count.
size_t ApplyOps(fd_t fd, const Op* ops, size_t count, const char* text,
                size_t text_size, double* results);
// Reads the option `op` names. An int (or linger: enabled, seconds) goes to
// out[0..]; a name goes to text, and its length to out[0].
int GetOp(fd_t fd, const Op& op, char* text, size_t text_size, double* out);

}  // namespace sockctl
