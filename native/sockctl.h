// What every native file shares: the descriptor type and the error
// convention. Every function of the portable headers (sockopt.h, socket.h,
// ops.h, tcp_info.h, census.h) returns 0, or a documented non-negative
// value, on success and a negative error number on failure: -errno on
// POSIX, the matching libuv code on Windows, so JS can name it with
// util.getSystemErrorName().
#pragma once

#include <cstdint>

namespace sockctl {

// A file descriptor on POSIX, a SOCKET on Windows.
using fd_t = int64_t;

// EINVAL in this OS's numbering (-22 on POSIX, libuv's -4071 on Windows).
extern const int kErrInvalid;

}  // namespace sockctl
