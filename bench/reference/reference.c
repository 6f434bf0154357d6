// The yardstick for `npm run bench`, not shipped: the same syscalls as
// sockctl behind the thinnest Node-API functions that can do them. Integers
// in, integers out; TCP info fills a caller's Float64Array (30 slots, or
// sockctl's 60). No validation, no error objects: the cost of one Node-API
// call plus the syscall.
#include <linux/tcp.h>
#include <math.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>
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

// Room for the whole kernel struct, as sockctl asks for.
union tcp_info_room {
  struct tcp_info t;
  unsigned char room[512];
};

// The arguments (fd, Float64Array) of both TCP info calls: reads TCP_INFO
// into *u, points *out at the array and returns the length the kernel gave.
static socklen_t read_tcp_info(napi_env env, napi_callback_info info, union tcp_info_room* u, double** out,
                               size_t* n) {
  size_t argc = 2;
  napi_value a[2];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  napi_get_typedarray_info(env, a[1], NULL, n, (void**)out, NULL, NULL);
  socklen_t len = sizeof *u;
  getsockopt(arg_int(env, a[0]), IPPROTO_TCP, TCP_INFO, u, &len);
  return len;
}

// tcpInfo(fd, Float64Array(30)) -> bytes returned
static napi_value TcpInfo(napi_env env, napi_callback_info info) {
  union tcp_info_room u;
  double* out;
  size_t n;
  const socklen_t len = read_tcp_info(env, info, &u, &out, &n);
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

static double u32_at(const unsigned char* b, size_t offset) {
  uint32_t v;
  memcpy(&v, b + offset, sizeof v);
  return v;
}
static double u16_at(const unsigned char* b, size_t offset) {
  uint16_t v;
  memcpy(&v, b + offset, sizeof v);
  return v;
}
static double rate(uint64_t bytes_per_sec) { return bytes_per_sec == UINT64_MAX ? INFINITY : (double)bytes_per_sec; }

// tcpInfo60(fd, Float64Array(60)) -> bytes returned: the 60 slots of
// sockctl's getTcpInfo, in its order (lib/tcp-info.ts TCP_INFO_FIELDS) and
// units, for a reference of the same shape. Thin: no length checks, since
// the kernel this runs on has every field.
static napi_value TcpInfo60(napi_env env, napi_callback_info info) {
  union tcp_info_room u;
  double* out;
  size_t n;
  const socklen_t len = read_tcp_info(env, info, &u, &out, &n);
  const struct tcp_info t = u.t;
  const double ssthresh = t.tcpi_snd_ssthresh >= 0x7fffffff ? INFINITY : t.tcpi_snd_ssthresh;
  // Past tcpi_snd_wnd the uapi offsets, as older headers stop there:
  // rcv_wnd (6.2) at 232; total_rto, _recoveries, _time (6.7) at 240, 242, 244.
  const double f[60] = {
      t.tcpi_state, t.tcpi_ca_state, t.tcpi_options, t.tcpi_snd_wscale, t.tcpi_rcv_wscale,
      t.tcpi_retransmits, t.tcpi_probes, t.tcpi_backoff,
      t.tcpi_rtt, t.tcpi_rttvar, t.tcpi_min_rtt, t.tcpi_rto, t.tcpi_ato, t.tcpi_rcv_rtt,
      t.tcpi_snd_mss, t.tcpi_rcv_mss, t.tcpi_advmss, t.tcpi_pmtu,
      t.tcpi_snd_cwnd, (double)t.tcpi_snd_cwnd * t.tcpi_snd_mss, ssthresh, ssthresh * t.tcpi_snd_mss,
      t.tcpi_snd_wnd, u32_at(u.room, 232), t.tcpi_rcv_space, t.tcpi_rcv_ssthresh,
      t.tcpi_unacked, t.tcpi_sacked, t.tcpi_lost, t.tcpi_retrans, t.tcpi_total_retrans,
      t.tcpi_reordering, t.tcpi_reord_seen, t.tcpi_dsack_dups, t.tcpi_rcv_ooopack,
      (double)t.tcpi_bytes_sent, (double)t.tcpi_bytes_received, (double)t.tcpi_bytes_acked,
      (double)t.tcpi_bytes_retrans, NAN, t.tcpi_notsent_bytes,
      t.tcpi_segs_out, t.tcpi_segs_in, t.tcpi_data_segs_out, t.tcpi_data_segs_in,
      t.tcpi_delivered, t.tcpi_delivered_ce,
      (double)t.tcpi_delivery_rate, rate(t.tcpi_pacing_rate), rate(t.tcpi_max_pacing_rate),
      t.tcpi_last_data_sent, t.tcpi_last_data_recv, t.tcpi_last_ack_recv,
      (double)t.tcpi_busy_time, (double)t.tcpi_rwnd_limited, (double)t.tcpi_sndbuf_limited,
      u16_at(u.room, 240), u16_at(u.room, 242), u32_at(u.room, 244), NAN,
  };
  for (size_t i = 0; i < 60 && i < n; i++) out[i] = f[i];
  return ret_int(env, (int32_t)len);
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor p[] = {
      {"setInt", NULL, SetInt, NULL, NULL, NULL, napi_default, NULL},
      {"getInt", NULL, GetInt, NULL, NULL, NULL, napi_default, NULL},
      {"setLinger", NULL, SetLinger, NULL, NULL, NULL, napi_default, NULL},
      {"getLinger", NULL, GetLinger, NULL, NULL, NULL, napi_default, NULL},
      {"tcpInfo", NULL, TcpInfo, NULL, NULL, NULL, napi_default, NULL},
      {"tcpInfo60", NULL, TcpInfo60, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof p / sizeof p[0], p);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
