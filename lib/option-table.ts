// The option table: one row per named option. Everything else reads it —
// setOption/getOption/apply (lib/socket-options.ts) encode ops from it for
// the one native dispatch (native/ops.cc), the TypeScript types
// below map each name to its value, `features` probes each row, and
// scripts/options-matrix.js writes the README's option matrix from it.
// A new option is a new row.

/**
 * The last moment an option still has its effect:
 * - `any`: any time;
 * - `bind`: before bind(2);
 * - `connect`: before connect(2) or listen(2) (a UDP socket's connect only
 *   names a default peer, so not there);
 * - `listener`: on a socket that is not connected (a listener, before or
 *   after listen(2); the sockets it accepts inherit the option).
 */
export type Phase = 'any' | 'bind' | 'connect' | 'listener';

/** How one OS spells an option. Names are keys of `constants`. */
export interface OsOption {
  level: string;
  name: string;
  /** The option for an IPv6 socket, where it differs: [level, name]. */
  v6?: readonly [string, string];
  /** How the value travels; default an int. */
  kind?: 'text' | 'interface' | 'linger';
  /** The OS counts in units of `scale` of the option's unit (ms → s: 1000). */
  scale?: number;
  /** This OS's own bounds, where they are narrower than the row's. */
  min?: number;
  max?: number;
  /** Windows before build 1709: keepalive times only through SIO_KEEPALIVE_VALS. */
  fallback?: 'keepAliveVals';
  /** Said in the README's matrix. */
  note?: string;
}

export interface OptionRow {
  value: 'boolean' | 'integer' | 'string' | 'linger';
  /** For integers: the inclusive range, and whether the OS reads it as unsigned. */
  min?: number;
  max?: number;
  unsigned?: boolean;
  /** For strings: the longest the OS takes, in bytes. */
  maxBytes?: number;
  phase: Phase;
  /** Only for TCP sockets (a UDP socket answers ENOPROTOOPT). */
  tcp?: boolean;
  summary: string;
  /** What Node itself offers, by version (README matrix). */
  core: string;
  linux?: OsOption;
  darwin?: OsOption;
  win32?: OsOption;
}

const INT_MAX = 0x7fffffff;
const TCP = 'IPPROTO_TCP';
const SOCKET = 'SOL_SOCKET';

export const OPTIONS = {
  keepAlive: {
    value: 'boolean',
    phase: 'any',
    tcp: true,
    summary: 'Send keepalive probes on an idle connection (SO_KEEPALIVE).',
    core: '`setKeepAlive(bool)` (all)',
    linux: { level: SOCKET, name: 'SO_KEEPALIVE' },
    darwin: { level: SOCKET, name: 'SO_KEEPALIVE' },
    win32: { level: SOCKET, name: 'SO_KEEPALIVE' },
  },
  keepAliveIdleSecs: {
    value: 'integer',
    min: 1,
    max: 32767,
    phase: 'any',
    tcp: true,
    summary: 'Idle time before the first keepalive probe, in seconds. Has effect only with `keepAlive`.',
    core: '`setKeepAlive(true, ms)` (all)',
    linux: { level: TCP, name: 'TCP_KEEPIDLE' },
    darwin: { level: TCP, name: 'TCP_KEEPALIVE' },
    win32: {
      level: TCP,
      name: 'TCP_KEEPIDLE',
      fallback: 'keepAliveVals',
      note: 'before build 1709: SIO_KEEPALIVE_VALS, write-only, turns keepalive on',
    },
  },
  keepAliveIntervalSecs: {
    value: 'integer',
    min: 1,
    max: 32767,
    phase: 'any',
    tcp: true,
    summary: 'Time between keepalive probes, in seconds.',
    core: '24.19+, 26.4+',
    linux: { level: TCP, name: 'TCP_KEEPINTVL' },
    darwin: { level: TCP, name: 'TCP_KEEPINTVL' },
    win32: {
      level: TCP,
      name: 'TCP_KEEPINTVL',
      fallback: 'keepAliveVals',
      note: 'before build 1709: SIO_KEEPALIVE_VALS, write-only, turns keepalive on',
    },
  },
  keepAliveCount: {
    value: 'integer',
    min: 1,
    max: 127,
    phase: 'any',
    tcp: true,
    summary: 'Unanswered keepalive probes before the connection is dropped.',
    core: '24.19+, 26.4+',
    linux: { level: TCP, name: 'TCP_KEEPCNT' },
    darwin: { level: TCP, name: 'TCP_KEEPCNT' },
    win32: { level: TCP, name: 'TCP_KEEPCNT', max: 255, note: 'build 1703+' },
  },
  userTimeoutMs: {
    value: 'integer',
    min: 0,
    max: INT_MAX,
    phase: 'any',
    tcp: true,
    summary:
      'How long sent data may stay unacknowledged before the connection is dropped, in ms (0: the OS default). Accepted sockets inherit it.',
    core: 'none',
    linux: { level: TCP, name: 'TCP_USER_TIMEOUT' },
    darwin: { level: TCP, name: 'TCP_RXT_CONNDROPTIME', scale: 1000, note: 'whole seconds' },
    win32: { level: TCP, name: 'TCP_MAXRT', scale: 1000, min: 1000, note: 'TCP_MAXRT, whole seconds' },
  },
  recvBufferBytes: {
    value: 'integer',
    min: 1,
    max: INT_MAX,
    phase: 'connect',
    summary:
      'Receive buffer size (SO_RCVBUF). Linux doubles the value for its bookkeeping and reads back the double, capped by net.core.rmem_max.',
    core: 'dgram only (`recvBufferSize`)',
    linux: { level: SOCKET, name: 'SO_RCVBUF', note: 'reads back doubled' },
    darwin: { level: SOCKET, name: 'SO_RCVBUF' },
    win32: { level: SOCKET, name: 'SO_RCVBUF' },
  },
  sendBufferBytes: {
    value: 'integer',
    min: 1,
    max: INT_MAX,
    phase: 'connect',
    summary: 'Send buffer size (SO_SNDBUF). Linux reads back the double, capped by net.core.wmem_max.',
    core: 'dgram only (`sendBufferSize`)',
    linux: { level: SOCKET, name: 'SO_SNDBUF', note: 'reads back doubled' },
    darwin: { level: SOCKET, name: 'SO_SNDBUF' },
    win32: { level: SOCKET, name: 'SO_SNDBUF' },
  },
  tos: {
    value: 'integer',
    min: 0,
    max: 255,
    phase: 'any',
    summary:
      'Type of service / traffic class byte (IP_TOS, IPV6_TCLASS on an IPv6 socket). Set before connect, the SYN carries it too. TCP keeps the two ECN bits for itself (0x2b reads back 0x28), and on IPv4 Linux derives the priority from it.',
    core: '`setTypeOfService` 24.15+, 25.6+ (after connect)',
    linux: { level: 'IPPROTO_IP', name: 'IP_TOS', v6: ['IPPROTO_IPV6', 'IPV6_TCLASS'] },
    darwin: { level: 'IPPROTO_IP', name: 'IP_TOS', v6: ['IPPROTO_IPV6', 'IPV6_TCLASS'] },
  },
  noDelay: {
    value: 'boolean',
    phase: 'any',
    tcp: true,
    summary: 'Send small segments at once, without waiting to coalesce them (TCP_NODELAY, no Nagle).',
    core: '`setNoDelay` (all)',
    linux: { level: TCP, name: 'TCP_NODELAY' },
    darwin: { level: TCP, name: 'TCP_NODELAY' },
    win32: { level: TCP, name: 'TCP_NODELAY' },
  },
  bindAddressNoPort: {
    value: 'boolean',
    phase: 'bind',
    summary:
      'Bind to an address without reserving a port until connect, so many connections from one local address do not run out of ports.',
    core: 'none',
    linux: { level: 'IPPROTO_IP', name: 'IP_BIND_ADDRESS_NO_PORT', note: 'Linux 4.2+' },
    win32: { level: SOCKET, name: 'SO_REUSE_UNICASTPORT' },
  },
  ipv6Only: {
    value: 'boolean',
    phase: 'bind',
    summary: 'An IPv6 socket takes IPv6 only, not IPv4-mapped addresses (IPV6_V6ONLY).',
    core: '`listen({ ipv6Only })`, dgram `ipv6Only` (all)',
    linux: { level: 'IPPROTO_IPV6', name: 'IPV6_V6ONLY' },
    darwin: { level: 'IPPROTO_IPV6', name: 'IPV6_V6ONLY' },
    win32: { level: 'IPPROTO_IPV6', name: 'IPV6_V6ONLY' },
  },
  bindToDevice: {
    value: 'string',
    maxBytes: 15,
    phase: 'connect',
    summary: "Send and receive only through this network interface ('' unbinds).",
    core: 'none',
    linux: { level: SOCKET, name: 'SO_BINDTODEVICE', kind: 'text' },
    darwin: {
      level: 'IPPROTO_IP',
      name: 'IP_BOUND_IF',
      v6: ['IPPROTO_IPV6', 'IPV6_BOUND_IF'],
      kind: 'interface',
      note: 'IP_BOUND_IF / IPV6_BOUND_IF, by index',
    },
  },
  mark: {
    value: 'integer',
    min: 0,
    max: 0xffffffff,
    unsigned: true,
    phase: 'connect',
    summary: 'Firewall mark for routing and filtering (SO_MARK). Needs CAP_NET_ADMIN.',
    core: 'none',
    linux: { level: SOCKET, name: 'SO_MARK' },
  },
  notSentLowatBytes: {
    value: 'integer',
    min: 0,
    max: INT_MAX,
    phase: 'any',
    tcp: true,
    summary: 'Unsent bytes above which the socket stops reading as writable (TCP_NOTSENT_LOWAT).',
    core: 'none',
    linux: { level: TCP, name: 'TCP_NOTSENT_LOWAT' },
    darwin: { level: TCP, name: 'TCP_NOTSENT_LOWAT' },
  },
  fastOpenQueue: {
    value: 'integer',
    min: 0,
    max: INT_MAX,
    phase: 'listener',
    tcp: true,
    summary:
      'TCP Fast Open on a listener: how many pending Fast Open requests it queues (0: off), capped by net.core.somaxconn.',
    core: 'none',
    linux: { level: TCP, name: 'TCP_FASTOPEN' },
  },
  fastOpenConnect: {
    value: 'boolean',
    phase: 'connect',
    tcp: true,
    summary: "TCP Fast Open on a client: the first write's data rides on the SYN.",
    core: 'none',
    linux: { level: TCP, name: 'TCP_FASTOPEN_CONNECT', note: 'Linux 4.11+' },
  },
  quickAck: {
    value: 'boolean',
    phase: 'any',
    tcp: true,
    summary: 'Acknowledge at once rather than delayed. Not permanent: the kernel may leave quick-ack mode later.',
    core: 'none',
    linux: { level: TCP, name: 'TCP_QUICKACK' },
  },
  congestion: {
    value: 'string',
    maxBytes: 15,
    phase: 'any',
    tcp: true,
    summary: "Congestion control algorithm, e.g. 'cubic' or 'reno' (TCP_CONGESTION).",
    core: 'none',
    linux: { level: TCP, name: 'TCP_CONGESTION', kind: 'text' },
  },
  maxSegBytes: {
    value: 'integer',
    min: 0,
    max: 32767,
    phase: 'connect',
    tcp: true,
    summary: 'Largest segment this side announces and sends (TCP_MAXSEG; 0: the default).',
    core: 'none',
    linux: { level: TCP, name: 'TCP_MAXSEG', note: '0 or 88–32767' },
    darwin: { level: TCP, name: 'TCP_MAXSEG', min: 1, note: 'no 0: macOS refuses it' },
  },
  deferAcceptSecs: {
    value: 'integer',
    min: 0,
    max: INT_MAX,
    phase: 'listener',
    tcp: true,
    summary:
      'A listener wakes accept() only once data arrives, waiting up to this long (TCP_DEFER_ACCEPT). Read back rounded up to the retransmission steps, and capped (Linux: 29887 s).',
    core: 'none',
    linux: { level: TCP, name: 'TCP_DEFER_ACCEPT' },
  },
  freeBind: {
    value: 'boolean',
    phase: 'bind',
    summary: 'Bind to an address that is not (yet) local (IP_FREEBIND).',
    core: 'none',
    linux: { level: 'IPPROTO_IP', name: 'IP_FREEBIND', v6: ['IPPROTO_IPV6', 'IPV6_FREEBIND'] },
  },
  transparent: {
    value: 'boolean',
    phase: 'bind',
    summary: 'Transparent proxying: bind and answer as a foreign address (IP_TRANSPARENT). Needs CAP_NET_ADMIN.',
    core: 'none',
    linux: { level: 'IPPROTO_IP', name: 'IP_TRANSPARENT', v6: ['IPPROTO_IPV6', 'IPV6_TRANSPARENT'] },
  },
  priority: {
    value: 'integer',
    min: 0,
    max: INT_MAX,
    phase: 'any',
    summary:
      'Queueing priority of sent packets (SO_PRIORITY); above 6 needs CAP_NET_ADMIN. Setting tos on IPv4 rewrites it, so set it after tos (apply does).',
    core: 'none',
    linux: { level: SOCKET, name: 'SO_PRIORITY' },
  },
  synRetries: {
    value: 'integer',
    min: 1,
    max: 127,
    phase: 'connect',
    tcp: true,
    summary: 'SYN retransmissions before connect gives up (TCP_SYNCNT).',
    core: 'none',
    linux: { level: TCP, name: 'TCP_SYNCNT' },
  },
  linger: {
    value: 'linger',
    phase: 'any',
    tcp: true,
    summary: 'What close() does with unsent data; `{ enabled: true, seconds: 0 }` resets the connection (SO_LINGER).',
    core: '`resetAndDestroy()` 18.3+ (linger 0 only)',
    linux: { level: SOCKET, name: 'SO_LINGER', kind: 'linger' },
    darwin: { level: SOCKET, name: 'SO_LINGER_SEC', kind: 'linger' },
    win32: { level: SOCKET, name: 'SO_LINGER', kind: 'linger' },
  },
  reuseAddress: {
    value: 'boolean',
    phase: 'any',
    summary:
      "Let a bind share a port that TIME_WAIT connections hold (SO_REUSEADDR). It matters at a bind — this socket's own, or a later one it would conflict with — so it is not refused after bind.",
    core: 'set by libuv on TCP listeners (Unix)',
    linux: { level: SOCKET, name: 'SO_REUSEADDR' },
    darwin: { level: SOCKET, name: 'SO_REUSEADDR' },
    win32: { level: SOCKET, name: 'SO_REUSEADDR', note: 'lets another socket take the port' },
  },
  reusePort: {
    value: 'boolean',
    phase: 'any',
    summary:
      'Several sockets bind one address and port; Linux spreads connections across them (SO_REUSEPORT). Every socket sets it before its bind.',
    core: '`listen({ reusePort })` 22.12+ (18/20 ignore it)',
    linux: { level: SOCKET, name: 'SO_REUSEPORT' },
    darwin: { level: SOCKET, name: 'SO_REUSEPORT' },
  },
} as const satisfies Record<string, OptionRow>;

export type OptionName = keyof typeof OPTIONS;
export const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[];

export interface Linger {
  enabled: boolean;
  /** How long close() may wait for unsent data to be acknowledged. */
  seconds: number;
}

interface ValueTypes {
  boolean: boolean;
  integer: number;
  string: string;
  linger: Linger;
}
interface SetValueTypes extends Omit<ValueTypes, 'linger'> {
  /** `{ enabled, seconds }`, a number of seconds (enabled), or false (disabled). */
  linger: Linger | number | false;
}

/** What getOption returns for each option. */
export type OptionValues = { [K in OptionName]: ValueTypes[(typeof OPTIONS)[K]['value']] };
/** What setOption takes for each option. */
export type OptionInput = { [K in OptionName]: SetValueTypes[(typeof OPTIONS)[K]['value']] };
/** Any number of options, for apply() and the policy routes. */
export type Policy = Partial<OptionInput>;
