// getTcpInfo: the native layer fills one Float64Array slot per field (NaN
// where this OS or kernel has no such field); the object is built by the
// generated builder, and the state and option bits here.
import { errnosOf, featureUnavailable, systemError } from '../errors';
import { native } from '../native/binding';
import { fdOf, type Target } from '../target';
import { TCP_INFO_FIELDS } from './fields';
import { buildTcpInfo, type TcpInfo } from './info-build.generated';
import { numberingFor, tcpStateName, type TcpState } from './state';

export type { TcpInfo };

if (native.tcpInfoFields.join() !== TCP_INFO_FIELDS.join()) {
  throw new Error('sockctl: the native binary and lib/tcp/fields.ts disagree on the TCP info fields; rebuild');
}
const I = Object.fromEntries(TCP_INFO_FIELDS.map((name, i) => [name, i])) as Record<string, number>;

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
  if (rc < 0) {
    const err = systemError(rc, 'getsockopt', 'TCP_INFO');
    if (NOT_TCP_ERRNOS.has(rc)) err.message += ': not a TCP socket';
    throw err;
  }
  if (rc === 0) throw featureUnavailable('TCP_INFO (the OS returned a truncated struct)');
  return toTcpInfo(out);
}

/** What a UDP or Unix socket answers a TCP-level read with. */
const NOT_TCP_ERRNOS = errnosOf('ENOPROTOOPT', 'EOPNOTSUPP', 'ENOTSUP');

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
  const opts = present(out[base + I.options]);
  const ca = present(out[base + I.caState]);
  return buildTcpInfo(
    out,
    base,
    stateOf(out[base + I.rawState]),
    ca === undefined ? undefined : CONGESTION_STATES[ca],
    {
      sack: flag(opts, OPT_SACK, knownOptions),
      timestamps: flag(opts, OPT_TIMESTAMPS, knownOptions),
      windowScaling: flag(opts, OPT_WSCALE, knownOptions),
      ecn: flag(opts, OPT_ECN, knownOptions),
      ecnSeen: flag(opts, OPT_ECN_SEEN, knownOptions),
      synData: flag(opts, OPT_SYN_DATA, knownOptions),
    },
  );
}
