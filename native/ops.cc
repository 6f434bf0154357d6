// The op ABI at work: a batch of named options run in one call, each
// checked against the socket's stage first, and one option read back. The
// same on every OS, on top of sockopt.h and socket.h.
#include "ops.h"

#include <cstring>

#include "socket.h"
#include "sockopt.h"

namespace sockctl {

namespace {

// The text an op names, or nullptr when it does not fit the shared bytes.
const char* TextOf(const Op& op, const char* text, size_t text_size) {
  if (op.value < 0 || op.extra < 0 ||
      static_cast<size_t>(op.value) + static_cast<size_t>(op.extra) > text_size)
    return nullptr;
  return text + op.value;
}

// The one rule from what the OS tells to a stage.
Stage StageOf(const SocketFacts& s) {
  // A connected UDP socket only has a default peer: what may be set before
  // connect still works on it, so it counts as bound.
  if (s.connected) return s.datagram ? kBound : kConnected;
  if (s.listening) return kListening;
  return s.bound ? kBound : kUnbound;
}

// What a batch asks about its socket, each asked once and only when an op
// needs it: the stage and family (DescribeSocket), and whether it is TCP
// (IsTcp: one call on Linux and Windows).
class Lazy {
 public:
  explicit Lazy(fd_t fd) : fd_(fd) {}
  int Facts(int* family, int* stage) {
    if (!described_) {
      SocketFacts facts = {};
      rc_ = DescribeSocket(fd_, &facts);
      family_ = facts.family;
      stage_ = StageOf(facts);
      described_ = true;
    }
    *family = family_;
    *stage = stage_;
    return rc_;
  }
  int Tcp(bool* tcp) {
    if (!tcp_known_) {
      int rc = IsTcp(fd_, &tcp_);
      if (rc != 0) return rc;
      tcp_known_ = true;
    }
    *tcp = tcp_;
    return 0;
  }

 private:
  fd_t fd_;
  bool described_ = false, tcp_known_ = false, tcp_ = false;
  int rc_ = 0, family_ = 0, stage_ = 0;
};

bool InTime(int32_t phase, int stage) { return (phase >> stage) & 1; }

// 0 when `op` may run on this socket, kNotTcp, kTooLate (only `setting`: a
// getter is never too late), or an error.
int Check(Lazy* socket, const Op& op, bool setting, int* family) {
  const bool staged = setting && (op.phase & kEveryStage) != kEveryStage;
  int stage = kConnected;
  if (staged || op.level6 >= 0) {
    int rc = socket->Facts(family, &stage);
    if (rc != 0) return rc;
  }
  if (op.phase & kTcpOnly) {
    bool tcp = false;
    int rc = socket->Tcp(&tcp);
    if (rc != 0) return rc;
    if (!tcp) return kNotTcp;
  }
  return staged && !InTime(op.phase, stage) ? kTooLate : 0;
}

// A refusal (rc < 0) of a kTcpOnRefusal op, said as kNotTcp when the socket
// is not TCP; any other result as it is.
int NotTcpIfRefused(Lazy* socket, const Op& op, int rc) {
  if (rc >= 0 || !(op.phase & kTcpOnRefusal)) return rc;
  bool tcp = true;
  return socket->Tcp(&tcp) == 0 && !tcp ? kNotTcp : rc;
}

int Level(const Op& op, int family) {
  return op.level6 >= 0 && family == 6 ? op.level6 : op.level;
}
int Name(const Op& op, int family) {
  return op.level6 >= 0 && family == 6 ? op.name6 : op.name;
}

int SetOp(fd_t fd, const Op& op, int family, const char* text,
          size_t text_size) {
  const int level = Level(op, family), name = Name(op, family);
  switch (op.kind) {
    case kOpInt:
      return SetInt(fd, level, name, op.value);
    case kOpLinger:
      return SetLinger(fd, op.value != 0, op.extra);
    case kOpText: {
      const char* s = TextOf(op, text, text_size);
      if (s == nullptr) return kErrInvalid;
      return SetBytes(fd, level, name, s, static_cast<size_t>(op.extra));
    }
    case kOpInterface: {
      const char* s = TextOf(op, text, text_size);
      if (s == nullptr) return kErrInvalid;
      char name_z[64] = {};
      if (static_cast<size_t>(op.extra) >= sizeof name_z) return kErrInvalid;
      std::memcpy(name_z, s, static_cast<size_t>(op.extra));
      unsigned index = 0;  // "" unbinds
      if (name_z[0] != '\0') {
        int rc = InterfaceIndex(name_z, &index);
        if (rc != 0) return rc;
      }
      return SetInt(fd, level, name, static_cast<int>(index));
    }
    case kOpKeepAliveVals:
      return SetKeepAliveVals(fd, op.value, op.extra);
    default:
      return kErrInvalid;
  }
}

int ReadOp(fd_t fd, const Op& op, int family, char* text, size_t text_size,
           double* out) {
  const int level = Level(op, family), name = Name(op, family);
  switch (op.kind) {
    case kOpInt: {
      int value = 0;
      int rc = GetInt(fd, level, name, &value);
      if (rc == 0) out[0] = value;
      return rc;
    }
    case kOpLinger: {
      bool enabled = false;
      int seconds = 0;
      int rc = GetLinger(fd, &enabled, &seconds);
      if (rc == 0) {
        out[0] = enabled ? 1 : 0;
        out[1] = seconds;
      }
      return rc;
    }
    case kOpText: {
      size_t len = text_size;
      int rc = GetBytes(fd, level, name, text, &len);
      if (rc == 0)
        out[0] = static_cast<double>(len < text_size ? len : text_size);
      return rc;
    }
    case kOpInterface: {
      int index = 0;
      int rc = GetInt(fd, level, name, &index);
      if (rc != 0) return rc;
      if (index == 0) {
        out[0] = 0;
        return 0;
      }
      rc = InterfaceName(static_cast<unsigned>(index), text, text_size);
      if (rc == 0) out[0] = static_cast<double>(std::strlen(text));
      return rc;
    }
    default:  // kOpKeepAliveVals cannot be read back
      return kErrInvalid;
  }
}

}  // namespace

size_t ApplyOps(fd_t fd, const Op* ops, size_t count, const char* text,
                size_t text_size, double* results) {
  Lazy socket(fd);
  for (size_t i = 0; i < count; i++) {
    const Op& op = ops[i];
    int family = 0;
    int rc = Check(&socket, op, true, &family);
    if (rc == 0)
      rc = NotTcpIfRefused(&socket, op, SetOp(fd, op, family, text, text_size));
    results[i] = rc;
    if (rc < 0) return i;
  }
  return count;
}

int GetOp(fd_t fd, const Op& op, char* text, size_t text_size, double* out) {
  int family = 0;
  Lazy socket(fd);
  int rc = Check(&socket, op, false, &family);
  if (rc != 0) return rc;
  return NotTcpIfRefused(&socket, op,
                         ReadOp(fd, op, family, text, text_size, out));
}

}  // namespace sockctl
