// Windows before build 1709 has no TCP_KEEPIDLE/TCP_KEEPINTVL: both times go
// in one SIO_KEEPALIVE_VALS ioctl, which also turns keepalive on. This file
// is the only place that knows; plan() and setOption() call in here for a
// row the feature probe marked `keepAliveVals`.
import { KIND, writeOp } from '../native/abi';
import { integerOf } from './codec';
import type { Resolved } from './resolve';

/** The one op both times share; a time not given keeps Windows' default (2 h idle, 1 s between probes). */
export interface KeepAlivePair {
  op: number;
  idleMs: number;
  intervalMs: number;
}

export function newPair(op: number): KeepAlivePair {
  return { op, idleMs: 7200_000, intervalMs: 1000 };
}

/** Validates one of the two times and rewrites the shared op with both. */
export function putKeepAliveVals(pair: KeepAlivePair, r: Resolved, value: unknown, arg: string): void {
  const ms = integerOf(r, value, arg) * 1000;
  if (r.name === 'keepAliveIdleSecs') pair.idleMs = ms;
  else pair.intervalMs = ms;
  writeOp(pair.op, r, KIND.keepAliveVals, pair.idleMs, pair.intervalMs);
}
