// The census on Linux, two ways (bench/census.js measures both):
// - by descriptor, the default: one poll() over the descriptor table finds
//   every open descriptor (over what /proc/self/fd lists, where the table is
//   mostly empty slots); each is asked for its TCP_INFO, and one in a
//   state asked for, for its names and for each queue that poll() or
//   TCP_INFO says may hold bytes. Its cost grows with this
//   process's descriptors only. A census of the half-closed states only
//   (CLOSE_WAIT, LAST_ACK, CLOSING: the peer's FIN read) asks just the
//   descriptors that poll() found with POLLRDHUP, which is what a watchdog
//   samples.
// - by dump, the way `ss` does it: one NETLINK_SOCK_DIAG dump per address
//   family, filtered by state in the kernel, matched to this process by the
//   socket inodes behind /proc/self/fd. Its cost grows with the sockets of
//   the whole machine, and walking the kernel's hash tables costs
//   milliseconds even on an idle one, so it is kept for one case only: a
//   connecting socket has no peer name yet (getpeername says ENOTCONN in
//   SYN_SENT), so when the descriptor census meets one, a dump of SYN_SENT
//   sockets alone names its peer.
#include "../census.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "../tcp_info.h"
#include "fill_tcp_info.h"

namespace sockctl {

namespace {

// The descriptors /proc/self/fd lists, but the directory's own.
int ListedInProc(std::vector<int>* fds) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -errno;
  const int self = dirfd(dir);
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const int fd = std::atoi(e->d_name);
    if (fd != self) fds->push_back(fd);
  }
  closedir(dir);
  return 0;
}

// inode -> descriptor for every socket this process holds. fstat() gives a
// socket's inode at a fraction of the cost of readlink() on /proc/self/fd/N.
int OwnSockets(std::unordered_map<uint32_t, int>* inodes) {
  std::vector<int> fds;
  const int rc = ListedInProc(&fds);
  if (rc != 0) return rc;
  for (int fd : fds) {
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    inodes->emplace(static_cast<uint32_t>(st.st_ino), fd);
  }
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

// The kernel's state numbers (include/net/tcp_states.h; no uapi header has
// them beside <linux/tcp.h>).
enum : uint8_t {
  kSynSent = 2,
  kCloseWait = 8,
  kLastAck = 9,
  kListen = 10,
  kClosing = 11
};

// States a socket reaches only once it has read its peer's FIN, and so
// reports POLLRDHUP in.
constexpr uint32_t kHalfClosedStates =
    1u << kCloseWait | 1u << kLastAck | 1u << kClosing;

// The size of this process's descriptor table (FDSize): every open
// descriptor is below it. 0 when it cannot be read.
int TableSize() {
  const int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[8192];
  const ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* at = std::strstr(buf, "\nFDSize:");
  return at == nullptr ? 0 : std::atoi(at + 8);
}

// A descriptor's poll() events when poll() failed: nothing is known.
constexpr short kUnscreened = -1;

// How many descriptors the last census found open. A descriptor table never
// shrinks: one that once grew to 16 384 slots for a spike keeps them, and a
// poll() over them all costs more than listing the few still open.
std::atomic<int> last_open{-1};

// Every open descriptor of this process, from one poll() with POLLRDHUP:
// over the whole table, where a closed number answers POLLNVAL, which costs
// less than reading /proc/self/fd; over what /proc/self/fd lists, where the
// table is mostly empty slots, or its size unknown or above what poll()
// accepts (RLIMIT_NOFILE). The poll screens every descriptor at once: with
// `half_closed`, only those whose reading side is shut down are kept
// (POLLRDHUP, or HUP/ERR).
int OwnDescriptors(bool half_closed, std::vector<int>* fds,
                   std::vector<short>* events) {
  const int size = TableSize();
  const int last = last_open.load(std::memory_order_relaxed);
  const bool sparse = size >= 4096 && last >= 0 && size > 32 * last;
  rlimit limit = {};
  const bool fits = size > 0 && getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
                    static_cast<rlim_t>(size) <= limit.rlim_cur;
  std::vector<pollfd> polled;
  if (fits && !sparse) {
    polled.resize(size);
    for (int i = 0; i < size; i++) polled[i] = {i, POLLIN | POLLRDHUP, 0};
  } else {
    std::vector<int> listed;
    int rc = ListedInProc(&listed);
    if (rc != 0) return rc;
    polled.resize(listed.size());
    for (size_t i = 0; i < listed.size(); i++)
      polled[i] = {listed[i], POLLIN | POLLRDHUP, 0};
  }
  if (poll(polled.data(), polled.size(), 0) < 0) {
    // Unscreened, then: each is asked on its own anyway.
    int rc = 0;
    if (fits && !sparse) {
      rc = ListedInProc(fds);
    } else {
      for (const pollfd& p : polled) fds->push_back(p.fd);
    }
    events->assign(fds->size(), kUnscreened);
    return rc;
  }
  const short shut = POLLRDHUP | POLLHUP | POLLERR;
  int open = 0;
  for (const pollfd& p : polled) {
    if (p.revents & POLLNVAL) continue;
    open++;
    if (!half_closed || (p.revents & shut) != 0) {
      fds->push_back(p.fd);
      events->push_back(p.revents);
    }
  }
  last_open.store(open, std::memory_order_relaxed);
  return 0;
}

void CopyAddress(const sockaddr_storage& name, uint8_t* to, uint16_t* port) {
  if (name.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(name);
    std::memcpy(to, &a.sin6_addr, 16);
    *port = ntohs(a.sin6_port);
  } else if (name.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(name);
    std::memcpy(to, &a.sin_addr, 4);
    *port = ntohs(a.sin_port);
  }
}

enum class Described {
  kNothing,     // not a TCP socket in a state asked for, or gone since
  kListed,      // a record was appended
  kConnecting,  // in SYN_SENT: left to the SYN_SENT dump
  kShort,  // TCP_INFO came back too short to read (qemu-user copies 4 bytes)
};

Described Describe(int fd, short events, uint32_t os_states, bool with_info,
                   std::unordered_set<std::string>* seen,
                   std::vector<uint8_t>* out) {
  alignas(8) uint8_t raw[512];
  // Without TCP info, only the state, the listener's queues and what is
  // unsent or unacknowledged are read.
  socklen_t raw_len = with_info ? sizeof raw : offsetof(tcp_info, tcpi_min_rtt);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, raw, &raw_len) != 0)
    return Described::kNothing;
  if (raw_len < offsetof(tcp_info, tcpi_lost)) return Described::kShort;
  const tcp_info* ti = reinterpret_cast<const tcp_info*>(raw);
  if ((os_states >> ti->tcpi_state & 1) == 0) return Described::kNothing;
  if (ti->tcpi_state == kSynSent) return Described::kConnecting;

  sockaddr_storage local = {}, remote = {};
  socklen_t local_len = sizeof local, remote_len = sizeof remote;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0)
    return Described::kNothing;
  if (local.ss_family != AF_INET && local.ss_family != AF_INET6)
    return Described::kNothing;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &remote_len) != 0) {
    remote = {};
    remote_len = 0;
  }
  // A descriptor duplicated in this process names the same socket: one
  // record per socket, as the dump gives. Two sockets never share both
  // names; those without a peer (listeners, unconnected) are told apart by
  // inode.
  std::string key(reinterpret_cast<const char*>(&local), local_len);
  struct stat st = {};
  if (remote_len != 0) {
    key.append(reinterpret_cast<const char*>(&remote), remote_len);
  } else {
    if (fstat(fd, &st) != 0) return Described::kNothing;
    key.append(reinterpret_cast<const char*>(&st.st_ino), sizeof st.st_ino);
  }
  if (!seen->insert(std::move(key)).second) return Described::kNothing;

  SocketRecord r = {};
  r.fd = fd;
  r.inode = static_cast<uint32_t>(st.st_ino);
  r.family = local.ss_family == AF_INET6 ? 6 : 4;
  r.state = ti->tcpi_state;
  CopyAddress(local, r.local_address, &r.local_port);
  CopyAddress(remote, r.remote_address, &r.remote_port);
  if (ti->tcpi_state == kListen) {
    // As sock_diag reports a listener: connections awaiting accept(), and
    // the backlog.
    r.receive_queue = ti->tcpi_unacked;
    r.send_queue = ti->tcpi_sacked;
  } else {
    // Each queue is asked for only where it may hold something: an idle
    // socket (most of a busy server's) costs three system calls, not five.
    // Bytes unread make poll() say POLLIN (at or above SO_RCVLOWAT, which is
    // 1 unless someone raised it); the send queue (write_seq - snd_una) is
    // empty when nothing is unsent and no segment is unacknowledged.
    int queued = 0;
    if (events == kUnscreened || (events & POLLIN) != 0) {
      if (ioctl(fd, SIOCINQ, &queued) == 0) r.receive_queue = queued;
    }
    const bool all_acked = raw_len >= offsetof(tcp_info, tcpi_min_rtt) &&
                           ti->tcpi_unacked == 0 && ti->tcpi_notsent_bytes == 0;
    if (!all_acked && ioctl(fd, SIOCOUTQ, &queued) == 0) r.send_queue = queued;
  }
  Append(out, &r, sizeof r);
  if (with_info) {
    double info[kTcpInfoFieldCount];
    if (FillLinuxTcpInfo(raw, raw_len, info) != 1) {
      for (double& v : info) v = __builtin_nan("");
    }
    Append(out, info, sizeof info);
  }
  return Described::kListed;
}

int DumpBothFamilies(uint32_t os_states, bool with_info,
                     const std::unordered_map<uint32_t, int>& inodes,
                     std::vector<uint8_t>* out, int* count) {
  Netlink nl;
  if (nl.fd() < 0) return -errno;
  for (uint8_t family : {AF_INET, AF_INET6}) {
    int rc = Dump(nl.fd(), family, os_states, with_info, inodes, out, count);
    if (rc != 0) return rc;
  }
  return 0;
}

// ByDescriptor's answer where the kernel gives no usable TCP_INFO: the
// census is then the dump's (which, under qemu-user, fails loudly).
constexpr int kNoTcpInfo = -1000;

int ByDescriptor(uint32_t os_states, bool with_info,
                 std::vector<uint8_t>* out) {
  std::vector<int> fds;
  std::vector<short> events;
  const bool half_closed = (os_states & ~kHalfClosedStates) == 0;
  int rc = OwnDescriptors(half_closed, &fds, &events);
  if (rc != 0) return rc;
  std::unordered_set<std::string> seen;
  std::unordered_map<uint32_t, int> connecting;
  int count = 0;
  for (size_t i = 0; i < fds.size(); i++) {
    const int fd = fds[i];
    const Described described =
        Describe(fd, events[i], os_states, with_info, &seen, out);
    struct stat st;
    if (described == Described::kShort) return kNoTcpInfo;
    if (described == Described::kConnecting && fstat(fd, &st) == 0) {
      connecting.emplace(static_cast<uint32_t>(st.st_ino), fd);
    }
    count += described == Described::kListed;
  }
  if (connecting.empty()) return count;
  rc = DumpBothFamilies(1u << kSynSent, with_info, connecting, out, &count);
  return rc != 0 ? rc : count;
}

int ByDump(uint32_t os_states, bool with_info, std::vector<uint8_t>* out) {
  std::unordered_map<uint32_t, int> inodes;
  int rc = OwnSockets(&inodes);
  if (rc != 0) return rc;
  if (inodes.empty()) return 0;
  int count = 0;
  rc = DumpBothFamilies(os_states, with_info, inodes, out, &count);
  return rc != 0 ? rc : count;
}

}  // namespace

const bool kHasCensus = true;

int ListSockets(uint32_t os_states, bool with_info, CensusMethod method,
                std::vector<uint8_t>* out) {
  if (method != CensusMethod::kDump) {
    const int count = ByDescriptor(os_states, with_info, out);
    if (count != kNoTcpInfo) return count;
    out->clear();
  }
  return ByDump(os_states, with_info, out);
}

}  // namespace sockctl
