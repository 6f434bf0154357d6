// The exports that take no target: openBoundSocket, listen, connect,
// bindDgram, the census, the watchdog, installPolicy, tcpStateName,
// trackSockets and limits.
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import * as sockctl from '../../lib';
import { closeFd } from '../helpers/sockets';
import {
  judge,
  must,
  OUT_OF_RANGE,
  outcomeOf,
  TYPE,
  VALID,
  VALUE,
  withDeadline,
  type Outcome,
  type Want,
} from './contract';
import type { Fuzzer } from './fixture';
import { arg, PROTO_KEYS } from './inputs';
import { limits } from './limits';
import { nameError, optionName, planWant, policy } from './named';
import * as schemas from './schemas';
import { drawOptions, either, optionsWant, type Schema } from './schemas';

/** An options argument, left out now and then where it has a default. */
function optionsArg(f: Fuzzer, schema: Schema, optional: boolean) {
  const drawn = drawOptions(f, schema);
  const args = optional && drawn.value === undefined && f.rng.oneIn(2) ? [] : [drawn.value];
  return { args, want: optionsWant(schema, drawn, optional) };
}

const states = sockctl.TCP_STATES as readonly unknown[];

async function openBoundSocket(f: Fuzzer): Promise<Outcome> {
  const { args, want } = optionsArg(f, schemas.openBoundSocketOptions, false);
  const result = await outcomeOf(() => sockctl.openBoundSocket(args[0] as never));
  if (!result.threw && typeof result.value === 'number' && result.value >= 0) closeFd(result.value);
  return judge('openBoundSocket', args, want, result, (fd) => (Number.isInteger(fd) ? undefined : 'no descriptor'));
}

async function listen(f: Fuzzer): Promise<Outcome> {
  const fresh = net.createServer();
  const server = f.rng.oneIn(8) ? arg(f.rng) : f.rng.oneIn(16) ? f.server : fresh;
  const { args, want: options } = optionsArg(f, schemas.listenOptions, true);
  let want: Want = options;
  if (!(server instanceof net.Server)) want = must(TYPE);
  else if (server.listening) want = must([...(options.fails ? options.codes! : []), 'ERR_SERVER_ALREADY_LISTEN']);
  try {
    const result = await outcomeOf(() => withDeadline(sockctl.listen(server as never, ...(args as [never])), 'listen'));
    return judge('listen', [server, ...args], want, result, (v) =>
      v === server && fresh.listening ? undefined : 'resolved with no listening server',
    );
  } finally {
    if (fresh.listening) fresh.close();
  }
}

async function connect(f: Fuzzer): Promise<Outcome> {
  const { args, want } = optionsArg(f, schemas.connectOptions, false);
  const result = await outcomeOf(() => withDeadline(sockctl.connect(args[0] as never), 'connect'));
  const verdict = judge('connect', args, want, result, (s) =>
    s instanceof net.Socket && s.remotePort !== undefined ? undefined : 'resolved with no connected socket',
  );
  if (!result.threw && result.value instanceof net.Socket) result.value.destroy();
  return verdict;
}

async function bindDgram(f: Fuzzer): Promise<Outcome> {
  const ipv6 = f.rng.oneIn(2);
  const fresh = dgram.createSocket(ipv6 ? 'udp6' : 'udp4');
  const socket = f.rng.oneIn(8) ? arg(f.rng) : fresh;
  const { args, want } = optionsArg(f, schemas.bindDgramOptions(ipv6), true);
  try {
    const result = await outcomeOf(() =>
      withDeadline(sockctl.bindDgram(socket as never, ...(args as [never])), 'bindDgram'),
    );
    return judge('bindDgram', [socket, ...args], socket === fresh ? want : must(TYPE), result, (v) =>
      v === fresh ? undefined : 'resolved with another socket',
    );
  } finally {
    try {
      fresh.close();
    } catch {
      // never bound, or closed by a failed bind
    }
  }
}

async function listSockets(f: Fuzzer): Promise<Outcome> {
  const { args, want } = optionsArg(f, schemas.listOptions, true);
  const asked = (args[0] as { state?: unknown } | undefined)?.state;
  const wanted = asked === undefined ? states : typeof asked === 'string' ? [asked] : (asked as unknown[]);
  const result = await outcomeOf(() => sockctl.listSockets(...(args as [never])));
  return judge('listSockets', args, want, result, (entries) =>
    Array.isArray(entries) && entries.every((e: sockctl.SocketEntry) => wanted.includes(e.state))
      ? undefined
      : 'listed a socket in a state not asked for',
  );
}

async function watchCloseWait(f: Fuzzer): Promise<Outcome> {
  const { args, want } = optionsArg(f, schemas.watchOptions, true);
  const result = await outcomeOf(() => sockctl.watchCloseWait(...(args as [never])));
  const watchdog = result.threw ? undefined : (result.value as { stop?: unknown });
  if (typeof watchdog?.stop === 'function') watchdog.stop();
  return judge('watchCloseWait', args, want, result, () => (watchdog?.stop ? undefined : 'no stop()'));
}

async function installPolicy(f: Fuzzer): Promise<Outcome> {
  const drawn = policy(f.rng);
  const options = optionsArg(f, schemas.policyOptions, true);
  const want = either(planWant(drawn).want ?? VALID, options.want);
  const result = await outcomeOf(() => sockctl.installPolicy(drawn.value as never, ...(options.args as [never])));
  const installed = result.threw ? undefined : (result.value as { uninstall?: unknown });
  if (typeof installed?.uninstall === 'function') {
    installed.uninstall();
    installed.uninstall();
  }
  return judge('installPolicy', [drawn.value, ...options.args], want, result, () =>
    installed?.uninstall ? undefined : 'no uninstall()',
  );
}

async function tcpStateName(f: Fuzzer): Promise<Outcome> {
  const { rng } = f;
  const numbering = rng.pick([
    'linux',
    'bsd',
    'windows',
    'linux',
    'bsd',
    'windows',
    ...PROTO_KEYS,
    'nope',
    '',
    arg(rng),
  ]);
  const raw = rng.oneIn(3)
    ? rng.pick([...PROTO_KEYS, 'length', '1', arg(rng)])
    : rng.pick([...Array(14).keys(), arg(rng)]);
  const codes = [
    typeof numbering !== 'string' ? TYPE : ['linux', 'bsd', 'windows'].includes(numbering) ? [] : VALUE,
    typeof raw !== 'number' ? TYPE : [],
  ].flat();
  // A number that no table can hold may be refused, or be unknown.
  const fractional = typeof raw === 'number' && !(Number.isInteger(raw) && raw >= 0);
  const want: Want = codes.length > 0 ? must(codes) : { codes: fractional ? OUT_OF_RANGE : [] };
  const result = await outcomeOf(() => sockctl.tcpStateName(numbering as never, raw as never));
  return judge('tcpStateName', [numbering, raw], want, result, (v) =>
    v === undefined || states.includes(v) ? undefined : `returned ${typeof v}, no state name`,
  );
}

async function trackSockets(f: Fuzzer): Promise<Outcome> {
  const { args, want } = optionsArg(f, schemas.trackOptions, true);
  const result = await outcomeOf(() => (sockctl.trackSockets as (...a: unknown[]) => unknown)(...args));
  return judge('trackSockets', args, want, result, (v) => (v === undefined ? undefined : 'returned something'));
}

/** Writes into a directory of its own, the working directory too (where a report goes without one). */
async function writeSocketReport(f: Fuzzer): Promise<Outcome> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-fuzz-'));
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const { args, want } = optionsArg(f, schemas.reportOptions(dir), true);
    const result = await outcomeOf(() => sockctl.writeSocketReport(...(args as [never])));
    return judge('writeSocketReport', args, want, result, (file) =>
      typeof file === 'string' && fs.existsSync(file) ? undefined : 'no report file',
    );
  } finally {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const kindOf = { boolean: 'boolean', integer: 'integer', string: 'string', linger: 'linger' } as const;
const count = (x: unknown, min: number) => Number.isInteger(x) && (x as number) >= min;

/** The shape limits() promises for a supported option of this row's value kind. */
function limitsProblem(name: sockctl.OptionName, l: unknown): string | undefined {
  if (!sockctl.features[name]) return l === undefined ? undefined : 'bounds for an unsupported option';
  const got = l as { kind?: unknown; min?: unknown; max?: unknown; step?: unknown; maxBytes?: unknown } | undefined;
  const kind = kindOf[(sockctl.optionTable[name] as sockctl.OptionRow).value];
  if (got?.kind !== kind) return `kind ${String(got?.kind)} for a ${kind} option`;
  if (kind === 'integer' && !(count(got.min, -Infinity) && count(got.max, got.min as number) && count(got.step, 1))) {
    return 'no integer bounds';
  }
  if (kind === 'linger' && !(got.min === 0 && count(got.max, 0))) return 'no linger bounds';
  if (kind === 'string' && !count(got.maxBytes, 1)) return 'no maxBytes';
  // What a caller does to the answer must not change the next one.
  const before = JSON.stringify(got);
  const original = { ...got };
  try {
    Object.assign(got, { kind: 'boolean', min: 1e9, max: -1, maxBytes: 0 });
  } catch {
    // frozen: as it should be
  }
  const after = JSON.stringify(limits(name));
  if (!Object.isFrozen(got)) {
    for (const key of Object.keys(got)) if (!Object.hasOwn(original, key)) delete (got as Record<string, unknown>)[key];
    Object.assign(got, original);
  }
  return after === before ? undefined : 'writing to its result changes the next answer';
}

async function limitsCall(f: Fuzzer): Promise<Outcome> {
  const name = optionName(f.rng);
  const error = nameError(name);
  const want: Want = error === TYPE || error === VALUE ? must(error) : { codes: [] };
  const result = await outcomeOf(() => limits(name));
  return judge('limits', [name], want, result, (l) => limitsProblem(name as sockctl.OptionName, l));
}

export const TARGETLESS: Record<string, (f: Fuzzer) => Promise<Outcome>> = {
  openBoundSocket,
  listen,
  connect,
  bindDgram,
  listSockets,
  watchCloseWait,
  installPolicy,
  tcpStateName,
  trackSockets,
  writeSocketReport,
  limits: limitsCall,
};
