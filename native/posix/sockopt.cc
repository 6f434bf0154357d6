// Socket options on Linux, macOS and the BSDs: thin calls to
// getsockopt/setsockopt.
#include "../sockopt.h"

#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>

namespace sockctl {

namespace {

// Apple's SO_LINGER counts clock ticks; SO_LINGER_SEC takes seconds like
// everyone else's SO_LINGER.
#ifdef SO_LINGER_SEC
constexpr int kLingerOption = SO_LINGER_SEC;
#else
constexpr int kLingerOption = SO_LINGER;
#endif

}  // namespace

const int kErrInvalid = -EINVAL;

int SetBytes(fd_t fd, int level, int name, const void* data, size_t len) {
  if (setsockopt(static_cast<int>(fd), level, name, data,
                 static_cast<socklen_t>(len)) != 0)
    return -errno;
  return 0;
}

int GetBytes(fd_t fd, int level, int name, void* data, size_t* len) {
  socklen_t n = static_cast<socklen_t>(*len);
  if (getsockopt(static_cast<int>(fd), level, name, data, &n) != 0)
    return -errno;
  *len = n;
  return 0;
}

int SetLinger(fd_t fd, bool enabled, int seconds) {
  struct linger l = {};
  l.l_onoff = enabled ? 1 : 0;
  l.l_linger = seconds;
  return SetBytes(fd, SOL_SOCKET, kLingerOption, &l, sizeof l);
}

int GetLinger(fd_t fd, bool* enabled, int* seconds) {
  struct linger l = {};
  size_t len = sizeof l;
  int rc = GetBytes(fd, SOL_SOCKET, kLingerOption, &l, &len);
  if (rc != 0) return rc;
  if (len < sizeof l) return -EINVAL;
  *enabled = l.l_onoff != 0;
  *seconds = l.l_linger;
  return 0;
}

int InterfaceIndex(const char* name, unsigned* index) {
  *index = if_nametoindex(name);
  return *index != 0 ? 0 : -ENODEV;
}

int InterfaceName(unsigned index, char* name, size_t size) {
  if (size < IF_NAMESIZE) return -EINVAL;
  return if_indextoname(index, name) != nullptr ? 0 : -errno;
}

// Windows' ioctl only.
int SetKeepAliveVals(fd_t, int, int) { return -ENOSYS; }

}  // namespace sockctl
