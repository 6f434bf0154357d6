// The exports that take a target (a descriptor or a Node socket): each call
// on one of the fixture's targets, and the error the target and the other
// arguments must give.
import net from 'node:net';
import * as sockctl from '../../lib';
import { ANY, judge, must, outcomeOf, Shown, VALID, withDeadline, type Outcome, type Want } from './contract';
import type { Fuzzer, Kind, Target } from './fixture';
import { arg, type Pcg32 } from './inputs';
import { lingerArg, nameError, valueError } from './named';
import { closeOptions, drawOptions, optionsWant } from './schemas';

/** The error a call must give for this target, whatever the other arguments, or undefined. */
export function targetError(fn: string, t: Target): string | undefined {
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

/** What a call with a target must do, given whether its other arguments are valid. */
function targetWant(fn: string, t: Target, argsValid: boolean): Want {
  const numbered = typeof t.value === 'number' && t.kind !== 'range';
  const loose = argsValid ? VALID : { fails: true };
  // A descriptor number is checked by the OS, and a target without a live
  // socket refused, after the other arguments.
  const afterArgs = numbered || t.kind === 'gone';
  if (afterArgs && !argsValid && fn !== 'abort' && fn !== 'closeGracefully') return loose;
  // Likewise a missing option, which is refused before any system call.
  if (afterArgs && !sockctl.features.reusePort && (fn === 'setReusePort' || fn === 'getReusePort')) {
    return must(['ERR_FEATURE_UNAVAILABLE_ON_PLATFORM']);
  }
  // Winsock judges the level, name and length before the handle; Wine's
  // setsockopt even accepts some options on handles that are not open.
  if (numbered && t.kind === 'closed' && (fn === 'setsockopt' || fn === 'getsockopt') && process.platform === 'win32') {
    return ANY;
  }
  const code = targetError(fn, t);
  return code ? must([code]) : loose;
}

/** An argument list for one targeted export, and whether it is valid apart from the target. */
interface Args {
  args: unknown[];
  valid: boolean;
  check?: (value: unknown) => string | undefined;
  /** Overrides the want targetWant would give (closeGracefully's options come before its socket's state). */
  want?: Want;
}

const isInt32 = (x: unknown) => Number.isInteger(x) && (x as number) >= -(2 ** 31) && (x as number) <= 2 ** 31 - 1;
const isLevel = (x: unknown) => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 2 ** 31 - 1;
const isLength = (x: unknown) =>
  Number.isInteger(x) && (x as number) >= 0 && (x as number) <= sockctl.MAX_RAW_OPTION_BYTES;
function isRawValue(x: unknown): boolean {
  if (typeof x === 'boolean') return true;
  if (typeof x === 'number') return isInt32(x);
  return ArrayBuffer.isView(x) && x.byteLength <= sockctl.MAX_RAW_OPTION_BYTES;
}

function bufferish(rng: Pcg32): unknown {
  switch (rng.below(6)) {
    case 0:
      return Buffer.alloc(0);
    case 1:
      return Buffer.alloc(sockctl.MAX_RAW_OPTION_BYTES + 1);
    case 2:
      return new Int32Array([rng.below(2), rng.below(5)]);
    case 3:
      return new DataView(new ArrayBuffer(8));
    default:
      return arg(rng);
  }
}

/** Level and option numbers stay among harmless ones: random ones, as root, could put the shared sockets into repair mode. */
function raw(rng: Pcg32): [unknown, unknown] {
  const { SOL_SOCKET, IPPROTO_TCP } = sockctl.constants;
  return [rng.pick([SOL_SOCKET, IPPROTO_TCP, arg(rng)]), rng.pick([1, 2, 7, 8, 9, 11, 13, 15, 9999, arg(rng)])];
}

const flag = (f: Fuzzer): Args => {
  const v = f.rng.pick([true, false, arg(f.rng)]);
  return { args: [v], valid: typeof v === 'boolean' };
};
const none = (): Args => ({ args: [], valid: true });
const isBoolean = (v: unknown) => (typeof v === 'boolean' ? undefined : 'read back no boolean');

/** The targeted exports but the named options (named-calls.ts): how each draws its other arguments. */
const draws: Record<string, (f: Fuzzer, t: Target) => Args> = {
  fdOf: () => ({ args: [], valid: true, check: (fd) => (isLevel(fd) ? undefined : 'no descriptor') }),
  setLinger: (f) => {
    const linger = lingerArg(f.rng);
    return { args: [linger], valid: !nameError('linger') && !valueError('linger', linger) };
  },
  getLinger: none,
  setReuseAddress: flag,
  getReuseAddress: () => ({ args: [], valid: true, check: isBoolean }),
  setReusePort: flag,
  getReusePort: () => ({ args: [], valid: true, check: isBoolean }),
  getTcpInfo: () => ({
    args: [],
    valid: true,
    check: (info) =>
      (sockctl.TCP_STATES as readonly unknown[]).includes((info as sockctl.TcpInfo).state) ? undefined : 'no state',
  }),
  getsockopt: (f) => {
    const [level, name] = raw(f.rng);
    const length = f.rng.pick([undefined, 0, 4, 8, 512, sockctl.MAX_RAW_OPTION_BYTES, arg(f.rng)]);
    return {
      args: [level, name, length],
      valid: isLevel(level) && isInt32(name) && (length === undefined || isLength(length)),
    };
  },
  setsockopt: (f) => {
    const [level, name] = raw(f.rng);
    const value = bufferish(f.rng);
    return { args: [level, name, value], valid: isLevel(level) && isInt32(name) && isRawValue(value) };
  },
  abort: none,
  closeGracefully: (f, t) => {
    const drawn = drawOptions(f, closeOptions);
    const args = drawn.value === undefined && f.rng.oneIn(2) ? [] : [drawn.value];
    const options = optionsWant(closeOptions, drawn, true);
    // The socket is checked first, then the options, then whether the socket is still open.
    const want = !(t.value instanceof net.Socket)
      ? must(['ERR_INVALID_ARG_TYPE'])
      : options.fails
        ? options
        : undefined;
    const outcomes = ['graceful', 'aborted', 'reset'];
    return {
      args,
      valid: !options.fails,
      want,
      check: (v) => (outcomes.includes(v as string) ? undefined : 'no outcome'),
    };
  },
};

const labels: Record<Kind, string> = {
  socket: 'a connected net.Socket',
  udp: 'a bound dgram.Socket',
  listener: 'a listening net.Server',
  unix: 'a Unix-domain net.Server',
  closed: 'a closed descriptor',
  file: 'a file descriptor',
  gone: 'a destroyed or unconnected net.Socket',
  notype: '',
  range: '',
};
/** A target in a reproduction: junk as it is, a socket by what it was before the call. */
export function shownTarget(t: Target): unknown {
  if (t.kind === 'notype' || t.kind === 'range') return t.value;
  return new Shown(`<${labels[t.kind]}${typeof t.value === 'number' ? ` (fd ${t.value})` : ''}>`);
}

/** The exports that may close their target get a fresh connection. */
const destructive = new Set(['abort', 'closeGracefully']);

export async function targeted(f: Fuzzer, fn: string): Promise<Outcome> {
  const t = await f.target(destructive.has(fn));
  try {
    const { args, valid, check, want } = draws[fn](f, t);
    const call = () => (sockctl as unknown as Record<string, (...a: unknown[]) => unknown>)[fn](t.value, ...args);
    const result = await outcomeOf(() =>
      fn === 'closeGracefully' ? withDeadline(call() as Promise<unknown>, fn) : call(),
    );
    return judge(fn, [shownTarget(t), ...args], want ?? targetWant(fn, t, valid), result, check);
  } finally {
    if (t.fresh) (t.value as net.Socket).destroy();
  }
}

export const TARGETED = Object.keys(draws);
