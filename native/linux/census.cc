// The census on Linux, done the way `ss` does it: one NETLINK_SOCK_DIAG dump
// per address family, filtered by state in the kernel, matched to this
// process by the socket inodes behind /proc/self/fd. Its cost grows with the
// number of sockets in the states asked for, on the whole machine, plus one
// fstat() per descriptor of this process.
#include "../census.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "../tcp_info.h"
#include "fill_tcp_info.h"

namespace sockctl {

namespace {

// inode -> descriptor for every socket this process holds. fstat() gives a
// socket's inode at a fraction of the cost of readlink() on /proc/self/fd/N.
int OwnSockets(std::unordered_map<uint32_t, int>* inodes) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -errno;
  const int self = dirfd(dir);
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const int fd = std::atoi(e->d_name);
    struct stat st;
    if (fd == self || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    inodes->emplace(static_cast<uint32_t>(st.st_ino), fd);
  }
  closedir(dir);
  return 0;
}

class Netlink {
 public:
  Netlink()
      : fd_(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) {}
  ~Netlink() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

// NLMSG_OK / NLMSG_NEXT without their signed/unsigned mix: a message must
// fit in what is left, and the step never runs past the end.
bool MessageOk(const nlmsghdr* h, size_t len) {
  return len >= sizeof *h && h->nlmsg_len >= sizeof *h && h->nlmsg_len <= len;
}

nlmsghdr* NextMessage(nlmsghdr* h, size_t* len) {
  const size_t step = NLMSG_ALIGN(h->nlmsg_len);
  *len = step < *len ? *len - step : 0;
  return reinterpret_cast<nlmsghdr*>(reinterpret_cast<uint8_t*>(h) + step);
}

void Append(std::vector<uint8_t>* out, const void* data, size_t len) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  out->insert(out->end(), p, p + len);
}

int Dump(int nl, uint8_t family, uint32_t states, bool with_info,
         const std::unordered_map<uint32_t, int>& inodes,
         std::vector<uint8_t>* out, int* count) {
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg = {};
  msg.nlh.nlmsg_len = sizeof msg;
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.req.sdiag_family = family;
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = states;
  if (with_info) msg.req.idiag_ext = 1 << (INET_DIAG_INFO - 1);
  sockaddr_nl kernel = {};
  kernel.nl_family = AF_NETLINK;
  if (sendto(nl, &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&kernel),
             sizeof kernel) < 0)
    return -errno;

  // On the heap: a large static or thread_local buffer would make the
  // library need static TLS, which dlopen() may refuse.
  std::vector<nlmsghdr> storage(64 * 1024 / sizeof(nlmsghdr));
  uint8_t* buf = reinterpret_cast<uint8_t*>(storage.data());
  const size_t size = storage.size() * sizeof(nlmsghdr);
  double info[kTcpInfoFieldCount];
  for (;;) {
    ssize_t n = recv(nl, buf, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) return -EIO;
    size_t len = static_cast<size_t>(n);
    for (nlmsghdr* h = reinterpret_cast<nlmsghdr*>(buf); MessageOk(h, len);
         h = NextMessage(h, &len)) {
      if (h->nlmsg_type == NLMSG_DONE) return 0;
      if (h->nlmsg_type == NLMSG_ERROR) {
        auto* err = static_cast<nlmsgerr*>(NLMSG_DATA(h));
        return err->error < 0 ? err->error : -EIO;
      }
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) continue;
      auto* d = static_cast<inet_diag_msg*>(NLMSG_DATA(h));
      auto owned = inodes.find(d->idiag_inode);
      if (d->idiag_inode == 0 || owned == inodes.end()) continue;

      SocketRecord r = {};
      r.fd = owned->second;
      r.inode = d->idiag_inode;
      r.family = d->idiag_family == AF_INET6 ? 6 : 4;
      r.state = d->idiag_state;
      r.local_port = ntohs(d->id.idiag_sport);
      r.remote_port = ntohs(d->id.idiag_dport);
      const size_t alen = r.family == 6 ? 16 : 4;
      std::memcpy(r.local_address, d->id.idiag_src, alen);
      std::memcpy(r.remote_address, d->id.idiag_dst, alen);
      r.receive_queue = d->idiag_rqueue;
      r.send_queue = d->idiag_wqueue;
      Append(out, &r, sizeof r);

      if (with_info) {
        int filled = 0;
        int alen_left = static_cast<int>(h->nlmsg_len) -
                        static_cast<int>(NLMSG_LENGTH(sizeof *d));
        for (rtattr* a = reinterpret_cast<rtattr*>(d + 1); RTA_OK(a, alen_left);
             a = RTA_NEXT(a, alen_left)) {
          if (a->rta_type == INET_DIAG_INFO) {
            filled = FillLinuxTcpInfo(RTA_DATA(a), RTA_PAYLOAD(a), info);
          }
        }
        if (filled != 1) {
          for (double& v : info) v = __builtin_nan("");
        }
        Append(out, info, sizeof info);
      }
      ++*count;
    }
  }
}

}  // namespace

const bool kHasCensus = true;

int ListSockets(uint32_t os_states, bool with_info, std::vector<uint8_t>* out) {
  std::unordered_map<uint32_t, int> inodes;
  int rc = OwnSockets(&inodes);
  if (rc != 0) return rc;
  if (inodes.empty()) return 0;
  Netlink nl;
  if (nl.fd() < 0) return -errno;
  int count = 0;
  for (uint8_t family : {AF_INET, AF_INET6}) {
    rc = Dump(nl.fd(), family, os_states, with_info, inodes, out, &count);
    if (rc != 0) return rc;
  }
  return count;
}

}  // namespace sockctl
