// Every options-object parameter of the exports: its keys, the values the
// fuzzer draws for each, and what a value must get. An unknown key — a near
// miss like `reuseport` above all — must be refused (ERR_INVALID_ARG_VALUE,
// "did you mean 'reusePort'"), not silently ignored.
import net from 'node:net';
import * as sockctl from '../../lib';
import { must, OUT_OF_RANGE, RANGE, TYPE, UNAVAILABLE, VALID, VALUE, type Want } from './contract';
import { arg, misspell, nonString, PROTO_KEYS, withOwn, type Pcg32 } from './inputs';
import type { Drawn } from './named';

/** What a draw may use of the fixtures. */
export interface Ctx {
  rng: Pcg32;
  /** A TCP listener on 127.0.0.1. */
  port: number;
}

type Codes = readonly string[] | undefined;
interface Field {
  draw(ctx: Ctx): unknown;
  /** The codes this value gets on its own; undefined: it is fine. */
  check(value: unknown): Codes;
}
export interface Schema {
  fields: Record<string, Field>;
  /** A valid object to put a near miss into. */
  base(ctx: Ctx): Record<string, unknown>;
  /** Codes for fields valid one by one that clash. */
  cross?(o: Record<string, unknown>): Codes;
  /** Keeps a draw off the network: no name that would need a DNS query. */
  fix?(o: Record<string, unknown>): void;
}

const TYPE_OR_VALUE = [...TYPE, ...VALUE];
/** One of `values`, or now and then anything. */
const from = (values: readonly unknown[]) => (ctx: Ctx) => (ctx.rng.oneIn(4) ? arg(ctx.rng) : ctx.rng.pick(values));

const bool: Field = {
  draw: from([true, false, undefined]),
  check: (v) => (v === undefined || typeof v === 'boolean' ? undefined : TYPE),
};
const fn: Field = {
  draw: from([() => {}, undefined]),
  check: (v) => (v === undefined || typeof v === 'function' ? undefined : TYPE),
};
function portField(values: (ctx: Ctx) => unknown[], required = false): Field {
  return {
    draw: (ctx) => (ctx.rng.oneIn(4) ? arg(ctx.rng) : ctx.rng.pick(values(ctx))),
    check: (v) => {
      if (v === undefined) return required ? TYPE : undefined;
      if (typeof v !== 'number') return TYPE;
      return Number.isInteger(v) && v >= 0 && v <= 65535 ? undefined : RANGE;
    },
  };
}
function oneOf(values: readonly string[], draws: readonly unknown[], optional = true): Field {
  return {
    draw: from([...draws, ...PROTO_KEYS]),
    check: (v) =>
      (optional && v === undefined) || values.includes(v as string)
        ? undefined
        : typeof v === 'string'
          ? VALUE
          : TYPE_OR_VALUE,
  };
}
function ms(min: number, draws: readonly unknown[]): Field {
  return {
    draw: from(draws),
    check: (v) => {
      if (v === undefined) return undefined;
      if (typeof v !== 'number') return TYPE;
      return Number.isInteger(v) && v >= min && v <= 2 ** 31 - 1 ? undefined : OUT_OF_RANGE;
    },
  };
}

/** A numeric IPv4 or IPv6 address; an IPv6 zone must be a number. */
export function isNumericAddress(v: string): boolean {
  const [host, zone, ...more] = v.split('%');
  const family = net.isIP(host);
  if (family === 0 || more.length > 0) return false;
  return zone === undefined || (family === 6 && /^\d+$/.test(zone) && Number(zone) <= 0xffffffff);
}
export const familyOf = (v: unknown): number => (typeof v === 'string' ? net.isIP(v.split('%')[0]) : 0);

const ADDRESSES = [
  '127.0.0.1',
  '::1',
  '0.0.0.0',
  '::',
  '::1%1',
  '::1%x',
  '127.0.0.1%1',
  'localhost',
  'x',
  ...PROTO_KEYS,
];
const address: Field = {
  draw: from(ADDRESSES),
  check: (v) => (v === undefined ? undefined : typeof v !== 'string' ? TYPE : isNumericAddress(v) ? undefined : VALUE),
};
/** A host to resolve: literals and 'localhost' (from the hosts file) only, so no query leaves the machine. */
const host: Field = {
  draw: (ctx) => ctx.rng.pick(['127.0.0.1', '::1', '::', '0.0.0.0', 'localhost', '', nonString(ctx.rng)]),
  check: (v) => (v === undefined ? undefined : typeof v !== 'string' ? TYPE : v === '' ? VALUE : undefined),
};

/** Windows, Bun, Deno: what must precede bind cannot reach the runtime's socket, and is refused. */
function beforeBind(o: Record<string, unknown>, refused: readonly string[]): Codes {
  if (o.reusePort === true && !sockctl.features.reusePort) return UNAVAILABLE;
  if (!sockctl.features.bindHelpers && refused.some((key) => o[key] === true)) return UNAVAILABLE;
  return undefined;
}

export const openBoundSocketOptions: Schema = {
  fields: {
    type: oneOf(['tcp', 'udp'], ['tcp', 'udp', 'tcp', 'udp', 'sctp'], false),
    address,
    port: portField(() => [0, 0, 0, 70000, -1, 1.5, '80']),
    reuseAddress: bool,
    reusePort: bool,
    ipv6Only: bool,
  },
  base: (ctx) => ({ type: ctx.rng.pick(['tcp', 'udp']), address: ctx.rng.pick(['127.0.0.1', '::1']) }),
  cross: (o) =>
    beforeBind(o, []) ?? (o.ipv6Only !== undefined && familyOf(o.address ?? '0.0.0.0') !== 6 ? VALUE : undefined),
};

export const listenOptions: Schema = {
  fields: {
    host,
    port: portField((ctx) => [0, 0, 0, 70000, -1, ctx.port]),
    reusePort: bool,
    reuseAddress: bool,
    backlog: {
      draw: from([undefined, 1, 511, -1, 1.5, NaN, 2 ** 31, '5']),
      check: (v) =>
        v === undefined
          ? undefined
          : typeof v !== 'number'
            ? TYPE
            : Number.isInteger(v) && v >= 0 && v <= 0x7fffffff
              ? undefined
              : OUT_OF_RANGE,
    },
    ipv6Only: bool,
  },
  base: () => ({ host: '127.0.0.1' }),
  cross: (o) => {
    if (!sockctl.features.bindHelpers) return beforeBind(o, ['reuseAddress']);
    // The host as listen() resolves it: '::' by default, 'localhost' from the hosts file.
    const family = o.host === undefined ? 6 : o.host === 'localhost' ? 4 : familyOf(o.host);
    return beforeBind(o, []) ?? (o.ipv6Only !== undefined && family !== 6 ? VALUE : undefined);
  },
};

export const connectOptions: Schema = {
  fields: {
    host,
    port: portField((ctx) => [ctx.port, ctx.port, 0, 70000, -1, undefined], true),
    localAddress: { ...address, draw: from([undefined, undefined, ...ADDRESSES]) },
    localPort: portField(() => [0, undefined]),
    reuseAddress: bool,
    reusePort: bool,
  },
  base: (ctx) => ({ host: '127.0.0.1', port: ctx.port }),
  // reusePort too where no socket is adopted: Windows has none, Bun's and Deno's connect() takes none.
  cross: (o) => beforeBind(o, ['reuseAddress', 'reusePort']),
  // An IPv6 local address makes 'localhost' an IPv6-only lookup, which the
  // hosts file cannot answer: that one would go to DNS.
  fix: (o) => {
    if (familyOf(o.localAddress) === 6 && (o.host === undefined || o.host === 'localhost')) o.host = '::1';
  },
};

export function bindDgramOptions(ipv6: boolean): Schema {
  return {
    fields: {
      address,
      port: portField(() => [0, 0, 0, 70000, -1]),
      reuseAddress: bool,
      reusePort: bool,
      ipv6Only: bool,
    },
    base: () => (ipv6 ? { address: '::1' } : {}),
    cross: (o) => {
      const family = o.address === undefined ? (ipv6 ? 6 : 4) : familyOf(o.address);
      if (family !== 0 && family !== (ipv6 ? 6 : 4)) return VALUE;
      if (!sockctl.features.bindHelpers) return beforeBind(o, ['reuseAddress', 'reusePort', 'ipv6Only']);
      return beforeBind(o, []) ?? (o.ipv6Only !== undefined && family !== 6 ? VALUE : undefined);
    },
  };
}

export const closeOptions: Schema = {
  fields: {
    timeout: {
      draw: from([0, 1, 2, 1.5, -1, NaN, Infinity, 2 ** 31, '1', null]),
      check: (v) =>
        v === undefined
          ? undefined
          : typeof v !== 'number'
            ? TYPE
            : v >= 0 && v <= 2 ** 31 - 1
              ? undefined
              : OUT_OF_RANGE,
    },
  },
  base: (ctx) => ({ timeout: ctx.rng.below(3) }),
};

const states = sockctl.TCP_STATES as readonly unknown[];
export const listOptions: Schema = {
  fields: {
    state: {
      draw: from(['CLOSE_WAIT', 'LISTEN', ['LISTEN', 'ESTABLISHED'], [], ['nope'], [1], 'NOPE', ...PROTO_KEYS]),
      check: (v) => {
        if (v === undefined) return undefined;
        if (typeof v === 'string') return states.includes(v) ? undefined : VALUE;
        if (!Array.isArray(v)) return TYPE;
        return v.every((s) => states.includes(s)) ? undefined : VALUE;
      },
    },
    tcpInfo: bool,
  },
  base: () => ({ state: 'LISTEN' }),
};

export const trackOptions: Schema = { fields: { stacks: bool }, base: () => ({}) };

/** writeSocketReport's options, writing into `dir` (or a directory missing in it). */
export function reportOptions(dir: string): Schema {
  return {
    fields: {
      directory: {
        draw: (ctx) => (ctx.rng.oneIn(4) ? arg(ctx.rng) : ctx.rng.pick([dir, `${dir}/missing`, undefined])),
        check: (v) => (v === undefined || typeof v === 'string' ? undefined : TYPE),
      },
      tcpInfo: bool,
    },
    base: () => ({ directory: dir }),
  };
}

export const watchOptions: Schema = {
  fields: {
    after: ms(0, [undefined, 0, 10, 30_000, -1, 1.5, 2 ** 31, '1']),
    interval: ms(1, [undefined, 1, 10, 0, -1]),
    action: oneOf(['none', 'abort', 'destroy'], [undefined, 'none', 'abort', 'destroy', 'kill']),
  },
  base: () => ({ interval: 10 }),
};

export const policyOptions: Schema = { fields: { onApply: fn, onError: fn }, base: () => ({}) };

const tlsField: Field = {
  draw: from([undefined, false, true, {}]),
  check: (v) => (v === undefined || typeof v === 'boolean' || (typeof v === 'object' && v !== null) ? undefined : TYPE),
};
export const routeOptions: Schema = { fields: { onApply: fn, tls: tlsField }, base: () => ({}) };
export const connectorOptions: Schema = routeOptions;

/** createSocket's `socket`: options for the net.Socket, never a descriptor or handle of the caller's. */
const socketField: Field = {
  draw: (ctx) => ctx.rng.pick([undefined, null, {}, { allowHalfOpen: true }, { fd: 3 }, { handle: {} }, 1, 'x', []]),
  check: (v) => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) return TYPE;
    const given = v as Record<string, unknown>;
    return given.fd !== undefined || given.handle !== undefined ? VALUE : undefined;
  },
};
export const socketRouteOptions: Schema = { fields: { onApply: fn, socket: socketField }, base: () => ({}) };

/** An options object: junk, a valid one with a near miss or an inherited key's name, or random fields. */
export function drawOptions(ctx: Ctx, schema: Schema): Drawn {
  const { rng } = ctx;
  const keys = Object.keys(schema.fields);
  switch (rng.below(10)) {
    case 0:
      return { value: arg(rng) };
    case 1:
    case 2: {
      const source = rng.pick(keys);
      const typo = misspell(rng, source, keys);
      const base = schema.base(ctx);
      return typo === undefined
        ? { value: base }
        : { value: withOwn(base, typo, schema.fields[source].draw(ctx)), typo };
    }
    case 3:
      return { value: withOwn(schema.base(ctx), rng.pick(PROTO_KEYS), rng.pick([true, 1, 'x', {}])) };
    case 4:
      return { value: Object.assign(Object.create(null), schema.base(ctx)) };
    default: {
      const o: Record<string, unknown> = {};
      for (const key of keys) if (rng.oneIn(2)) o[key] = schema.fields[key].draw(ctx);
      schema.fix?.(o);
      return { value: o };
    }
  }
}

/** What a call must do with this options object (undefined: `{}`, where the parameter has a default). */
export function optionsWant(schema: Schema, drawn: Drawn, optional: boolean): Want {
  const o = drawn.value === undefined && optional ? {} : drawn.value;
  if (typeof o !== 'object' || o === null) return must(TYPE);
  // An array is no options object (Node's validateObject and apply() agree).
  if (Array.isArray(o)) return must(TYPE_OR_VALUE);
  const unknown = Object.keys(o).filter((key) => !Object.hasOwn(schema.fields, key));
  if (unknown.length > 0) {
    const misspelled = drawn.typo === undefined ? undefined : { key: drawn.typo, keys: Object.keys(schema.fields) };
    return { ...must(VALUE), misspelled };
  }
  const record = o as Record<string, unknown>;
  const codes = Object.entries(schema.fields).flatMap(([key, field]) => field.check(record[key]) ?? []);
  // A clash may be found before a bad field, or after.
  const all = [...codes, ...(schema.cross?.(record) ?? [])];
  return all.length > 0 ? must([...new Set(all)]) : VALID;
}

/** Two arguments judged in an order the contract leaves open: either one's error may come first. */
export function either(a: Want, b: Want): Want {
  if (a.fails && b.fails) return must([...new Set([...a.codes!, ...b.codes!])]);
  return a.fails ? a : b;
}
