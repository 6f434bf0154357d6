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

/** How many targeted functions step() chooses from; the last two may close their socket. */
const FUNCTIONS = 12;

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
    return t.kind === 'gone' ? 'EBADF' : undefined;
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
    const [fn, call, argsValid, isAsync] = calls[which];
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
