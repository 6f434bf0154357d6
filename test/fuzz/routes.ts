// createConnection and undiciConnector: the factories, then now and then the
// functions they return, called as http and undici call them. Those take the
// caller's whole options (http passes its request's), so unknown keys pass
// there; only the keys they read are judged. Names resolve through a lookup
// of the fuzzer's own, or are 'localhost' from the hosts file: no query
// leaves the machine.
import net from 'node:net';
import * as sockctl from '../../lib';
import {
  ANY,
  judge,
  must,
  OUT_OF_RANGE,
  RANGE,
  TYPE,
  VALID,
  VALUE,
  withDeadline,
  type Outcome,
  type Result,
  type Want,
} from './contract';
import type { Fuzzer } from './fixture';
import { arg, nonString, PROTO_KEYS, withOwn } from './inputs';
import { planWant, policy } from './named';
import {
  connectorOptions,
  drawOptions,
  either,
  familyOf,
  isNumericAddress,
  optionsWant,
  routeOptions,
  socketRouteOptions,
} from './schemas';

type Callback = (err: Error | null, socket?: net.Socket | null) => void;
type Connect = (options: unknown, callback?: unknown) => net.Socket | undefined;

/** A lookup that answers from loopback only, as `all: true` callers expect. */
function lookupOf(
  answer: string,
): (host: string, opts: unknown, cb: (err: Error | null, found?: unknown) => void) => void {
  return (host, _opts, cb) => {
    const found = { v4: [{ address: '127.0.0.1', family: 4 }], v6: [{ address: '::1', family: 6 }], none: [] };
    if (answer === 'error') {
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
        code: 'ENOTFOUND',
        errno: -3008,
        syscall: 'getaddrinfo',
      });
      return setImmediate(cb, err);
    }
    setImmediate(cb, null, found[answer as keyof typeof found]);
  };
}

/** Calls a returned connect function and waits for the socket, the callback or the error, whichever it gives. */
function settle(connectFn: Connect, options: unknown, callback: unknown, wantsCallback: boolean): Promise<Result> {
  return new Promise<Result>((resolve) => {
    const keep = (s: unknown) => (s instanceof net.Socket ? s.on('error', () => {}) : s);
    const cb: Callback = (error, socket) =>
      resolve(error ? { threw: true, error } : { threw: false, value: keep(socket) });
    let returned: unknown;
    try {
      returned = connectFn(options, wantsCallback ? cb : callback);
    } catch (error) {
      return resolve({ threw: true, error });
    }
    if (returned instanceof net.Socket) {
      keep(returned);
      returned.once('connect', () => resolve({ threw: false, value: returned }));
      returned.once('error', (error) => resolve({ threw: true, error }));
    } else if (!wantsCallback) resolve({ threw: false, value: returned });
  });
}

const nullish = (v: unknown) => v === undefined || v === null;
/** The host createConnection resolves: 'localhost' when none is given. */
const hostOf = (o: { host?: unknown }) => (nullish(o.host) ? 'localhost' : o.host);
const isName = (host: unknown) => typeof host === 'string' && host !== '' && net.isIP(host) === 0;
function portCodes(v: unknown, required: boolean): readonly string[] {
  if (nullish(v)) return required ? TYPE : [];
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number') return TYPE;
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? [] : RANGE;
}

/** Options as http.Agent passes them, and what createConnection's function must make of them. */
function connectionOptions(f: Fuzzer): { options: unknown; want: Want } {
  const { rng } = f;
  if (rng.oneIn(12)) return { options: arg(rng), want: must(TYPE) };
  const o: Record<string, unknown> = {
    host: rng.pick([undefined, null, '127.0.0.1', '::1', 'localhost', '', 'nope.test', ...PROTO_KEYS, nonString(rng)]),
    port: rng.pick([f.port, f.port, String(f.port), 0, 70000, -1, '80x', null, undefined, arg(rng)]),
    localAddress: rng.pick([undefined, null, undefined, '127.0.0.1', '::1', 'x', ...PROTO_KEYS, nonString(rng)]),
    localPort: rng.pick([undefined, null, undefined, 0, 70000, -1, arg(rng)]),
    timeout: rng.pick([undefined, null, undefined, 0, 1000, -1, NaN, Infinity, '1']),
    lookup: rng.pick([undefined, null, 1, 'x', lookupOf(rng.pick(['v4', 'v6', 'none', 'error']))]),
    family: rng.pick([undefined, 0, 4, 6]),
  };
  if (f.unixPath && rng.oneIn(10)) o.path = f.unixPath;
  // Without a lookup a name goes to the resolver: only 'localhost', and only where the hosts file answers.
  const host = hostOf(o);
  if (isName(host) && nullish(o.lookup) && (host !== 'localhost' || o.family === 6)) o.host = '127.0.0.1';
  const options = rng.oneIn(6) ? withOwn(o, rng.pick([...PROTO_KEYS, 'headers']), rng.pick([1, {}])) : o;
  return { options, want: connectionWant(o) };
}

/** A Unix socket path, as createConnection reads one: `path` without a port (beside one it is Node 18's request path). */
function unix(o: { path?: unknown; port?: unknown }): boolean {
  return typeof o.path === 'string' && nullish(o.port);
}

function connectionWant(o: Record<string, unknown>): Want {
  const timeout = o.timeout;
  const codes: string[] = [];
  if (!nullish(timeout)) {
    if (typeof timeout !== 'number') codes.push(...TYPE);
    else if (!(timeout >= 0 && timeout < Infinity)) codes.push(...OUT_OF_RANGE);
  }
  if (unix(o)) return codes.length > 0 ? must(codes) : VALID;
  const host = hostOf(o);
  if (typeof host !== 'string') codes.push(...TYPE);
  else if (host === '') codes.push(...VALUE);
  codes.push(...portCodes(o.port, true), ...portCodes(o.localPort, false));
  const local = o.localAddress;
  if (!nullish(local)) {
    if (typeof local !== 'string') codes.push(...TYPE);
    else if (!isNumericAddress(local)) codes.push(...VALUE);
  }
  const name = isName(host);
  if (name && !nullish(o.lookup) && typeof o.lookup !== 'function') codes.push(...TYPE);
  if (codes.length > 0) return must([...new Set(codes)]);
  // A literal host of the other family than the local address: refused before any socket.
  if (!name && !nullish(local) && familyOf(host) !== familyOf(local)) return must(VALUE);
  return VALID;
}

async function connectThrough(f: Fuzzer, connectFn: Connect, wantsCallback: boolean): Promise<Outcome> {
  const { options, want } = connectionOptions(f);
  const callback = wantsCallback ? '<callback>' : f.rng.pick([undefined, 1, 'x']);
  const o = options as { host?: unknown; path?: unknown; port?: unknown } | null;
  const name = typeof o === 'object' && o !== null && !unix(o) && isName(hostOf(o));
  // A callback that is no function is refused, and a name to resolve needs one.
  const extra = !wantsCallback && (callback !== undefined || name) ? TYPE : [];
  const wanted = extra.length === 0 ? want : must([...(want.fails ? want.codes! : []), ...extra]);
  const result = await withDeadline(settle(connectFn, options, callback, wantsCallback), 'createConnection()').catch(
    (error: unknown): Result => ({ threw: true, error }),
  );
  const verdict = judge('createConnection()', [options, callback], wanted, result, (s) =>
    s instanceof net.Socket || (!wantsCallback && s === undefined) ? undefined : 'neither a socket nor a callback',
  );
  if (!result.threw && result.value instanceof net.Socket) result.value.destroy();
  return verdict;
}

async function createConnection(f: Fuzzer): Promise<Outcome> {
  const drawn = policy(f.rng);
  const route = drawOptions(f, routeOptions);
  const args = route.value === undefined && f.rng.oneIn(2) ? [drawn.value] : [drawn.value, route.value];
  const want = either(planWant(drawn).want ?? VALID, optionsWant(routeOptions, route, true));
  let result: Result;
  try {
    result = { threw: false, value: sockctl.createConnection(drawn.value as never, ...(args.slice(1) as [never])) };
  } catch (error) {
    result = { threw: true, error };
  }
  const verdict = judge('createConnection', args, want, result, (v) =>
    typeof v === 'function' ? undefined : 'no function',
  );
  // TLS to the fixture's plain listener would wait for a handshake that never comes.
  const plain = (route.value as { tls?: unknown } | undefined)?.tls;
  if (!verdict.ok || result.threw || (plain !== undefined && plain !== false) || f.rng.oneIn(2)) return verdict;
  return connectThrough(f, result.value as Connect, f.rng.below(4) > 0);
}

/** Calls an undici connector as undici would, now and then with what undici never passes. */
async function connectorThrough(f: Fuzzer, connector: (opts: unknown, cb: unknown) => void): Promise<Outcome> {
  const { rng } = f;
  const opts = rng.oneIn(8)
    ? arg(rng)
    : {
        hostname: rng.pick(['127.0.0.1', '[::1]', 'localhost', '', nonString(rng)]),
        protocol: rng.pick(['http:', 'http:', 'x', undefined]),
        port: rng.pick([f.port, String(f.port), '', 70000, 'x', undefined, arg(rng)]),
        localAddress: rng.pick([undefined, null, '127.0.0.1', '::1', 'x', 1]),
      };
  const hostname = (opts as { hostname?: unknown } | null)?.hostname;
  // Errors reach the callback; what undici never passes may be thrown instead.
  const want: Want = typeof opts !== 'object' || opts === null || typeof hostname !== 'string' ? must(TYPE) : ANY;
  const result = await withDeadline(
    new Promise<Result>((resolve) => {
      try {
        connector(opts, (error: Error | null, socket: net.Socket | null) =>
          resolve(error ? { threw: true, error } : { threw: false, value: socket?.on('error', () => {}) }),
        );
      } catch (error) {
        resolve({ threw: true, error });
      }
    }),
    'undiciConnector()',
  ).catch((error: unknown): Result => ({ threw: true, error }));
  const verdict = judge('undiciConnector()', [opts, '<callback>'], want, result, (s) =>
    s instanceof net.Socket ? undefined : 'called back with no socket',
  );
  if (!result.threw && result.value instanceof net.Socket) result.value.destroy();
  return verdict;
}

async function undiciConnector(f: Fuzzer): Promise<Outcome> {
  const drawn = policy(f.rng);
  const options = drawOptions(f, connectorOptions);
  const args = options.value === undefined && f.rng.oneIn(2) ? [drawn.value] : [drawn.value, options.value];
  const want = either(planWant(drawn).want ?? VALID, optionsWant(connectorOptions, options, true));
  let result: Result;
  try {
    result = { threw: false, value: sockctl.undiciConnector(drawn.value as never, ...(args.slice(1) as [never])) };
  } catch (error) {
    result = { threw: true, error };
  }
  const verdict = judge('undiciConnector', args, want, result, (v) =>
    typeof v === 'function' ? undefined : 'no function',
  );
  if (!verdict.ok || result.threw || f.rng.oneIn(2)) return verdict;
  return connectorThrough(f, result.value as (opts: unknown, cb: unknown) => void);
}

/** Connects a createSocket socket as pg does, `connect(port, host)`, now and then with a bad port. */
async function connectSocket(f: Fuzzer, socket: net.Socket): Promise<Outcome> {
  const { rng } = f;
  const host = rng.pick(['127.0.0.1', '::1', 'localhost', undefined]);
  // (A string that is not a number is a Unix path to Node, not a port.)
  const port = rng.pick([f.port, f.port, f.port, 70000, -1, 1.5, '70000']);
  const valid = port === f.port;
  const result = await withDeadline(
    new Promise<Result>((resolve) => {
      socket.once('connect', () => resolve({ threw: false, value: socket }));
      socket.once('error', (error) => resolve({ threw: true, error }));
      try {
        socket.connect(port as number, host as string);
      } catch (error) {
        resolve({ threw: true, error });
      }
    }),
    'createSocket().connect()',
  ).catch((error: unknown): Result => ({ threw: true, error }));
  socket.destroy();
  // A good port connects, or fails as connecting can (::1 absent, say); a bad one is Node's own RangeError.
  return judge('createSocket().connect()', [port, host], valid ? ANY : must(RANGE), result, (s) =>
    s === socket ? undefined : 'connected another socket',
  );
}

async function createSocket(f: Fuzzer): Promise<Outcome> {
  const drawn = policy(f.rng);
  const options = drawOptions(f, socketRouteOptions);
  const args = options.value === undefined && f.rng.oneIn(2) ? [drawn.value] : [drawn.value, options.value];
  const want = either(planWant(drawn).want ?? VALID, optionsWant(socketRouteOptions, options, true));
  let result: Result;
  try {
    result = { threw: false, value: sockctl.createSocket(drawn.value as never, ...(args.slice(1) as [never])) };
  } catch (error) {
    result = { threw: true, error };
  }
  const verdict = judge('createSocket', args, want, result, (v) =>
    v instanceof net.Socket && v.pending ? undefined : 'no unconnected socket',
  );
  if (!verdict.ok || result.threw) return verdict;
  const socket = result.value as net.Socket;
  socket.on('error', () => {});
  if (f.rng.oneIn(2)) {
    socket.destroy();
    return verdict;
  }
  return connectSocket(f, socket);
}

export const ROUTES: Record<string, (f: Fuzzer) => Promise<Outcome>> = {
  createConnection,
  createSocket,
  undiciConnector,
};
