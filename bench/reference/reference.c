// The yardstick for `npm run bench`, not shipped: the same syscalls as
// sockctl behind the thinnest Node-API functions that can do them. Integers
// in, integers out; TCP info fills a caller's Float64Array. No validation,
// no error objects: the cost of one Node-API call plus the syscall.
#include <linux/tcp.h>
#include <netinet/in.h>
#include <node_api.h>
#include <sys/socket.h>

static int32_t arg_int(napi_env env, napi_value v) {
  int32_t x = 0;
  napi_get_value_int32(env, v, &x);
  return x;
}

static napi_value ret_int(napi_env env, int32_t x) {
  napi_value v;
  napi_create_int32(env, x, &v);
  return v;
}

// setInt(fd, level, name, value) -> 0 | -1
static napi_value SetInt(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  int v = arg_int(env, a[3]);
  return ret_int(env, setsockopt(arg_int(env, a[0]), arg_int(env, a[1]), arg_int(env, a[2]), &v, sizeof v));
}

// getInt(fd, level, name) -> value
static napi_value GetInt(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  int v = 0;
  socklen_t len = sizeof v;
  getsockopt(arg_int(env, a[0]), arg_int(env, a[1]), arg_int(env, a[2]), &v, &len);
  return ret_int(env, v);
}

// setLinger(fd, onoff, seconds) -> 0 | -1
static napi_value SetLinger(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  struct linger l = {arg_int(env, a[1]), arg_int(env, a[2])};
  return ret_int(env, setsockopt(arg_int(env, a[0]), SOL_SOCKET, SO_LINGER, &l, sizeof l));
}

// getLinger(fd) -> onoff ? seconds : -1  (two integers packed in one)
static napi_value GetLinger(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  struct linger l = {0, 0};
  socklen_t len = sizeof l;
  getsockopt(arg_int(env, a[0]), SOL_SOCKET, SO_LINGER, &l, &len);
  return ret_int(env, l.l_onoff ? l.l_linger : -1);
}

// tcpInfo(fd, Float64Array(30)) -> bytes returned
static napi_value TcpInfo(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  double* out;
  size_t n;
  napi_get_typedarray_info(env, a[1], NULL, &n, (void**)&out, NULL, NULL);
  // Room for the whole kernel struct, as sockctl asks for.
  union {
    struct tcp_info t;
    unsigned char room[512];
  } u;
  socklen_t len = sizeof u;
  getsockopt(arg_int(env, a[0]), IPPROTO_TCP, TCP_INFO, &u, &len);
  const struct tcp_info t = u.t;
  const double f[30] = {
      t.tcpi_state,         t.tcpi_ca_state,      t.tcpi_retransmits,  t.tcpi_probes,
      t.tcpi_backoff,       t.tcpi_options,       t.tcpi_rto,          t.tcpi_ato,
      t.tcpi_snd_mss,       t.tcpi_rcv_mss,       t.tcpi_unacked,      t.tcpi_sacked,
      t.tcpi_lost,          t.tcpi_retrans,       t.tcpi_last_data_sent, t.tcpi_last_data_recv,
      t.tcpi_last_ack_recv, t.tcpi_pmtu,          t.tcpi_rtt,          t.tcpi_rttvar,
      t.tcpi_snd_ssthresh,  t.tcpi_snd_cwnd,      t.tcpi_advmss,       t.tcpi_reordering,
      t.tcpi_total_retrans, (double)t.tcpi_bytes_acked, (double)t.tcpi_bytes_received,
      t.tcpi_segs_out,      t.tcpi_segs_in,       t.tcpi_min_rtt,
  };
  for (size_t i = 0; i < 30 && i < n; i++) out[i] = f[i];
  return ret_int(env, (int32_t)len);
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor p[] = {
      {"setInt", NULL, SetInt, NULL, NULL, NULL, napi_default, NULL},
      {"getInt", NULL, GetInt, NULL, NULL, NULL, napi_default, NULL},
      {"setLinger", NULL, SetLinger, NULL, NULL, NULL, napi_default, NULL},
      {"getLinger", NULL, GetLinger, NULL, NULL, NULL, napi_default, NULL},
      {"tcpInfo", NULL, TcpInfo, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof p / sizeof p[0], p);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
