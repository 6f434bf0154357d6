// TCP state names, the same on every OS, from each OS's own numbering.
import { invalidArgType } from '../errors';
import { validateOneOf } from '../validate';

export const TCP_STATES = Object.freeze([
  'CLOSED',
  'LISTEN',
  'SYN_SENT',
  'SYN_RECEIVED',
  'ESTABLISHED',
  'CLOSE_WAIT',
  'FIN_WAIT_1',
  'CLOSING',
  'LAST_ACK',
  'FIN_WAIT_2',
  'TIME_WAIT',
] as const);
export type TcpState = (typeof TCP_STATES)[number];

// <netinet/tcp.h> enum: TCP_ESTABLISHED = 1 … TCP_CLOSING = 11, and the
// kernel-internal TCP_NEW_SYN_RECV = 12 for a request socket.
const linux: Record<number, TcpState> = {
  1: 'ESTABLISHED',
  2: 'SYN_SENT',
  3: 'SYN_RECEIVED',
  4: 'FIN_WAIT_1',
  5: 'FIN_WAIT_2',
  6: 'TIME_WAIT',
  7: 'CLOSED',
  8: 'CLOSE_WAIT',
  9: 'LAST_ACK',
  10: 'LISTEN',
  11: 'CLOSING',
  12: 'SYN_RECEIVED',
};

// BSD TCPS_* (macOS, FreeBSD): TCP_STATES is in exactly this order.
const bsd: Record<number, TcpState> = { ...TCP_STATES };

// Windows TCPSTATE, as SIO_TCP_INFO reports it.
const windows: Record<number, TcpState> = {
  0: 'CLOSED',
  1: 'LISTEN',
  2: 'SYN_SENT',
  3: 'SYN_RECEIVED',
  4: 'ESTABLISHED',
  5: 'FIN_WAIT_1',
  6: 'FIN_WAIT_2',
  7: 'CLOSE_WAIT',
  8: 'CLOSING',
  9: 'LAST_ACK',
  10: 'TIME_WAIT',
};

export type StateNumbering = 'linux' | 'bsd' | 'windows';
const tables: Record<StateNumbering, Record<number, TcpState>> = { linux, bsd, windows };

const NUMBERINGS = Object.keys(tables) as StateNumbering[];

/** The state name for an OS's raw state number, or undefined if unknown. */
export function tcpStateName(numbering: StateNumbering, raw: number): TcpState | undefined {
  if (typeof numbering !== 'string') throw invalidArgType('numbering', 'of type string', numbering);
  validateOneOf(numbering, 'numbering', NUMBERINGS);
  if (typeof raw !== 'number') throw invalidArgType('raw', 'of type number', raw);
  // Own keys only: 'constructor' is no state.
  return Object.hasOwn(tables[numbering], raw) ? tables[numbering][raw] : undefined;
}

export function numberingFor(platform: NodeJS.Platform): StateNumbering {
  if (platform === 'linux' || platform === 'android') return 'linux';
  if (platform === 'win32') return 'windows';
  return 'bsd';
}

/** Every raw number that `numbering` uses for `state` (Linux has two for SYN_RECEIVED). */
export function tcpStateNumbers(numbering: StateNumbering, state: TcpState): number[] {
  return Object.entries(tables[numbering])
    .filter(([, name]) => name === state)
    .map(([raw]) => Number(raw));
}
