// Windows before build 1709 has no TCP_KEEPIDLE/TCP_KEEPINTVL: both times go
// in one SIO_KEEPALIVE_VALS ioctl, which also turns keepalive on. This file
// is the only place that knows; plan() and setOption() call in here for a
// row the feature probe marked `keepAliveVals`.
import { KIND, writeOp } from '../native/abi';
import { integerOf, put } from './codec';
import type { Plan } from './plan';
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

/** plan()'s hook: a row that goes through the ioctl joins the plan's one shared op; false for any other row. */
export function takeKeepAliveVals(p: Plan, r: Resolved, value: unknown, arg: string): boolean {
  if (!r.keepAliveVals) return false;
  if (p.keepAlivePair === undefined) {
    p.keepAlivePair = newPair(p.count++);
    p.rowOf.push(r);
  }
  putKeepAliveVals(p.keepAlivePair, r, value, arg);
  p.opOf.push(p.keepAlivePair.op);
  return true;
}

/**
 * After the plan: the ioctl turns keepalive on, so a keepAlive the policy
 * gives (false, say) goes again after it. Returns where the shared text ends.
 */
export function finishKeepAliveVals(p: Plan, policy: Record<string, unknown>, prefix: string, textAt: number): number {
  if (p.keepAlivePair === undefined) return textAt;
  const keepAlive = p.batch.findIndex((r) => r.name === 'keepAlive');
  if (keepAlive < 0) return textAt;
  p.rowOf.push(p.batch[keepAlive]);
  p.opOf[keepAlive] = p.count++;
  return put(p.count - 1, p.batch[keepAlive], policy.keepAlive, `${prefix}.keepAlive`, textAt);
}
