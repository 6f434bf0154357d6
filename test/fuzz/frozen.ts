// The exports that are values (optionTable, features, constants, TCP_STATES,
// ...): nothing a caller writes to them may change what sockctl does. Each
// is checked frozen all the way down, then every property is written, one at
// a time, and sockctl's answers to a fixed set of calls compared.
import * as sockctl from '../../lib';
import { openUnboundTcp } from '../helpers/native';
import { closeFd } from '../helpers/sockets';
import { show } from './contract';
import { limits } from './limits';

/** Every object reachable from `value` that is not frozen, by path. */
function unfrozen(value: unknown, path: string): string[] {
  const out: string[] = [];
  const seen = new Set<object>();
  const walk = (v: unknown, p: string): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (!Object.isFrozen(v)) out.push(p);
    for (const [k, child] of Object.entries(v)) walk(child, Array.isArray(v) ? `${p}[${k}]` : `${p}.${k}`);
  };
  walk(value, path);
  return out;
}

const otherKind: Record<string, string> = {
  boolean: 'integer',
  integer: 'boolean',
  string: 'integer',
  linger: 'boolean',
};
/** A different value of the same type, chosen to matter: another value kind, an emptied range, another phase. */
function changed(v: unknown, key: string): unknown {
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'number') return v === 0 ? 1 : -v;
  if (typeof v !== 'string') return undefined;
  if (key === 'phase') return v === 'any' ? 'bind' : 'any';
  return otherKind[v] ?? `${v}X`;
}

interface Write {
  path: string;
  /** The key under the export that it writes below (a row of optionTable, say). */
  top: string | undefined;
  apply(): boolean;
  undo(): void;
}

/** One write per primitive property, plus a key added to each object and an element to each array. */
function writes(value: unknown, path: string): Write[] {
  const out: Write[] = [];
  const walk = (v: unknown, p: string, top?: string): void => {
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    for (const [k, child] of Object.entries(o)) {
      // Words for the README only.
      if (k === 'summary' || k === 'core' || k === 'note') continue;
      const to = changed(child, k);
      if (to !== undefined) {
        out.push({
          path: `${p}.${k} = ${show(to)}`,
          top: top ?? k,
          apply: () => attempt(() => (o[k] = to)) && o[k] === to,
          undo: () => attempt(() => (o[k] = child)),
        });
      }
      walk(child, `${p}.${k}`, top ?? k);
    }
    if (Array.isArray(v)) {
      const length = v.length;
      out.push({
        path: `${p}.push('NOPE')`,
        top,
        apply: () => attempt(() => v.push('NOPE')) && v.length > length,
        undo: () => attempt(() => (v.length = length)),
      });
      return;
    }
    // A row named 'nope', a copy of the first.
    const copy = JSON.parse(JSON.stringify(Object.values(o)[0] ?? null));
    out.push({
      path: `${p}.nope added`,
      top,
      apply: () => attempt(() => (o.nope = copy)) && Object.hasOwn(o, 'nope'),
      undo: () => attempt(() => delete o.nope),
    });
  };
  walk(value, path);
  return out;
}

function attempt(write: () => unknown): boolean {
  try {
    write();
    return true;
  } catch {
    return false; // frozen, in strict mode
  }
}

// Taken before anything is written.
const NAMES = [...sockctl.optionNames, 'nope'];
const STATES = [...sockctl.TCP_STATES, 'NOPE'];
const probeValues = (name: string): unknown[] => {
  const l = NAMES.includes(name) && name !== 'nope' ? limits(name) : undefined;
  const edges = l && 'max' in l ? [l.min - 1, l.min, l.max, l.max + 1] : [];
  return [true, 1, 1500, 'lo', 'x'.repeat(16), { enabled: true, seconds: 1 }, ...edges];
};
const PROBES = new Map(NAMES.map((name) => [name, probeValues(name)]));

/** What a value can steer: the named options, or the TCP state names (the census is slow to ask). */
type Scope = 'options' | 'states';
const scopes: Record<string, Scope[]> = { TCP_STATES: ['states'] };

/**
 * sockctl's answers to a fixed set of calls, by call; `focus`: of the named
 * options, only this one's (and an unknown name's), which keeps a write per
 * table cell affordable.
 */
export function observe(scope: readonly Scope[] = ['options', 'states'], focus?: string): Map<string, string> {
  const seen = new Map<string, string>();
  const record = (label: string, call: () => unknown): void => {
    try {
      seen.set(label, `ok ${JSON.stringify(call() ?? null)}`);
    } catch (err) {
      seen.set(label, String((err as { code?: unknown }).code ?? (err as Error).name));
    }
  };
  const fd = openUnboundTcp(false);
  try {
    for (const [name, values] of scope.includes('options') ? PROBES : []) {
      if (focus !== undefined && name !== focus && name !== 'nope') continue;
      record(`limits(${name})`, () => limits(name));
      for (const v of values)
        record(`setOption(${name}, ${show(v)})`, () => sockctl.setOption(fd, name as never, v as never));
    }
    if (scope.includes('options')) record('apply', () => sockctl.apply(fd, { noDelay: true, tos: 0, linger: false }));
    if (!scope.includes('states')) return seen;
    for (const s of STATES) record(`listSockets(${s}X)`, () => void sockctl.listSockets({ state: `${s}X` as never }));
    record('listSockets(NOPE)', () => void sockctl.listSockets({ state: 'NOPE' as never }));
    for (const numbering of ['linux', 'bsd', 'windows'] as const) {
      for (let raw = 0; raw < 13; raw++)
        record(`tcpStateName(${numbering}, ${raw})`, () => sockctl.tcpStateName(numbering, raw));
    }
  } finally {
    closeFd(fd);
  }
  return seen;
}

/** The answers in `after` that differ from `before` (which has them all); what a call does before what limits() says. */
function differences(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after]
    .filter(([k, v]) => before.get(k) !== v)
    .sort(([a], [b]) => Number(a.startsWith('limits')) - Number(b.startsWith('limits')))
    .map(([k, v]) => `${k}: ${before.get(k)} → ${v}`);
}

/** What is wrong with one value export: objects left unfrozen, and writes that change what sockctl does. */
export function immutabilityProblems(name: string, value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return []; // a primitive: nothing to write to
  const problems: string[] = [];
  const open = unfrozen(value, name);
  if (open.length > 0) problems.push(`${name}: ${open.length} objects not frozen, e.g. ${open.slice(0, 3).join(', ')}`);
  const scope = scopes[name] ?? ['options'];
  const before = observe(scope);
  const effective: string[] = [];
  for (const write of writes(value, name)) {
    if (!write.apply()) continue;
    const focus = write.top !== undefined && NAMES.includes(write.top) ? write.top : undefined;
    const diff = differences(before, observe(scope, focus));
    write.undo();
    if (diff.length > 0) effective.push(`${write.path} (${diff.length} answers change, e.g. ${diff[0]})`);
  }
  if (effective.length > 0) {
    problems.push(
      `${name}: ${effective.length} writes change what sockctl does, e.g. ${effective.slice(0, 3).join('; ')}`,
    );
  }
  return problems;
}
