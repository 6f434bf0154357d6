// The op ABI shared with the native side (native/ops.h: struct Op, its
// kinds, stage bits and result codes, all read from the addon): a batch of
// options travels as int32 slots per op in the shared `ops` array, strings in
// the shared `text` bytes, results in `scratch`. Nothing outside lib/native/
// writes those slots by position.
import { native } from './binding';

const abi = native.opAbi;
export const OP_INTS = abi.opInts;
export const KIND = abi.kinds;
/** Result slots besides 0 and a negative error: nothing was called. */
export const TOO_LATE = abi.tooLate;
export const NOT_TCP = abi.notTcp;

export type Stage = keyof typeof abi.stages;

/** The phase slot of an op: a bit per stage still in time, and whether only TCP takes it. */
export function phaseBits(inTimeAt: readonly Stage[], tcpOnly: boolean): number {
  let bits = tcpOnly ? abi.tcpOnly : 0;
  for (const stage of inTimeAt) bits |= 1 << abi.stages[stage];
  return bits;
}

export const { ops, text, scratch } = native;

/** Where an op goes: its phase bits and the option for each family. */
export interface OpSpelling {
  phaseBits: number;
  level: number;
  option: number;
  /** The option for an IPv6 socket when it differs; level6 < 0: the same. */
  level6: number;
  option6: number;
}

export function writeOp(i: number, s: OpSpelling, kind: number, value: number, extra: number): void {
  const at = i * OP_INTS;
  ops[at] = kind;
  ops[at + 1] = s.phaseBits;
  ops[at + 2] = s.level;
  ops[at + 3] = s.option;
  ops[at + 4] = value;
  ops[at + 5] = extra;
  ops[at + 6] = s.level6;
  ops[at + 7] = s.option6;
}

/**
 * Fits the TCP-only check of ops 0..count (written as opAbi.tcpOnly: ask the
 * OS first) to what is known of the socket: none for a socket known to be
 * TCP; for one whose kind is not known (`undefined`: a bare descriptor),
 * only if the OS refuses the option, so that the common case costs no
 * system call. The kernel takes SO_KEEPALIVE and SO_LINGER on any socket,
 * so on a bare descriptor those two are not checked.
 */
export function fitTcpCheck(count: number, tcp: boolean | undefined): void {
  if (tcp === false) return;
  const bits = tcp ? 0 : abi.tcpOnRefusal;
  for (let at = 1; at < count * OP_INTS; at += OP_INTS) {
    if (ops[at] & abi.tcpOnly) ops[at] = (ops[at] & ~abi.tcpOnly) | bits;
  }
}

/** The value slot of op i, as the codec wrote it. */
export function opValue(i: number): number {
  return ops[i * OP_INTS + 4];
}

/** How many ops one batch may carry. */
export const MAX_OPS = ops.length / OP_INTS;
