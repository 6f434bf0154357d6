// A policy → ops, validated whole before any system call, in table order.
import { invalidArgType } from '../errors';
import { MAX_OPS, OP_INTS, ops, text } from '../native/abi';
import { unknownKey } from '../validate';
import type { Resolved } from './resolve';
import { put } from './codec';
import { usable } from './features';
import { finishKeepAliveVals, takeKeepAliveVals, type KeepAlivePair } from './keepalive-vals';
import { OPTION_NAMES, type OptionName } from './table';

export interface Skipped {
  name: OptionName;
  /**
   * `unsupported` here (or on this kind of socket), `too-late` for this
   * socket's stage, or — from a route whose precedence is 'owner' —
   * `owner`: the socket's owner set it through Node first.
   */
  reason: 'unsupported' | 'too-late' | 'owner';
}

export interface Plan {
  /** The supported options of the policy, in table order. */
  batch: Resolved[];
  /** The op that carries each of them (the Windows keepalive pair shares one). */
  opOf: number[];
  /** The row each op sets, for its error. */
  rowOf: Resolved[];
  count: number;
  /** How many bytes of the shared text its strings take. */
  textBytes: number;
  skipped: Skipped[];
  /** Windows before 1709: the op both keepalive times share, once one is planned. */
  keepAlivePair?: KeepAlivePair;
}

/**
 * Each option's place in the table, and its row where this OS, kernel and
 * build support it: one lookup per policy key. A batch runs in table order,
 * whatever the policy's: Linux rewrites SO_PRIORITY when IP_TOS is set, so
 * tos must go before priority.
 */
interface Slot {
  index: number;
  r: Resolved | undefined;
}
let slots: Map<string, Slot> | undefined;
function slotsOf(): Map<string, Slot> {
  if (slots === undefined) {
    const rows = usable();
    slots = new Map(OPTION_NAMES.map((name, index) => [name, { index, r: rows.get(name) }]));
  }
  return slots;
}
// A policy is at most one op per row, and the keepAlive that follows the Windows pair.
if (OPTION_NAMES.length + 1 > MAX_OPS) throw new Error('sockctl: the native ops array is too small');

// `${prefix}.${name}` for each option, made once per prefix: errors name a
// value so, and building the strings on every call cost a fifth of plan().
const argNames = new Map<string, string[]>();
function argNamesOf(prefix: string): string[] {
  let names = argNames.get(prefix);
  if (names === undefined) {
    names = OPTION_NAMES.map((name) => `${prefix}.${name}`);
    argNames.set(prefix, names);
  }
  return names;
}

// The policy's keys and their slots, in table order (unknown keys first, so
// they are refused before any value is judged): one lookup per key, into
// arrays reused by every call.
const keys: string[] = [];
const keySlots: Array<Slot | undefined> = [];
function inTableOrder(names: string[], table: Map<string, Slot>): number {
  let last = -1;
  let sorted = true;
  for (let i = 0; i < names.length; i++) {
    const slot = table.get(names[i]);
    const at = slot?.index ?? -1;
    if (at < last) sorted = false;
    last = at;
    keys[i] = names[i];
    keySlots[i] = slot;
  }
  if (!sorted) {
    const order = names.map((_, i) => i).sort((x, y) => (keySlots[x]?.index ?? -1) - (keySlots[y]?.index ?? -1));
    const slotsBefore = keySlots.slice(0, names.length);
    order.forEach((from, to) => {
      keys[to] = names[from];
      keySlots[to] = slotsBefore[from];
    });
  }
  return names.length;
}

/** Lays out a whole policy as ops. Errors name a value `<prefix>.<option>`. */
export function plan(policy: unknown, prefix: string): Plan {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    throw invalidArgType(prefix, 'of type object', policy);
  }
  const table = slotsOf();
  const args = argNamesOf(prefix);
  const p: Plan = { batch: [], opOf: [], rowOf: [], count: 0, textBytes: 0, skipped: [] };
  let textAt = 0;
  const count = inTableOrder(Object.keys(policy), table);
  for (let i = 0; i < count; i++) {
    const name = keys[i];
    const slot = keySlots[i];
    const value = (policy as Record<string, unknown>)[name];
    if (slot === undefined) throw unknownKey(`${prefix}.${name}`, OPTION_NAMES, value);
    const r = slot.r;
    if (r === undefined) {
      if (value !== undefined) p.skipped.push({ name: name as OptionName, reason: 'unsupported' });
      continue;
    }
    if (value === undefined) continue;
    p.batch.push(r);
    // Windows before 1709: the keepalive times share one ioctl (keepalive-vals.ts).
    if (takeKeepAliveVals(p, r, value, args[slot.index])) continue;
    textAt = put(p.count, r, value, args[slot.index], textAt);
    p.rowOf.push(r);
    p.opOf.push(p.count++);
  }
  p.textBytes = finishKeepAliveVals(p, policy as Record<string, unknown>, prefix, textAt);
  return p;
}

// A frozen policy — what installPolicy keeps, and what most callers pass
// again and again — cannot change, so it is laid out once: later calls copy
// its ops back into the shared memory. Only a policy that is fixed all the
// way down is kept: frozen, with data properties only (a getter could answer
// differently each time), and a linger object fixed too.
interface Laid {
  p: Plan;
  ops: Int32Array;
  text: Uint8Array;
}
const laidOut = new WeakMap<object, Laid>();

function fixed(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (!Object.isFrozen(value)) return false;
  return Object.values(Object.getOwnPropertyDescriptors(value)).every((d) => 'value' in d && fixed(d.value));
}

/** plan(), once per frozen policy. The Plan it returns is shared: read it, never change it. */
export function planOnce(policy: unknown, prefix: string): Readonly<Plan> {
  const known = typeof policy === 'object' && policy !== null ? laidOut.get(policy) : undefined;
  if (known !== undefined) {
    ops.set(known.ops);
    text.set(known.text);
    return known.p;
  }
  const p = plan(policy, prefix);
  if (fixed(policy)) {
    laidOut.set(policy as object, { p, ops: ops.slice(0, p.count * OP_INTS), text: text.slice(0, p.textBytes) });
  }
  return p;
}
