// A seeded fuzzer for every export: hostile arguments in, and each outcome
// checked against the error contract. Used by test/fuzz.test.ts (a slice in
// CI) and `npm run fuzz` (a million calls).
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as sockctl from '../lib';
import { native } from '../lib/native';

/** PCG32 (O'Neill): a full 2^64 period, and the same sequence for the same seed. */
export class Pcg32 {
  private state: bigint;
  constructor(seed: number) {
    this.state = 0n;
    this.next();
    this.state = (this.state + BigInt(seed)) & 0xffffffffffffffffn;
    this.next();
  }
  next(): number {
    const old = this.state;
    this.state = (old * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    const xorshifted = Number(((old >> 18n) ^ old) >> 27n) >>> 0;
    const rot = Number(old >> 59n);
    return ((xorshifted >>> rot) | (xorshifted << (-rot & 31))) >>> 0;
  }
  below(n: number): number {
    return this.next() % n;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.below(list.length)];
  }
}

/** What a target is, and so which error a call on it must give. */
type Kind = 'socket' | 'udp' | 'listener' | 'unix' | 'closed' | 'file' | 'gone' | 'notype' | 'range';

interface Target {
  value: unknown;
  kind: Kind;
  /** A net.Socket that a call may destroy (abort, closeGracefully): made fresh. */
  fresh?: boolean;
}

const numbers = [
  0,
  -0,
  1,
  -1,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 53,
  65535,
  65536,
  4,
  8,
  512,
];
const junk: unknown[] = [
  undefined,
  null,
  true,
  false,
  '',
  'x',
  '127.0.0.1',
  '::1',
  {},
  [],
  Symbol('s'),
  10n,
  () => {},
  new ArrayBuffer(4),
  new Date(0),
  ...numbers,
];

/** setOption, getOption and apply. */
const NAMED_CALLS = 3;
/** How many targeted functions step() chooses from; the last two may close their socket. */
const FUNCTIONS = 12 + NAMED_CALLS;

export interface Outcome {
  ok: boolean;
  problem?: string;
}

/** The error shapes the contract allows. */
export function errorProblem(err: unknown): string | undefined {
  const e = err as { code?: unknown; errno?: unknown; syscall?: unknown };
  if (err instanceof TypeError) {
    return ['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM'].includes(
      e.code as string,
    )
      ? undefined
      : `TypeError without a contract code: ${String(e.code)} ${(err as Error).message}`;
  }
  if (err instanceof RangeError) {
    return e.code === 'ERR_OUT_OF_RANGE' ? undefined : `RangeError with code ${String(e.code)}`;
  }
  if (err instanceof Error && e.code === 'ERR_SERVER_ALREADY_LISTEN') return undefined;
  if (err instanceof Error && e.code === 'ERR_SOCKET_OPTION_TOO_LATE') {
    const { option, phase } = err as sockctl.TooLateError;
    return isOptionName(option) && optionTable[option].phase === phase ? undefined : `too late for ${option} ${phase}`;
  }
  if (
    err instanceof Error &&
    typeof e.code === 'string' &&
    /^E[A-Z0-9]+$/.test(e.code) &&
    Number.isInteger(e.errno) &&
    (e.errno as number) < 0 &&
    typeof e.syscall === 'string'
  ) {
    return undefined;
  }
  return `not a contract error: ${err instanceof Error ? `${err.name} ${String(e.code)} ${err.message}` : String(err)}`;
}

function isOptionNumber(x: unknown): boolean {
  return Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 2 ** 31 - 1;
}

function isLength(x: unknown): boolean {
  return Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 65536;
}

function isOptionValue(x: unknown): boolean {
  if (typeof x === 'boolean') return true;
  if (typeof x === 'number') return Number.isInteger(x) && x >= -(2 ** 31) && x <= 2 ** 31 - 1;
  return ArrayBuffer.isView(x) && x.byteLength <= 65536;
}

function isLinger(x: unknown): boolean {
  const seconds = (s: unknown) =>
    Number.isInteger(s) && (s as number) >= 0 && (s as number) <= sockctl.MAX_LINGER_SECONDS;
  if (x === false) return true;
  if (typeof x === 'number') return seconds(x);
  const l = x as { enabled?: unknown; seconds?: unknown } | null;
  return typeof l === 'object' && l !== null && typeof l.enabled === 'boolean' && seconds(l.seconds);
}

// --- the named options: setOption, getOption, apply ------------------------

const platform = process.platform as 'linux' | 'darwin' | 'win32';
const optionTable = sockctl.optionTable as Record<string, sockctl.OptionRow>;

function isOptionName(x: unknown): x is sockctl.OptionName {
  return typeof x === 'string' && Object.hasOwn(optionTable, x);
}

/** The error an option name gets before any system call, if any. */
function nameError(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'ERR_INVALID_ARG_TYPE';
  if (!isOptionName(name)) return 'ERR_INVALID_ARG_VALUE';
  return sockctl.features[name] ? undefined : 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM';
}

/** The error a value of a supported option gets before any system call, if any: the table's rules, restated. */
function valueError(name: sockctl.OptionName, value: unknown): string | undefined {
  const row = optionTable[name];
  const os = row[platform];
  const min = os?.min ?? row.min ?? 0;
  const max = name === 'linger' ? sockctl.MAX_LINGER_SECONDS : (os?.max ?? row.max ?? 0);
  const integer = (x: number) => Number.isInteger(x) && x >= min && x <= max && x % (os?.scale ?? 1) === 0;
  switch (row.value) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'ERR_INVALID_ARG_TYPE';
    case 'string': {
      if (typeof value !== 'string') return 'ERR_INVALID_ARG_TYPE';
      if (value.includes('\0')) return 'ERR_INVALID_ARG_VALUE';
      return Buffer.byteLength(value) <= row.maxBytes! ? undefined : 'ERR_OUT_OF_RANGE';
    }
    case 'linger': {
      const l = value as { enabled?: unknown; seconds?: unknown } | null;
      const seconds =
        value === false
          ? 0
          : typeof value === 'number'
            ? value
            : typeof l === 'object' && l !== null && typeof l.enabled === 'boolean' && typeof l.seconds === 'number'
              ? l.seconds
              : undefined;
      if (seconds === undefined) return 'ERR_INVALID_ARG_TYPE';
      return Number.isInteger(seconds) && seconds >= 0 && seconds <= max ? undefined : 'ERR_OUT_OF_RANGE';
    }
    default:
      if (typeof value !== 'number') return 'ERR_INVALID_ARG_TYPE';
      return integer(value) ? undefined : 'ERR_OUT_OF_RANGE';
  }
}

/**
 * What apply() makes of a policy before any system call: the error, or the
 * supported options it would set (none: no system call at all).
 */
function planError(policy: unknown): { error?: string; toSet: sockctl.OptionName[] } {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    return { error: 'ERR_INVALID_ARG_TYPE', toSet: [] };
  }
  if (Object.keys(policy).some((key) => !isOptionName(key))) return { error: 'ERR_INVALID_ARG_VALUE', toSet: [] };
  const toSet: sockctl.OptionName[] = [];
  for (const name of sockctl.optionNames) {
    // Its own keys only, in table order.
    const value = Object.hasOwn(policy, name) ? (policy as Record<string, unknown>)[name] : undefined;
    if (value === undefined || !sockctl.features[name]) continue;
    const error = valueError(name, value);
    if (error) return { error, toSet: [] };
    toSet.push(name);
  }
  return { toSet };
}

/** A successful apply() accounts for every option of the policy once: applied in table order, or skipped with a reason. */
function applyResultProblem(policy: Record<string, unknown>, result: sockctl.ApplyResult): string | undefined {
  const given = sockctl.optionNames.filter((name) => Object.hasOwn(policy, name) && policy[name] !== undefined);
  const applied = sockctl.optionNames.filter((name) => result.applied.includes(name));
  if (applied.join() !== result.applied.join()) return `applied out of table order: ${result.applied.join()}`;
  const seen = [...result.applied, ...result.skipped.map((s) => s.name)].sort();
  if (seen.join() !== [...given].sort().join()) return `result names ${seen.join()} for a policy of ${given.join()}`;
  for (const { name, reason } of result.skipped) {
    if (reason !== (sockctl.features[name] ? 'too-late' : 'unsupported')) return `${name} skipped as ${reason}`;
  }
  return undefined;
}

const valueTypes = { boolean: 'boolean', integer: 'number', string: 'string', linger: 'object' } as const;

/** The error a call must give, or undefined where any contract error (or success) may do. */
function expected(fn: string, t: Target, argsValid: boolean): string | undefined {
  const numbered = typeof t.value === 'number' && t.kind !== 'range';
  // A descriptor number is checked by the OS, after the other arguments.
  if (numbered && !argsValid && fn !== 'abort' && fn !== 'closeGracefully') return undefined;
  // Likewise a missing option, which is refused before any system call.
  if (numbered && !sockctl.features.reusePort && (fn === 'setReusePort' || fn === 'getReusePort')) {
    return 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM';
  }
  if (numbered && t.kind === 'closed' && (fn === 'setsockopt' || fn === 'getsockopt')) {
    // Winsock judges the level, name and length before the handle; Wine's
    // setsockopt even accepts some options on handles that are not open.
    if (process.platform === 'win32') return undefined;
  }
  return expectedFor(fn, t);
}

/** The error a call must give for this target, whatever the other arguments, or undefined. */
function expectedFor(fn: string, t: Target): string | undefined {
  if (fn === 'abort' || fn === 'closeGracefully') {
    if (!(t.value instanceof net.Socket)) return 'ERR_INVALID_ARG_TYPE';
    // abort() never throws for a socket; closeGracefully() rejects a destroyed one.
    return t.kind === 'gone' && fn === 'closeGracefully' ? 'EBADF' : undefined;
  }
  // fdOf hands a valid number back as it is; it cannot know what it names.
  if (fn === 'fdOf' && typeof t.value === 'number' && t.kind !== 'range') return undefined;
  switch (t.kind) {
    case 'notype':
      return 'ERR_INVALID_ARG_TYPE';
    case 'range':
      return 'ERR_OUT_OF_RANGE';
    case 'closed':
    case 'gone':
      return 'EBADF';
    case 'file':
      return 'ENOTSOCK';
    default:
      return undefined;
  }
}

export class Fuzzer {
  readonly rng: Pcg32;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-fuzz-'));
  private readonly closers: Array<() => void> = [];
  private server!: net.Server;
  private unixServer: net.Server | undefined;
  private udp!: dgram.Socket;
  private port = 0;
  private file = -1;
  private gone!: net.Socket;
  private client!: net.Socket;
  private readonly accepted: net.Socket[] = [];
  calls = 0;

  constructor(seed: number) {
    this.rng = new Pcg32(seed);
  }

  async start(): Promise<void> {
    this.server = net.createServer({ allowHalfOpen: true }, (s) => {
      s.on('error', () => {});
      s.resume();
      this.accepted.push(s);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
    // A Unix-domain listener where the OS offers one (Wine, for one, does not).
    this.unixServer = await new Promise<net.Server | undefined>((resolve) => {
      const server = net.createServer((s) => s.on('error', () => {}));
      server.once('error', () => resolve(undefined));
      server.listen(path.join(this.dir, 's'), () => resolve(server));
    });
    this.udp = dgram.createSocket('udp4');
    await new Promise<void>((r) => this.udp.bind(0, '127.0.0.1', r));
    this.file = fs.openSync(__filename, 'r');
    this.gone = await this.connection();
    this.gone.destroy();
    this.client = await this.connection();
    this.closers.push(() => this.client.destroy());
    this.closers.push(() => fs.closeSync(this.file));
  }

  async stop(): Promise<void> {
    for (const close of this.closers) close();
    for (const s of this.accepted) s.destroy();
    await new Promise((r) => this.server.close(r));
    if (this.unixServer) await new Promise((r) => this.unixServer!.close(r));
    await new Promise<void>((r) => this.udp.close(r));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private connection(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port: this.port, host: '127.0.0.1', allowHalfOpen: true });
      s.on('error', () => {});
      s.once('connect', () => resolve(s)).once('error', reject);
    });
  }

  private closedFd(): number {
    // Windows handle values ignore their low two bits and C runtime
    // descriptors are no handles at all: there, a value far above any
    // handle in use.
    if (process.platform === 'win32') return 4_000_000;
    const fd = fs.openSync(__filename, 'r');
    fs.closeSync(fd);
    return fd;
  }

  private async target(destructive: boolean): Promise<Target> {
    switch (this.rng.below(11)) {
      case 0:
        return { value: this.server, kind: 'listener' };
      case 1:
        return { value: sockctl.fdOf(this.server), kind: 'listener' };
      case 2:
        return { value: this.udp, kind: 'udp' };
      case 3:
        return this.unixServer ? { value: this.unixServer, kind: 'unix' } : { value: this.server, kind: 'listener' };
      case 4:
        return { value: this.closedFd(), kind: 'closed' };
      case 5:
        return process.platform === 'win32'
          ? { value: this.closedFd(), kind: 'closed' }
          : { value: this.file, kind: 'file' };
      case 6:
        return { value: this.gone, kind: 'gone' };
      case 7:
        return { value: new net.Socket(), kind: 'gone' };
      case 8: {
        const v = this.rng.pick(junk);
        if (typeof v === 'number') {
          // Only numbers that cannot name a descriptor of this process: a
          // random small one could be the test runner's own channel.
          if (Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1)
            return { value: 1_000_000 + (v % 1000), kind: 'closed' };
          return { value: v, kind: 'range' };
        }
        return { value: v, kind: 'notype' };
      }
      default:
        // Only a call that may close the socket needs a connection of its own.
        return destructive
          ? { value: await this.connection(), kind: 'socket', fresh: true }
          : { value: this.client, kind: 'socket' };
    }
  }

  private arg(): unknown {
    return this.rng.below(3) === 0 ? this.rng.pick(junk) : this.rng.pick(numbers);
  }

  private nonString(): unknown {
    const v = this.arg();
    return typeof v === 'string' ? undefined : v;
  }

  private bufferish(): unknown {
    switch (this.rng.below(6)) {
      case 0:
        return Buffer.alloc(0);
      case 1:
        return Buffer.alloc(70_000);
      case 2:
        return new Int32Array([this.rng.below(2), this.rng.below(5)]);
      case 3:
        return new DataView(new ArrayBuffer(8));
      default:
        return this.arg();
    }
  }

  private lingerArg(): unknown {
    switch (this.rng.below(5)) {
      case 0:
        return false;
      case 1:
        return { enabled: this.rng.below(2) === 0, seconds: this.rng.pick(numbers) };
      case 2:
        return { enabled: 'yes', seconds: 1 };
      default:
        return this.arg();
    }
  }

  /** An option name: mostly a real one. */
  private optionName(): unknown {
    return this.rng.below(8) === 0
      ? this.rng.pick(['nope', '', '__proto__', 'toString', 'KEEPALIVE', this.arg()])
      : this.rng.pick(sockctl.optionNames);
  }

  /**
   * A value for it, often of the wrong type or out of range. The valid ones
   * stay harmless for the shared sockets: no interface but loopback, and
   * what only matters before bind or connect is too late on every shared
   * socket but the UDP one, which takes it as a UDP socket does.
   */
  private optionValue(name: unknown): unknown {
    const row = isOptionName(name) ? optionTable[name] : undefined;
    const strings = ['lo', '', 'reno', 'nonexistent', 'nosuchdev0', 'x'.repeat(16), 'l\0o', 'é'.repeat(8)];
    if (row === undefined || this.rng.below(4) === 0) {
      return this.rng.pick([this.arg(), this.rng.pick(strings), this.lingerArg(), true, false]);
    }
    switch (row.value) {
      case 'boolean':
        return this.rng.pick([true, false, 1, 'true', null]);
      case 'string':
        return this.rng.pick(strings);
      case 'linger':
        return this.lingerArg();
      default: {
        const { min = 0, max = 0 } = row;
        return this.rng.pick([min, max, min - 1, max + 1, 1, 1000, 0x5eed, this.rng.pick(numbers), '5']);
      }
    }
  }

  private policy(): unknown {
    switch (this.rng.below(8)) {
      case 0:
        return this.arg();
      case 1:
        return {};
      case 2:
        // An inherited option is not the policy's own: nothing to set.
        return this.rng.pick([null, [], [{ tos: 1 }], () => {}, 'tos', new Date(0), Object.create({ tos: 0x28 })]);
      default: {
        const policy: Record<string, unknown> = {};
        for (let n = 1 + this.rng.below(4); n > 0; n--) {
          const name = this.optionName();
          if (typeof name === 'string') policy[name] = this.optionValue(name);
        }
        return policy;
      }
    }
  }

  /**
   * setOption, getOption and apply. An argument error comes before any
   * system call, so its code is known exactly; past that, the target
   * decides (a closed descriptor: EBADF), except that a policy with nothing
   * to set makes no system call at all and must succeed.
   */
  private namedCall(t: Target, which: number): Outcome {
    const target = t.value as never;
    switch (which) {
      case 0: {
        const name = this.optionName();
        const value = this.optionValue(name);
        const argError = nameError(name) ?? valueError(name as sockctl.OptionName, value);
        return this.named('setOption', t, () => sockctl.setOption(target, name as never, value as never), argError);
      }
      case 1: {
        const name = this.optionName();
        return this.named(
          'getOption',
          t,
          () => sockctl.getOption(target, name as never),
          nameError(name),
          (got) => (typeof got === valueTypes[optionTable[name as string].value] ? undefined : `read ${String(got)}`),
        );
      }
      default: {
        const policy = this.policy();
        const { error, toSet } = planError(policy);
        return this.named(
          'apply',
          t,
          () => sockctl.apply(target, policy as never),
          error,
          (result) => applyResultProblem(policy as Record<string, unknown>, result as sockctl.ApplyResult),
          toSet.length > 0,
          (err) => {
            // A failed setsockopt says what was set before it.
            const result = (err as { result?: sockctl.ApplyResult }).result;
            if ((err as { syscall?: string }).syscall !== 'setsockopt') return undefined;
            return result && result.applied.every((name) => toSet.includes(name))
              ? undefined
              : 'no result on the error';
          },
        );
      }
    }
  }

  private named(
    fn: string,
    t: Target,
    call: () => unknown,
    argError: string | undefined,
    checkResult: (result: unknown) => string | undefined = () => undefined,
    callsTheOs = true,
    checkError: (err: unknown) => string | undefined = () => undefined,
  ): Outcome {
    // fdOf judges the target first.
    const early = t.kind === 'notype' || t.kind === 'range' || t.kind === 'gone';
    let want = early ? expectedFor(fn, t) : argError;
    // Winsock judges a closed handle after the option, as for setsockopt.
    if (want === undefined && callsTheOs && !(process.platform === 'win32' && t.kind === 'closed')) {
      want = expectedFor(fn, t);
    }
    const mustSucceed = !early && argError === undefined && !callsTheOs;
    let result: unknown;
    try {
      result = call();
    } catch (err) {
      const problem = errorProblem(err) ?? checkError(err);
      if (problem) return { ok: false, problem: `${fn} on a ${t.kind} target: ${problem}` };
      const code = (err as { code?: string }).code;
      if (mustSucceed) return { ok: false, problem: `${fn} on a ${t.kind} target gave ${code}, yet sets nothing` };
      if (want && code !== want) {
        return { ok: false, problem: `${fn} on a ${t.kind} target gave ${code}, expected ${want}` };
      }
      if (code === 'ERR_SOCKET_OPTION_TOO_LATE' && fn !== 'setOption') return { ok: false, problem: `${fn}: ${code}` };
      return { ok: true };
    }
    if (want) return { ok: false, problem: `${fn} on a ${t.kind} target succeeded; expected ${want}` };
    if (argError) return { ok: false, problem: `${fn} accepted invalid arguments` };
    const problem = checkResult(result);
    return problem ? { ok: false, problem: `${fn} on a ${t.kind} target: ${problem}` } : { ok: true };
  }

  /** One random call; resolves with what was wrong, if anything. */
  async step(): Promise<Outcome> {
    this.calls++;
    if (this.rng.below(20) === 0) return this.targetless();
    const fn = this.rng.below(FUNCTIONS);
    const t = await this.target(fn >= FUNCTIONS - 2);
    try {
      return await this.targeted(t, fn);
    } finally {
      if (t.fresh) (t.value as net.Socket).destroy();
    }
  }

  private async targeted(t: Target, which: number): Promise<Outcome> {
    const target = t.value as never;
    const { SOL_SOCKET, IPPROTO_TCP } = sockctl.constants;
    const level = this.rng.pick([SOL_SOCKET, IPPROTO_TCP, this.arg()]);
    // Option numbers stay among harmless ones: random ones, as root, could
    // put the shared sockets into repair mode or bind them to a device.
    const name = this.rng.pick([1, 2, 7, 8, 9, 11, 13, 15, 9999, this.arg()]);
    const flag = this.rng.pick([true, false, this.arg()]);
    const linger = this.lingerArg();
    const length = this.rng.pick([undefined, 0, 4, 8, 512, 65536, this.arg()]);
    const value = this.bufferish();
    const optionNumbersOk = isOptionNumber(level) && isOptionNumber(name);
    // [name, call, are the other arguments valid, async]
    const calls: Array<[string, () => unknown, boolean, boolean?]> = [
      ['fdOf', () => sockctl.fdOf(target), true],
      ['setLinger', () => sockctl.setLinger(target, linger as never), isLinger(linger)],
      ['getLinger', () => sockctl.getLinger(target), true],
      ['setReuseAddress', () => sockctl.setReuseAddress(target, flag as never), typeof flag === 'boolean'],
      ['getReuseAddress', () => sockctl.getReuseAddress(target), true],
      ['setReusePort', () => sockctl.setReusePort(target, flag as never), typeof flag === 'boolean'],
      ['getReusePort', () => sockctl.getReusePort(target), true],
      ['getTcpInfo', () => sockctl.getTcpInfo(target), true],
      [
        'getsockopt',
        () => sockctl.getsockopt(target, level as never, name as never, length as never),
        optionNumbersOk && (length === undefined || isLength(length)),
      ],
      [
        'setsockopt',
        () => sockctl.setsockopt(target, level as never, name as never, value as never),
        optionNumbersOk && isOptionValue(value),
      ],
      ['abort', () => sockctl.abort(target), true],
      ['closeGracefully', () => sockctl.closeGracefully(target, { timeout: this.rng.below(3) }), true, true],
    ];
    // The named options come between the others and the two that may close their socket.
    const named = which - (calls.length - 2);
    if (named >= 0 && named < NAMED_CALLS) return this.namedCall(t, named);
    const [fn, call, argsValid, isAsync] = calls[named >= NAMED_CALLS ? which - NAMED_CALLS : which];
    const want = expected(fn, t, argsValid);
    try {
      const result = call();
      if (isAsync) await withDeadline(result as Promise<unknown>, fn);
    } catch (err) {
      const problem = errorProblem(err);
      if (problem) return { ok: false, problem: `${fn} on a ${t.kind} target: ${problem}` };
      const code = (err as { code?: string }).code;
      if (want && code !== want)
        return { ok: false, problem: `${fn} on a ${t.kind} target gave ${code}, expected ${want}` };
      return { ok: true };
    }
    if (want) return { ok: false, problem: `${fn} on a ${t.kind} target succeeded; expected ${want}` };
    if (!argsValid) return { ok: false, problem: `${fn} accepted invalid arguments` };
    return { ok: true };
  }

  /** The calls without a target: option objects and the async helpers. */
  private async targetless(): Promise<Outcome> {
    const pickAddress = () => this.rng.pick(['127.0.0.1', '::1', '0.0.0.0', 'localhost', 'x', '::1%2', this.arg()]);
    const options = () =>
      this.rng.below(4) === 0
        ? this.arg()
        : {
            type: this.rng.pick(['tcp', 'udp', 'sctp', this.arg()]),
            address: pickAddress(),
            // Never a name to look up: only literals and 'localhost' (from the
            // hosts file), so no query can leave the machine.
            host: this.rng.pick(['127.0.0.1', '::1', 'localhost', '', this.nonString()]),
            port: this.rng.pick([0, this.port, 70000, -1, this.arg()]),
            localPort: this.rng.pick([0, undefined, this.arg()]),
            reuseAddress: this.rng.pick([true, false, undefined, this.arg()]),
            reusePort: this.rng.pick([true, false, undefined, this.arg()]),
            ipv6Only: this.rng.pick([true, false, undefined]),
            backlog: this.rng.pick([undefined, 1, -1, 1.5]),
            state: this.rng.pick([undefined, 'CLOSE_WAIT', ['LISTEN'], 'NOPE', this.arg()]),
            tcpInfo: this.rng.pick([undefined, true, this.arg()]),
            interval: this.rng.pick([undefined, 0, 10, this.arg()]),
            after: this.rng.pick([undefined, 0, -1, this.arg()]),
            action: this.rng.pick([undefined, 'none', 'abort', 'kill']),
          };
    const which = this.rng.below(6);
    const o = options() as never;
    try {
      switch (which) {
        case 0: {
          const fd = sockctl.openBoundSocket(o);
          native.close(fd);
          break;
        }
        case 1:
          sockctl.listSockets(o);
          break;
        case 2:
          sockctl.watchCloseWait(o).stop();
          break;
        case 3: {
          const server = net.createServer();
          try {
            await withDeadline(sockctl.listen(this.rng.below(8) === 0 ? (this.arg() as never) : server, o), 'listen');
          } finally {
            server.close();
          }
          break;
        }
        case 4: {
          const s = await withDeadline(sockctl.connect(o), 'connect');
          s.destroy();
          break;
        }
        default: {
          const d = dgram.createSocket(this.rng.pick(['udp4', 'udp6'] as const));
          try {
            await withDeadline(sockctl.bindDgram(this.rng.below(8) === 0 ? (this.arg() as never) : d, o), 'bindDgram');
          } finally {
            d.close();
          }
        }
      }
      return { ok: true };
    } catch (err) {
      const problem = errorProblem(err);
      return problem ? { ok: false, problem: `targetless call ${which}: ${problem}` } : { ok: true };
    }
  }
}

function withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within 5 s`)), 5000);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
