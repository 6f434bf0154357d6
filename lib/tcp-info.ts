// getTcpInfo: the native layer fills one Float64Array slot per field (NaN
// where this OS or kernel has no such field); the object is built here.
import { featureUnavailable, systemError } from './errors';
import { native } from './native';
import { fdOf, type Target } from './target';
import { numberingFor, tcpStateName, type TcpState } from './tcp-state';

/** The slots native/tcp_info.h names, in its order. */
export const TCP_INFO_FIELDS = [
  'rawState',
  'caState',
  'options',
  'sndWscale',
  'rcvWscale',
  'retransmits',
  'probes',
  'backoff',
  'rttUs',
  'rttVarUs',
  'minRttUs',
  'rtoUs',
  'atoUs',
  'rcvRttUs',
  'mss',
  'rcvMss',
  'advMss',
  'pmtu',
  'cwndSegs',
  'cwndBytes',
  'ssthreshSegs',
  'ssthreshBytes',
  'sndWndBytes',
  'rcvWndBytes',
  'rcvSpaceBytes',
  'rcvSsthreshBytes',
  'unackedSegs',
  'sackedSegs',
  'lostSegs',
  'retransSegs',
  'totalRetransSegs',
  'reordering',
  'reorderSeen',
  'dsackDups',
  'outOfOrderPkts',
  'bytesSent',
  'bytesReceived',
  'bytesAcked',
  'bytesRetrans',
  'bytesInFlight',
  'notSentBytes',
  'segsOut',
  'segsIn',
  'dataSegsOut',
  'dataSegsIn',
  'deliveredSegs',
  'deliveredCeSegs',
  'deliveryRateBytesPerSec',
  'pacingRateBytesPerSec',
  'maxPacingRateBytesPerSec',
  'lastDataSentMs',
  'lastDataRecvMs',
  'lastAckRecvMs',
  'busyTimeUs',
  'rwndLimitedUs',
  'sndbufLimitedUs',
  'timeoutEpisodes',
  'rtoRecoveries',
  'rtoTimeMs',
  'connectionTimeMs',
] as const;
type Slot = (typeof TCP_INFO_FIELDS)[number];

if (native.tcpInfoFields.join() !== TCP_INFO_FIELDS.join()) {
  throw new Error('sockctl: the native binary and lib/tcp-info.ts disagree on the TCP info fields; rebuild');
}
const I = Object.fromEntries(TCP_INFO_FIELDS.map((name, i) => [name, i])) as Record<Slot, number>;

export type CongestionState = 'open' | 'disorder' | 'cwr' | 'recovery' | 'loss';
const CONGESTION_STATES: readonly CongestionState[] = ['open', 'disorder', 'cwr', 'recovery', 'loss'];

/** Options negotiated on the handshake. */
export interface TcpOptions {
  sack?: boolean;
  timestamps?: boolean;
  windowScaling?: boolean;
  ecn?: boolean;
  /** At least one ECT-marked packet was received. */
  ecnSeen?: boolean;
  /** The SYN or SYN-ACK carried data (TCP Fast Open). */
  synData?: boolean;
}

/**
 * One shape on every OS. Every figure is optional: a field is `undefined`
 * where this OS or the running kernel does not report it — never 0.
 * Counters of segments end in `Segs`, times carry their unit.
 */
export interface TcpInfo {
  state: TcpState;
  /** The OS's own state number, for logs and the curious. */
  stateNumber: number;
  /** Linux congestion-avoidance state. */
  congestionState?: CongestionState;
  options: TcpOptions;
  /** Window scale shifts, meaningful when options.windowScaling. */
  sndWscale?: number;
  rcvWscale?: number;
  /** Consecutive unanswered retransmission timeouts, now. */
  retransmits?: number;
  /** Unanswered zero-window probes, now. */
  probes?: number;
  /** Exponential backoff of the retransmission timer, now. */
  backoff?: number;

  rttUs?: number;
  rttVarUs?: number;
  minRttUs?: number;
  rtoUs?: number;
  /** Delayed-ACK timeout. */
  atoUs?: number;
  /** Receiver-side RTT estimate. */
  rcvRttUs?: number;

  /** Sending MSS. */
  mss?: number;
  rcvMss?: number;
  advMss?: number;
  pmtu?: number;

  cwndSegs?: number;
  cwndBytes?: number;
  /** Slow-start threshold; Infinity until the first loss. */
  ssthreshSegs?: number;
  ssthreshBytes?: number;
  /** The peer's advertised receive window. */
  sndWndBytes?: number;
  /** Our advertised receive window. */
  rcvWndBytes?: number;
  rcvSpaceBytes?: number;
  rcvSsthreshBytes?: number;

  /**
   * Segments sent and not yet acknowledged. On a Linux listening socket:
   * the connections waiting in the accept queue.
   */
  unackedSegs?: number;
  /** SACKed segments. On a Linux listening socket: the listen backlog. */
  sackedSegs?: number;
  lostSegs?: number;
  /** Retransmitted segments not yet acknowledged. */
  retransSegs?: number;
  totalRetransSegs?: number;
  reordering?: number;
  reorderSeen?: number;
  dsackDups?: number;
  outOfOrderPkts?: number;

  bytesSent?: number;
  bytesReceived?: number;
  bytesAcked?: number;
  bytesRetrans?: number;
  bytesInFlight?: number;
  /** Written by the application, not yet sent. */
  notSentBytes?: number;
  segsOut?: number;
  segsIn?: number;
  dataSegsOut?: number;
  dataSegsIn?: number;
  deliveredSegs?: number;
  deliveredCeSegs?: number;
  deliveryRateBytesPerSec?: number;
  pacingRateBytesPerSec?: number;
  maxPacingRateBytesPerSec?: number;

  lastDataSentMs?: number;
  lastDataRecvMs?: number;
  lastAckRecvMs?: number;
  busyTimeUs?: number;
  rwndLimitedUs?: number;
  sndbufLimitedUs?: number;

  /** Retransmission timeouts over the connection's life. */
  timeoutEpisodes?: number;
  rtoRecoveries?: number;
  rtoTimeMs?: number;
  connectionTimeMs?: number;
}

// Linux TCPI_OPT_* bits; the other OSes' native code maps onto them.
const OPT_TIMESTAMPS = 1;
const OPT_SACK = 2;
const OPT_WSCALE = 4;
const OPT_ECN = 8;
const OPT_ECN_SEEN = 16;
const OPT_SYN_DATA = 32;

export const TCP_INFO_SLOTS = TCP_INFO_FIELDS.length;
const numbering = numberingFor(process.platform);
const out = native.scratch;

/** NaN marks a field the OS did not report. */
function present(x: number): number | undefined {
  return x === x ? x : undefined;
}

function flag(bits: number | undefined, bit: number, known: number): boolean | undefined {
  return bits === undefined || (known & bit) === 0 ? undefined : (bits & bit) !== 0;
}

/**
 * The kernel's view of a TCP connection or listener (Linux TCP_INFO).
 * Throws the system error for a socket that is not TCP (ENOPROTOOPT on
 * Linux for UDP) and ERR_FEATURE_UNAVAILABLE_ON_PLATFORM where the OS or an
 * emulator answers with too little to read.
 */
export function getTcpInfo(target: Target): TcpInfo {
  const fd = fdOf(target);
  const rc = native.tcpInfo(fd);
  if (rc < 0) throw systemError(rc, 'getsockopt', 'TCP_INFO');
  if (rc === 0) throw featureUnavailable('TCP_INFO (the OS returned a truncated struct)');
  return toTcpInfo(out);
}

/** The OS's state number as a name; throws for a number no table knows. */
export function stateOf(raw: number): TcpState {
  const state = tcpStateName(numbering, raw);
  if (state === undefined) throw new Error(`sockctl: unknown TCP state number ${raw} on ${process.platform}`);
  return state;
}

/**
 * Builds the public object from the native slots at out[base …] (NaN =
 * absent). `knownOptions`: the option bits the OS reports, the others are
 * unknown there, not off (the native side says which for this OS).
 */
export function toTcpInfo(out: Float64Array, base = 0, knownOptions = native.tcpInfoOptionBits): TcpInfo {
  const v = (i: number): number | undefined => present(out[base + i]);
  const raw = out[base + I.rawState];
  const state = stateOf(raw);
  const opts = v(I.options);
  const ca = v(I.caState);
  return {
    state,
    stateNumber: raw,
    congestionState: ca === undefined ? undefined : CONGESTION_STATES[ca],
    options: {
      sack: flag(opts, OPT_SACK, knownOptions),
      timestamps: flag(opts, OPT_TIMESTAMPS, knownOptions),
      windowScaling: flag(opts, OPT_WSCALE, knownOptions),
      ecn: flag(opts, OPT_ECN, knownOptions),
      ecnSeen: flag(opts, OPT_ECN_SEEN, knownOptions),
      synData: flag(opts, OPT_SYN_DATA, knownOptions),
    },
    sndWscale: v(I.sndWscale),
    rcvWscale: v(I.rcvWscale),
    retransmits: v(I.retransmits),
    probes: v(I.probes),
    backoff: v(I.backoff),
    rttUs: v(I.rttUs),
    rttVarUs: v(I.rttVarUs),
    minRttUs: v(I.minRttUs),
    rtoUs: v(I.rtoUs),
    atoUs: v(I.atoUs),
    rcvRttUs: v(I.rcvRttUs),
    mss: v(I.mss),
    rcvMss: v(I.rcvMss),
    advMss: v(I.advMss),
    pmtu: v(I.pmtu),
    cwndSegs: v(I.cwndSegs),
    cwndBytes: v(I.cwndBytes),
    ssthreshSegs: v(I.ssthreshSegs),
    ssthreshBytes: v(I.ssthreshBytes),
    sndWndBytes: v(I.sndWndBytes),
    rcvWndBytes: v(I.rcvWndBytes),
    rcvSpaceBytes: v(I.rcvSpaceBytes),
    rcvSsthreshBytes: v(I.rcvSsthreshBytes),
    unackedSegs: v(I.unackedSegs),
    sackedSegs: v(I.sackedSegs),
    lostSegs: v(I.lostSegs),
    retransSegs: v(I.retransSegs),
    totalRetransSegs: v(I.totalRetransSegs),
    reordering: v(I.reordering),
    reorderSeen: v(I.reorderSeen),
    dsackDups: v(I.dsackDups),
    outOfOrderPkts: v(I.outOfOrderPkts),
    bytesSent: v(I.bytesSent),
    bytesReceived: v(I.bytesReceived),
    bytesAcked: v(I.bytesAcked),
    bytesRetrans: v(I.bytesRetrans),
    bytesInFlight: v(I.bytesInFlight),
    notSentBytes: v(I.notSentBytes),
    segsOut: v(I.segsOut),
    segsIn: v(I.segsIn),
    dataSegsOut: v(I.dataSegsOut),
    dataSegsIn: v(I.dataSegsIn),
    deliveredSegs: v(I.deliveredSegs),
    deliveredCeSegs: v(I.deliveredCeSegs),
    deliveryRateBytesPerSec: v(I.deliveryRateBytesPerSec),
    pacingRateBytesPerSec: v(I.pacingRateBytesPerSec),
    maxPacingRateBytesPerSec: v(I.maxPacingRateBytesPerSec),
    lastDataSentMs: v(I.lastDataSentMs),
    lastDataRecvMs: v(I.lastDataRecvMs),
    lastAckRecvMs: v(I.lastAckRecvMs),
    busyTimeUs: v(I.busyTimeUs),
    rwndLimitedUs: v(I.rwndLimitedUs),
    sndbufLimitedUs: v(I.sndbufLimitedUs),
    timeoutEpisodes: v(I.timeoutEpisodes),
    rtoRecoveries: v(I.rtoRecoveries),
    rtoTimeMs: v(I.rtoTimeMs),
    connectionTimeMs: v(I.connectionTimeMs),
  };
}
