// No system-wide census on this OS: lib/census.ts lists the sockets sockctl
// tracks instead, so this is never called.
#include "../census.h"

namespace sockctl {

const bool kHasCensus = false;

int ListSockets(uint32_t, bool, CensusMethod, std::vector<uint8_t>*) {
  return -1;
}

}  // namespace sockctl
