// The option table: one row per named option. Everything else reads it —
// setOption/getOption/apply (api.ts) encode ops from it through resolve.ts
// and codec.ts for the one native dispatch (native/ops.cc),
// types.ts maps each name to its value, features.ts probes each row, and
// scripts/options-matrix.js writes the option matrix of docs/api.md from it.
// A new option is a new row.

/**
 * The point after which an option has no effect any more, so setOption
 * refuses it (ERR_SOCKET_OPTION_TOO_LATE). Where the kernel still honours an
 * option, even with part of its effect lost, it is not refused; the row's
 * summary says what is lost (docs/api.md, "Phases", records what the kernel
 * does past each phase). Each phase's record is the one place its meaning is
 * written: `inTimeAt` is the socket stages at which
 * it is still in time (it travels in each op as a bit per stage, and the
 * native check reads only those bits), `tooLate` ends the ERR_SOCKET_OPTION_TOO_LATE message, and
 * `label`/`legend` are what the option matrix prints.
 */
export const PHASES = {
  any: {
    inTimeAt: ['unbound', 'bound', 'listening', 'connected'],
    label: 'any time',
    tooLate: '',
    legend: 'on any socket, connected or not.',
  },
  bind: {
    inTimeAt: ['unbound'],
    label: 'before bind',
    tooLate: 'before bind; the socket is already bound',
    legend:
      "on a socket not yet bound. Node binds inside `listen()`, `connect()` and `dgram`'s `bind()`, so a socket Node has made is already past it.",
  },
  connect: {
    inTimeAt: ['unbound', 'bound'],
    label: 'before connect or listen',
    tooLate: 'before connect or listen; the socket is already connected or listening',
    legend:
      "on a socket that may be bound but is neither connected nor listening (a UDP socket's connect only names a default peer, so it stays in time there).",
  },
  listener: {
    inTimeAt: ['unbound', 'bound', 'listening'],
    label: 'on a listener',
    tooLate: 'on a socket that is not connected; this one is',
    legend:
      'on a socket that is not connected — a listener, before or after `listen()`; the sockets it accepts inherit the option, or its handshakes use it.',
  },
} as const;

export type Phase = keyof typeof PHASES;
/** How far a socket has come, as the phase check sees it. */
export type Stage = (typeof PHASES)['any']['inTimeAt'][number];

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
  /** This OS's own bounds, where they are narrower than the row's (linger's bound is only per OS). */
  min?: number;
  max?: number;
  /** Windows before build 1709: keepalive times only through SIO_KEEPALIVE_VALS. */
  fallback?: 'keepAliveVals';
  /** Said in the option matrix (docs/api.md). */
  note?: string;
}

/** The methods of Node's socket handles that write options of the table (`setTypeOfService`: 24.15+, 25.6+). */
export type NodeWrite = 'setKeepAlive' | 'setNoDelay' | 'setTypeOfService';

export interface OptionRow {
  value: 'boolean' | 'integer' | 'string' | 'linger';
  /** For integers: the inclusive range, and whether the OS reads it as unsigned. */
  min?: number;
  max?: number;
  unsigned?: boolean;
  /** For strings: the longest the OS takes, in bytes. */
  maxBytes?: number;
  phase: Phase;
  /**
   * Only for TCP sockets: setOption refuses another socket (UDP, Unix) with
   * ERR_SOCKET_OPTION_TCP_ONLY and apply skips it as unsupported.
   */
  tcp?: boolean;
  /**
   * The method of Node's socket handle that writes this option — at connect,
   * when the socket's owner calls it (`setKeepAlive`, `setNoDelay`,
   * `setTypeOfService`, or Node's own for the options given to connect), and
   * http.Agent on 'free' — so the routes see those writes (routes/hold.ts).
   */
  nodeWrites?: NodeWrite;
  summary: string;
  /** What Node itself offers, by version (the option matrix). */
  core: string;
  linux?: OsOption;
  darwin?: OsOption;
  win32?: OsOption;
}

const INT_MAX = 0x7fffffff;
/**
 * The largest linger each OS stores faithfully, in seconds: Linux keeps
 * seconds × HZ in a long (32-bit kernels cap it near 2^31 / 1000 s), XNU
 * keeps it ×100 in a short, Winsock in a u_short.
 */
const LINUX_LINGER_MAX = process.arch === 'arm' || process.arch === 'ia32' ? 2147483 : INT_MAX;
const TCP = 'IPPROTO_TCP';
const SOCKET = 'SOL_SOCKET';

export const OPTIONS = {
  keepAlive: {
    value: 'boolean',
    phase: 'any',
    tcp: true,
    nodeWrites: 'setKeepAlive',
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
    nodeWrites: 'setKeepAlive',
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
    nodeWrites: 'setKeepAlive',
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
    nodeWrites: 'setKeepAlive',
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
    phase: 'any',
    summary:
      "Receive buffer size (SO_RCVBUF). Linux doubles the value for its bookkeeping and reads back the double, capped by net.core.rmem_max, and stops autotuning the buffer. The window scale is fixed at the handshake, so a buffer set after connect cannot open the advertised window beyond 65535 << rcvWscale (a small buffer set before connect lowers that scale); accepted sockets inherit a listener's buffer.",
    core: 'dgram only (`recvBufferSize`)',
    linux: { level: SOCKET, name: 'SO_RCVBUF', note: 'reads back doubled' },
    darwin: { level: SOCKET, name: 'SO_RCVBUF' },
    win32: { level: SOCKET, name: 'SO_RCVBUF' },
  },
  sendBufferBytes: {
    value: 'integer',
    min: 1,
    max: INT_MAX,
    phase: 'any',
    summary:
      'Send buffer size (SO_SNDBUF). Linux reads back the double, capped by net.core.wmem_max, and stops autotuning the buffer; it takes effect on a connected socket too.',
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
    nodeWrites: 'setTypeOfService',
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
    nodeWrites: 'setNoDelay',
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
    phase: 'any',
    summary:
      "Send and receive only through this network interface ('' unbinds). Set on a connected socket it applies to the next packet both ways (a connection whose packets come in on another interface is then reset); on a listener, to the connections it accepts from then on.",
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
    phase: 'any',
    summary:
      "Firewall mark for routing and filtering (SO_MARK). Needs CAP_NET_ADMIN. Set after connect it marks the packets sent from then on (the SYN went unmarked); a listener's mark goes on its SYN-ACKs and its accepted sockets.",
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
    phase: 'listener',
    tcp: true,
    summary:
      'Largest segment this side announces and sends (TCP_MAXSEG; 0: the default). It is announced in the SYN or SYN-ACK: on a listener, before or after listen(), it shapes every connection accepted from then on; a connected socket takes the value and ignores it.',
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
    phase: 'any',
    summary:
      'Bind to an address that is not (yet) local (IP_FREEBIND). After bind the bind is done; what remains is that an IPv6 datagram socket may send from a non-local source (IPV6_PKTINFO), so it is not refused then.',
    core: 'none',
    linux: { level: 'IPPROTO_IP', name: 'IP_FREEBIND', v6: ['IPPROTO_IPV6', 'IPV6_FREEBIND'] },
  },
  transparent: {
    value: 'boolean',
    phase: 'any',
    summary:
      'Transparent proxying: bind and answer as a foreign address (IP_TRANSPARENT). Needs CAP_NET_ADMIN. Only a bind before it can take a foreign address, but the kernel checks it per packet: TPROXY hands connections only to a transparent socket (a listener set after listen() starts receiving them), and a UDP socket may send from a foreign source.',
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
    phase: 'listener',
    tcp: true,
    summary:
      'SYN retransmissions before connect gives up (TCP_SYNCNT); on a listener, before or after listen(), the SYN-ACK retransmissions of its handshakes. A connected socket takes the value and ignores it.',
    core: 'none',
    linux: { level: TCP, name: 'TCP_SYNCNT' },
  },
  linger: {
    value: 'linger',
    phase: 'any',
    tcp: true,
    summary: 'What close() does with unsent data; `{ enabled: true, seconds: 0 }` resets the connection (SO_LINGER).',
    core: '`resetAndDestroy()` 18.3+ (linger 0 only)',
    linux: { level: SOCKET, name: 'SO_LINGER', kind: 'linger', max: LINUX_LINGER_MAX },
    darwin: { level: SOCKET, name: 'SO_LINGER_SEC', kind: 'linger', max: 327 },
    win32: { level: SOCKET, name: 'SO_LINGER', kind: 'linger', max: 65535 },
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
/** The option names in table order: the order a batch runs in. */
export const OPTION_NAMES = Object.freeze(Object.keys(OPTIONS) as OptionName[]);

function deepFreeze(value: object): void {
  for (const inner of Object.values(value)) if (typeof inner === 'object' && inner !== null) deepFreeze(inner);
  Object.freeze(value);
}
// Published as `optionTable`: a caller's write must not change validation.
deepFreeze(OPTIONS);
deepFreeze(PHASES);
