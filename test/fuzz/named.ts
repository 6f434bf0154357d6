// The named options (setOption, getOption, apply and every policy): hostile
// names, values and policies, and the errors they must get. Every bound comes
// from limits(); none is written here.
import * as sockctl from '../../lib';
import { must, OUT_OF_RANGE, TYPE, UNAVAILABLE, VALUE, type Want } from './contract';
import { arg, misspell, numbers, PROTO_KEYS, withOwn, type Pcg32 } from './inputs';
import { limits } from './limits';

type Name = sockctl.OptionName;
const names = sockctl.optionNames;

export function isOptionName(x: unknown): x is Name {
  return typeof x === 'string' && Object.hasOwn(sockctl.optionTable, x);
}

/** The codes an option name gets before any system call, if any. */
export function nameError(name: unknown): readonly string[] | undefined {
  if (typeof name !== 'string') return TYPE;
  if (!isOptionName(name)) return VALUE;
  return sockctl.features[name] ? undefined : UNAVAILABLE;
}

/** The seconds of a linger in any of its three forms, or undefined for none of them. */
function lingerSeconds(value: unknown): unknown {
  if (value === false) return 0;
  if (typeof value === 'number') return value;
  const l = value as { enabled?: unknown; seconds?: unknown } | null;
  const ok = typeof l === 'object' && l !== null && typeof l.enabled === 'boolean' && typeof l.seconds === 'number';
  return ok ? l.seconds : undefined;
}

/** The codes a value of a supported option gets before any system call, if any. */
export function valueError(name: Name, value: unknown): readonly string[] | undefined {
  const l = limits(name);
  if (l === undefined) return UNAVAILABLE;
  const within = (x: number, min: number, max: number, step = 1) =>
    Number.isInteger(x) && x >= min && x <= max && x % step === 0;
  switch (l.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : TYPE;
    case 'string':
      if (typeof value !== 'string') return TYPE;
      if (value.includes('\0')) return VALUE;
      return Buffer.byteLength(value) <= l.maxBytes ? undefined : OUT_OF_RANGE;
    case 'linger': {
      const seconds = lingerSeconds(value);
      if (typeof seconds !== 'number') return TYPE;
      return within(seconds, l.min, l.max) ? undefined : OUT_OF_RANGE;
    }
    default:
      if (typeof value !== 'number') return TYPE;
      return within(value, l.min, l.max, l.step) ? undefined : OUT_OF_RANGE;
  }
}

/** A policy drawn by the fuzzer, and the near miss it holds, if any. */
export interface Drawn {
  value: unknown;
  typo?: string;
}

/**
 * What apply() (and every route that takes a policy) must make of it before
 * any system call, and the supported options it would then set.
 */
export function planWant(drawn: Drawn): { want?: Want; toSet: Name[] } {
  const policy = drawn.value;
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) return { want: must(TYPE), toSet: [] };
  if (Object.keys(policy).some((key) => !isOptionName(key))) {
    const misspelled = drawn.typo === undefined ? undefined : { key: drawn.typo, keys: names };
    return { want: { ...must(VALUE), misspelled }, toSet: [] };
  }
  const toSet: Name[] = [];
  for (const name of names) {
    // Its own keys only, in table order.
    const value = Object.hasOwn(policy, name) ? (policy as Record<string, unknown>)[name] : undefined;
    if (value === undefined || !sockctl.features[name]) continue;
    const error = valueError(name, value);
    if (error) return { want: must(error), toSet: [] };
    toSet.push(name);
  }
  return { toSet };
}

/** A successful apply() accounts for every option of the policy once: applied in table order, or skipped with a reason. */
export function applyResultProblem(policy: Record<string, unknown>, result: sockctl.ApplyResult): string | undefined {
  const given = names.filter((name) => Object.hasOwn(policy, name) && policy[name] !== undefined);
  const applied = names.filter((name) => result.applied.includes(name));
  if (applied.join() !== result.applied.join()) return `applied out of table order`;
  const seen = [...result.applied, ...result.skipped.map((s) => s.name)].sort();
  if (seen.join() !== [...given].sort().join()) return `the result does not name each option of the policy once`;
  for (const { name, reason } of result.skipped) {
    // Unsupported: on this platform, or (a TCP-only option) on this kind of socket.
    const tcpOnly = reason === 'unsupported' && (sockctl.optionTable[name] as sockctl.OptionRow).tcp === true;
    if (!tcpOnly && reason !== (sockctl.features[name] ? 'too-late' : 'unsupported'))
      return `${name} skipped as ${reason}`;
  }
  return undefined;
}

export const valueTypes = { boolean: 'boolean', integer: 'number', string: 'string', linger: 'object' } as const;

/** An option name: mostly a real one. */
export function optionName(rng: Pcg32): unknown {
  return rng.oneIn(8) ? rng.pick(['nope', '', 'KEEPALIVE', ...PROTO_KEYS, arg(rng)]) : rng.pick(names);
}

export function lingerArg(rng: Pcg32): unknown {
  const max = (limits('linger') as { max: number } | undefined)?.max ?? 0;
  switch (rng.below(6)) {
    case 0:
      return false;
    case 1:
      return { enabled: rng.oneIn(2), seconds: rng.pick([...numbers, max, max + 1]) };
    case 2:
      return { enabled: 'yes', seconds: 1 };
    case 3:
      return rng.pick([max, max + 1]);
    default:
      return arg(rng);
  }
}

const strings = ['lo', '', 'reno', 'nonexistent', 'nosuchdev0', 'x'.repeat(16), 'l\0o', 'é'.repeat(8), ...PROTO_KEYS];

/**
 * A value for an option, often of the wrong type or just out of bounds. The
 * valid ones stay harmless for the shared sockets: no interface but
 * loopback, and what only matters before bind or connect is too late on
 * every shared socket but the UDP one, which takes it as a UDP socket does.
 */
export function optionValue(rng: Pcg32, name: unknown): unknown {
  const l = isOptionName(name) ? limits(name) : undefined;
  if (l === undefined || rng.oneIn(4)) return rng.pick([arg(rng), rng.pick(strings), lingerArg(rng), true, false]);
  switch (l.kind) {
    case 'boolean':
      return rng.pick([true, false, 1, 'true', null]);
    case 'string':
      return rng.pick([...strings, 'x'.repeat(l.maxBytes), 'x'.repeat(l.maxBytes + 1)]);
    case 'linger':
      return lingerArg(rng);
    default: {
      const { min, max, step } = l;
      const between = step > 1 ? min + step / 2 : min + 0.5;
      return rng.pick([min, max, min - 1, max + 1, min + step, between, 1, 1000, 0x5eed, rng.pick(numbers), '5']);
    }
  }
}

/** A value every supported option takes without an argument error. */
function validValue(name: Name): unknown {
  const l = limits(name)!;
  return l.kind === 'boolean' ? true : l.kind === 'linger' ? false : l.kind === 'string' ? 'lo' : l.min;
}

/** A valid policy of one or two supported options. */
function validPolicy(rng: Pcg32): Record<string, unknown> {
  const supported = names.filter((name) => sockctl.features[name]);
  const policy: Record<string, unknown> = {};
  for (let n = 1 + rng.below(2); n > 0; n--) {
    const name = rng.pick(supported);
    policy[name] = validValue(name);
  }
  return policy;
}

export function policy(rng: Pcg32): Drawn {
  switch (rng.below(10)) {
    case 0:
      return { value: arg(rng) };
    case 1:
      return { value: {} };
    case 2:
      // An inherited option is not the policy's own: nothing to set.
      return {
        value: rng.pick([null, [], [{ tos: 1 }], () => {}, 'tos', new Date(0), Object.create({ tos: 0x28 })]),
      };
    case 3: {
      // A near miss of a real option beside valid ones: `keepalive`, `noDelya`.
      const source = rng.pick(names);
      const typo = misspell(rng, source, names);
      const base = validPolicy(rng);
      if (typo === undefined || !sockctl.features[source]) return { value: base };
      return { value: withOwn(base, typo, validValue(source)), typo };
    }
    case 4:
      return { value: withOwn(validPolicy(rng), rng.pick(PROTO_KEYS), rng.pick([true, 1, {}, null])) };
    case 5:
      return { value: Object.assign(Object.create(null), validPolicy(rng)) };
    default: {
      let p: Record<string, unknown> = {};
      for (let n = 1 + rng.below(4); n > 0; n--) {
        const name = optionName(rng);
        if (typeof name === 'string') p = withOwn(p, name, optionValue(rng, name));
      }
      return { value: p };
    }
  }
}
