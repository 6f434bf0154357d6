// The op ABI shared with the native side (native/sockopt.h: struct Op,
// OpKind, kTooLate): a batch of options travels as 8 int32 slots per op in
// the shared `ops` array, strings in the shared `text` bytes, results in
// `scratch`. Nothing outside lib/native/ writes those slots by position.
import { native } from './binding';

export const OP_INTS = 8;
export const KIND = { int: 0, linger: 1, text: 2, interface: 3, keepAliveVals: 4 } as const;
/** A result slot: 0 done, a negative error, or TOO_LATE (nothing was called). */
export const TOO_LATE = 1;

export const { ops, text, scratch } = native;

/** Where an op goes: the phase's code and the option for each family. */
export interface OpSpelling {
  phaseCode: number;
  level: number;
  option: number;
  /** The option for an IPv6 socket when it differs; level6 < 0: the same. */
  level6: number;
  option6: number;
}

export function writeOp(i: number, s: OpSpelling, kind: number, value: number, extra: number): void {
  const at = i * OP_INTS;
  ops[at] = kind;
  ops[at + 1] = s.phaseCode;
  ops[at + 2] = s.level;
  ops[at + 3] = s.option;
  ops[at + 4] = value;
  ops[at + 5] = extra;
  ops[at + 6] = s.level6;
  ops[at + 7] = s.option6;
}

/** The value slot of op i, as the codec wrote it. */
export function opValue(i: number): number {
  return ops[i * OP_INTS + 4];
}

/** How many ops one batch may carry. */
export const MAX_OPS = ops.length / OP_INTS;
