// Windows: the SOCKET behind a Node handle, found by its endpoints.
#include "../same_endpoint.h"
#include "../socket.h"
#include "../sockopt.h"
#include "endpoint.h"
#include "errors.h"
#include "winsock.h"

namespace sockctl {

namespace {

// Does `s` have these endpoints, and no peer when `remote` is null (then a
// TCP socket must be listening)?
bool Matches(SOCKET s, const SocketQuery& q, const sockaddr_storage& local,
             const sockaddr_storage* remote) {
  sockaddr_storage got;
  int len = sizeof got;
  if (getsockname(s, reinterpret_cast<sockaddr*>(&got), &len) != 0 ||
      !SameEndpoint(got, local))
    return false;
  int type = 0;
  if (GetInt(s, SOL_SOCKET, SO_TYPE, &type) != 0 ||
      type != (q.udp ? SOCK_DGRAM : SOCK_STREAM))
    return false;
  len = sizeof got;
  if (getpeername(s, reinterpret_cast<sockaddr*>(&got), &len) == 0)
    return remote != nullptr && SameEndpoint(got, *remote);
  if (remote != nullptr || WSAGetLastError() != WSAENOTCONN) return false;
  if (q.udp) return true;
  int listening = 0;
  return GetInt(s, SOL_SOCKET, SO_ACCEPTCONN, &listening) == 0 &&
         listening != 0;
}

// Handle values are multiples of 4. Past the last open handle the scan goes
// on this far before it stops: room for handles other threads open
// meanwhile, without walking the empty rest of the table. It never stops
// before it has seen as many handles as the process had when it started
// (Wine reports 0 for that count; its handle table is dense).
constexpr uintptr_t kScanTail = 4 * 4096;
// Never past this, whatever the handle count says: a million handles.
constexpr uintptr_t kScanLimit = uintptr_t{4} << 20;

}  // namespace

// Walks the handle table: GetHandleInformation (handle table only, no I/O)
// skips unused values; GetFileType skips files, consoles and non-file
// objects (a socket reports FILE_TYPE_PIPE); the standard handles are never
// probed. Only what is left gets Winsock calls, because Winsock queries a
// handle it does not know with an I/O control, and on a synchronous pipe that
// waits for any read pending on it — the standard handles are where such
// pipes live. Cost: one GetHandleInformation per handle value up to the
// highest open handle (plus the tail when nothing matches), and a few
// Winsock calls per pipe or socket: 1 to 10 ms for a test process under
// Wine, where each of those calls is a round trip to wineserver, and far less
// on Windows. lib/target.ts caches the result per Node handle.
int64_t FindSocket(const SocketQuery& q) {
  sockaddr_storage local, remote;
  int len = 0;
  if (!Endpoint(q.ipv6, q.local_address, q.local_port, &local, &len))
    return kUvEINVAL;
  if (q.remote_address != nullptr &&
      !Endpoint(q.ipv6, q.remote_address, q.remote_port, &remote, &len))
    return kUvEINVAL;

  DWORD open = 0;
  if (!GetProcessHandleCount(GetCurrentProcess(), &open))
    return FromWindowsError(GetLastError());
  const HANDLE standard[] = {GetStdHandle(STD_INPUT_HANDLE),
                             GetStdHandle(STD_OUTPUT_HANDLE),
                             GetStdHandle(STD_ERROR_HANDLE)};

  DWORD seen = 0;
  uintptr_t last = 0;
  for (uintptr_t value = 4; value < kScanLimit; value += 4) {
    HANDLE h = reinterpret_cast<HANDLE>(value);
    DWORD flags = 0;
    if (!GetHandleInformation(h, &flags)) {
      if (seen >= open && value > last + kScanTail) break;
      continue;
    }
    seen++;
    last = value;
    if (h == standard[0] || h == standard[1] || h == standard[2]) continue;
    if (GetFileType(h) != FILE_TYPE_PIPE) continue;
    if (Matches(static_cast<SOCKET>(value), q, local,
                q.remote_address != nullptr ? &remote : nullptr))
      return static_cast<int64_t>(value);
  }
  return kUvEBADF;
}

}  // namespace sockctl
