// The C floor for `npm run bench`: the same syscalls in a tight loop on one
// loopback connection, no Node at all. Prints one JSON object of ns/op.
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

#define BEST(var, n, body)                          \
  do {                                              \
    var = 1e18;                                     \
    for (int run = 0; run < 5; run++) {             \
      double t0 = now_ns();                         \
      for (int i = 0; i < (n); i++) { body; }       \
      double per = (now_ns() - t0) / (n);           \
      if (per < var) var = per;                     \
    }                                               \
  } while (0)

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 200000;
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (bind(l, (struct sockaddr*)&a, sizeof a) || listen(l, 1) || getsockname(l, (struct sockaddr*)&a, &al)) return 1;
  int c = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(c, (struct sockaddr*)&a, sizeof a)) return 1;
  int s = accept(l, NULL, NULL);

  double set_linger, get_linger, set_int, get_int, tcp_info;
  struct linger lg = {1, 5};
  socklen_t len;
  int v = 1;
  // Room for the whole kernel struct, as sockctl asks for.
  unsigned char t[512];
  BEST(set_linger, n, setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
  BEST(get_linger, n, (len = sizeof lg, getsockopt(c, SOL_SOCKET, SO_LINGER, &lg, &len)));
  BEST(set_int, n, setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
  BEST(get_int, n, (len = sizeof v, getsockopt(c, SOL_SOCKET, SO_REUSEADDR, &v, &len)));
  BEST(tcp_info, n, (len = sizeof t, getsockopt(c, IPPROTO_TCP, TCP_INFO, t, &len)));
  // The five options of the apply() batch in ops.js, one setsockopt each.
  double set_five;
  int on = 1, idle = 30, intvl = 10, cnt = 5;
  BEST(set_five, n,
       (setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on),
        setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle),
        setsockopt(c, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl),
        setsockopt(c, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt),
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on)));
  printf("{\"setLinger\":%.1f,\"getLinger\":%.1f,\"setInt\":%.1f,\"getInt\":%.1f,\"tcpInfo\":%.1f,\"tcpInfoBytes\":%u,"
         "\"setFive\":%.1f}\n",
         set_linger, get_linger, set_int, get_int, tcp_info, (unsigned)len, set_five);
  close(s);
  close(c);
  close(l);
  return 0;
}
