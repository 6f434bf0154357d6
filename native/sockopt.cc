// Ints on top of each OS's SetBytes/GetBytes: the same on every OS.
#include "sockopt.h"

#include <cstring>

namespace sockctl {

int SetInt(fd_t fd, int level, int name, int value) {
  return SetBytes(fd, level, name, &value, sizeof value);
}

int GetInt(fd_t fd, int level, int name, int* value) {
  // Some options answer with a single byte (IP_MULTICAST_TTL and IP_TOS on
  // BSD, BOOL options such as TCP_NODELAY on Winsock): read it as such, not
  // as the low byte of a garbage int.
  unsigned char bytes[sizeof(int)] = {};
  size_t len = sizeof bytes;
  int rc = GetBytes(fd, level, name, bytes, &len);
  if (rc != 0) return rc;
  if (len == 1) {
    *value = bytes[0];
  } else {
    std::memcpy(value, bytes, sizeof(int));
  }
  return 0;
}

}  // namespace sockctl
