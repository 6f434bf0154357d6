// A policy → ops, validated whole before any system call, in table order.
import { invalidArgType } from '../errors';
import { MAX_OPS } from '../native/abi';
import { unknownKey } from '../validate';
import type { Resolved } from './resolve';
import { put } from './codec';
import { usable } from './features';
import { finishKeepAliveVals, takeKeepAliveVals, type KeepAlivePair } from './keepalive-vals';
import { OPTION_NAMES, OPTIONS, type OptionName } from './table';

export interface Skipped {
  name: OptionName;
  reason: 'unsupported' | 'too-late';
}

export interface Plan {
  /** The supported options of the policy, in table order. */
  batch: Resolved[];
  /** The op that carries each of them (the Windows keepalive pair shares one). */
  opOf: number[];
  /** The row each op sets, for its error. */
  rowOf: Resolved[];
  count: number;
  skipped: Skipped[];
  /** Windows before 1709: the op both keepalive times share, once one is planned. */
  keepAlivePair?: KeepAlivePair;
}

/**
 * Each option's place in the table. A batch runs in table order, whatever
 * the policy's: Linux rewrites SO_PRIORITY when IP_TOS is set, so tos must
 * go before priority.
 */
const order = new Map<string, number>(OPTION_NAMES.map((name, i) => [name, i]));
// A policy is at most one op per row, and the keepAlive that follows the Windows pair.
if (OPTION_NAMES.length + 1 > MAX_OPS) throw new Error('sockctl: the native ops array is too small');

function inTableOrder(names: string[]): string[] {
  for (let i = 1; i < names.length; i++) {
    if ((order.get(names[i - 1]) ?? -1) > (order.get(names[i]) ?? -1)) {
      return names.sort((a, b) => (order.get(a) ?? -1) - (order.get(b) ?? -1));
    }
  }
  return names;
}

/** Lays out a whole policy as ops. Errors name a value `<prefix>.<option>`. */
export function plan(policy: unknown, prefix: string): Plan {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    throw invalidArgType(prefix, 'of type object', policy);
  }
  const rows = usable();
  const p: Plan = { batch: [], opOf: [], rowOf: [], count: 0, skipped: [] };
  let textAt = 0;
  for (const name of inTableOrder(Object.keys(policy))) {
    const value = (policy as Record<string, unknown>)[name];
    const r = rows.get(name);
    if (r === undefined) {
      if (!Object.hasOwn(OPTIONS, name)) throw unknownKey(`${prefix}.${name}`, OPTION_NAMES, value);
      if (value !== undefined) p.skipped.push({ name: name as OptionName, reason: 'unsupported' });
      continue;
    }
    if (value === undefined) continue;
    p.batch.push(r);
    // Windows before 1709: the keepalive times share one ioctl (keepalive-vals.ts).
    if (takeKeepAliveVals(p, r, value, `${prefix}.${name}`)) continue;
    textAt = put(p.count, r, value, `${prefix}.${name}`, textAt);
    p.rowOf.push(r);
    p.opOf.push(p.count++);
  }
  finishKeepAliveVals(p, policy as Record<string, unknown>, prefix, textAt);
  return p;
}
