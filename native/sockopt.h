// Socket options as plain calls: the raw getsockopt/setsockopt layer the
// option table's ops run on. posix/sockopt.cc and win/sockopt.cc implement
// the bytes and the OS's quirks; sockopt.cc reads and writes ints on top.
#pragma once

#include <cstddef>

#include "sockctl.h"

namespace sockctl {

int SetInt(fd_t fd, int level, int name, int value);
int GetInt(fd_t fd, int level, int name, int* value);

// Raw bytes: the escape hatch. GetBytes stores the length the kernel
// returned in *len.
int SetBytes(fd_t fd, int level, int name, const void* data, size_t len);
int GetBytes(fd_t fd, int level, int name, void* data, size_t* len);

// Linger in seconds on every OS (SO_LINGER_SEC on Apple).
int SetLinger(fd_t fd, bool enabled, int seconds);
int GetLinger(fd_t fd, bool* enabled, int* seconds);

// Interface names and indexes (if_nametoindex and back).
int InterfaceIndex(const char* name, unsigned* index);
int InterfaceName(unsigned index, char* name, size_t size);

// Windows' keepalive ioctl; -ENOSYS elsewhere.
int SetKeepAliveVals(fd_t fd, int idle_ms, int interval_ms);

// Names of the constants this platform defines, with their values
// (posix/constants.cc, win/constants.cc).
struct Constant {
  const char* name;
  int value;
};
extern const Constant kConstants[];
extern const size_t kConstantCount;

}  // namespace sockctl
