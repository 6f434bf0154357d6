// Named options: setOption, getOption, apply and features, all read from the
// option table. Values are validated here, in full, before any system call;
// the native side gets plain ops (see native/sockopt.h, struct Op) and runs a
// whole batch in one call.
import { featureUnavailable, invalidArgType, invalidArgValue, outOfRange, systemError, uvErrno } from './errors';
import { native } from './native';
import {
  OPTION_NAMES,
  OPTIONS,
  type Linger,
  type OptionInput,
  type OptionName,
  type OptionRow,
  type OptionValues,
  type OsOption,
  type Phase,
  type Policy,
} from './option-table';
import { fdOf, type Target } from './target';

const constants = native.constants;
const { scratch, ops, text } = native;

/**
 * The largest linger each OS stores faithfully: Linux keeps seconds × HZ in
 * a long (32-bit kernels cap it near 2^31 / 1000 s), XNU keeps it ×100 in a
 * short, Winsock in a u_short.
 */
export const MAX_LINGER_SECONDS =
  process.platform === 'darwin'
    ? 327
    : process.platform === 'win32'
      ? 65535
      : process.arch === 'arm' || process.arch === 'ia32'
        ? 2147483
        : 2147483647;

// native/sockopt.h: OpKind, OpPhase, struct Op (8 int32 slots), kTooLate.
const OP_INTS = 8;
// A policy is at most one op per row.
if (OPTION_NAMES.length > ops.length / OP_INTS) throw new Error('sockctl: the native ops array is too small');
const KIND = { int: 0, linger: 1, text: 2, interface: 3, keepAliveVals: 4 } as const;
const PHASE: Record<Phase, number> = { any: 0, bind: 1, connect: 2, listener: 3 };
const TOO_LATE = 1;

const platform = process.platform as 'linux' | 'darwin' | 'win32';
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** This OS's spelling of each option, when its build has the constants. */
interface Resolved {
  name: OptionName;
  row: OptionRow;
  os: OsOption;
  level: number;
  option: number;
  level6: number;
  option6: number;
  kind: number;
  /**
   * The row's value type and phase code, copied because every call reads
   * them: rows differ in shape (each has its own optional keys), so once the
   * load-time probe has seen them all, r.row.phase is a megamorphic load
   * (and PHASE[...] a keyed one); every Resolved has the same shape.
   */
  value: OptionRow['value'];
  phase: number;
  scale: number;
  min: number;
  max: number;
  /** Windows before 1709: written through SIO_KEEPALIVE_VALS only. */
  keepAliveVals: boolean;
}

const resolved = new Map<OptionName, Resolved>();
for (const name of OPTION_NAMES) {
  const row: OptionRow = OPTIONS[name];
  const os = row[platform];
  if (os === undefined) continue;
  const level = constants[os.level];
  const option = constants[os.name];
  const level6 = os.v6 ? constants[os.v6[0]] : -1;
  const option6 = os.v6 ? constants[os.v6[1]] : 0;
  if (level === undefined || option === undefined || level6 === undefined || option6 === undefined) continue;
  resolved.set(name, {
    name,
    row,
    os,
    level,
    option,
    level6,
    option6,
    kind: KIND[os.kind ?? 'int'],
    value: row.value,
    phase: PHASE[row.phase],
    scale: os.scale ?? 1,
    min: os.min ?? row.min ?? 0,
    max: name === 'linger' ? MAX_LINGER_SECONDS : (os.max ?? row.max ?? 0),
    keepAliveVals: false,
  });
}

function label(r: Resolved): string {
  return r.os.name;
}

// --- encoding -------------------------------------------------------------

function writeOp(i: number, r: Resolved, kind: number, value: number, extra: number): void {
  const at = i * OP_INTS;
  ops[at] = kind;
  ops[at + 1] = r.phase;
  ops[at + 2] = r.level;
  ops[at + 3] = r.option;
  ops[at + 4] = value;
  ops[at + 5] = extra;
  ops[at + 6] = r.level6;
  ops[at + 7] = r.option6;
}

/**
 * Validates a linger value and writes it as op `i`. No { enabled, seconds }
 * object is built on the way: this is every setLinger call.
 */
function putLinger(i: number, r: Resolved, value: unknown, argName: string): void {
  let enabled = true;
  let seconds: number;
  if (value === false) {
    enabled = false;
    seconds = 0;
  } else if (typeof value === 'number') {
    seconds = value;
  } else if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Linger).enabled === 'boolean' &&
    typeof (value as Linger).seconds === 'number'
  ) {
    enabled = (value as Linger).enabled;
    seconds = (value as Linger).seconds;
  } else {
    throw invalidArgType(
      argName,
      'a number of seconds, false, or an object { enabled: boolean, seconds: number }',
      value,
    );
  }
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > r.max) {
    throw outOfRange(`${argName}.seconds`, `an integer >= 0 and <= ${r.max}`, seconds);
  }
  writeOp(i, r, r.kind, enabled ? 1 : 0, seconds);
}

/** How errors name the value: `policy.tos`, or setOption's own `value`. */
function argOf(prefix: string | null, name: string): string {
  return prefix === null ? name : `${prefix}.${name}`;
}

/**
 * Validates `value` for row `r` and writes it as op `i`, a string at
 * `textAt` in the shared text; returns where the next string goes.
 */
function put(i: number, r: Resolved, value: unknown, prefix: string | null, own: string, textAt: number): number {
  switch (r.value) {
    case 'boolean':
      if (typeof value !== 'boolean') throw invalidArgType(argOf(prefix, own), 'of type boolean', value);
      writeOp(i, r, r.kind, value ? 1 : 0, 0);
      return textAt;
    case 'linger':
      putLinger(i, r, value, argOf(prefix, own));
      return textAt;
    case 'string': {
      if (typeof value !== 'string') throw invalidArgType(argOf(prefix, own), 'of type string', value);
      const bytes = utf8.encode(value);
      if (bytes.includes(0)) throw invalidArgValue(argOf(prefix, own), 'must not contain null bytes', value);
      const maxBytes = r.row.maxBytes ?? 0;
      if (bytes.length > maxBytes) {
        throw outOfRange(`${argOf(prefix, own)}.length`, `<= ${maxBytes} bytes`, bytes.length);
      }
      text.set(bytes, textAt);
      writeOp(i, r, r.kind, textAt, bytes.length);
      return textAt + bytes.length;
    }
    default: {
      if (typeof value !== 'number') throw invalidArgType(argOf(prefix, own), 'of type number', value);
      if (!Number.isInteger(value) || value < r.min || value > r.max) {
        throw outOfRange(argOf(prefix, own), `an integer >= ${r.min} and <= ${r.max}`, value);
      }
      if (value % r.scale !== 0) {
        throw outOfRange(
          argOf(prefix, own),
          `a multiple of ${r.scale} on this platform, which counts whole seconds`,
          value,
        );
      }
      // An unsigned option (SO_MARK) travels as the int with the same bits.
      writeOp(i, r, r.kind, (value / r.scale) | 0, 0);
      return textAt;
    }
  }
}

// --- features -------------------------------------------------------------

const unsupportedErrnos = new Set(
  ['ENOPROTOOPT', 'ENOTSUP', 'EOPNOTSUPP', 'EPROTONOSUPPORT', 'EAFNOSUPPORT'].flatMap((code) => {
    try {
      return [uvErrno(code)];
    } catch {
      return [];
    }
  }),
);

/**
 * Whether this kernel knows each option, asked once at load by reading it
 * from a fresh socket of each family (a kernel without
 * IP_BIND_ADDRESS_NO_PORT answers ENOPROTOOPT). Without a probe socket (a
 * sandbox that refuses socket(2)), the build's constants decide.
 */
function probe(): Set<OptionName> {
  const known = new Set<OptionName>();
  const [v4] = native.openBound(0, 0, 0, 0, 0, 0, -1, null);
  const [v6] = native.openBound(0, 1, 0, 0, 0, 0, -1, null);
  try {
    for (const r of resolved.values()) {
      // An IPv6-level option is asked of the IPv6 socket, one with a
      // spelling per family of both, the rest of the IPv4 one.
      const ask = r.level6 >= 0 ? [v4, v6] : r.os.level === 'IPPROTO_IPV6' ? [v6] : [v4];
      const answers = ask.filter((fd) => fd >= 0).map((fd) => (writeOp(0, r, r.kind, 0, 0), native.getOp(fd)));
      if (!answers.some((rc) => unsupportedErrnos.has(rc))) {
        known.add(r.name);
      } else if (r.os.fallback === 'keepAliveVals') {
        viaKeepAliveVals(r, known);
      }
    }
  } finally {
    for (const fd of [v4, v6]) if (fd >= 0) native.close(fd);
  }
  // The ioctl writes both times: if either must take it, both do, or it
  // would reset the other to Windows' default.
  const idle = resolved.get('keepAliveIdleSecs');
  const interval = resolved.get('keepAliveIntervalSecs');
  if (idle && interval && idle.keepAliveVals !== interval.keepAliveVals) {
    for (const r of [idle, interval]) viaKeepAliveVals(r, known);
  }
  return known;
}

function viaKeepAliveVals(r: Resolved, known: Set<OptionName>): void {
  r.keepAliveVals = true;
  r.kind = KIND.keepAliveVals;
  known.add(r.name);
}

const known = probe();
/**
 * Each option's place in the table. A batch runs in table order, whatever
 * the policy's: Linux rewrites SO_PRIORITY when IP_TOS is set, so tos must
 * go before priority.
 */
const order = new Map<string, number>(OPTION_NAMES.map((name, i) => [name, i]));
/** The rows this OS, kernel and build support, by name. */
const usable = new Map<string, Resolved>([...resolved].filter(([name]) => known.has(name)));

/**
 * What this OS, kernel and build support: one flag per named option, plus
 * `tcpInfo` and `bindHelpers`. Computed once at load.
 */
export const features: Readonly<Record<OptionName | 'tcpInfo' | 'bindHelpers', boolean>> = Object.freeze({
  ...(Object.fromEntries(OPTION_NAMES.map((name) => [name, known.has(name)])) as Record<OptionName, boolean>),
  // Windows: SIO_TCP_INFO, or the state alone from the TCP table where that
  // ioctl is missing.
  tcpInfo:
    constants.TCP_INFO !== undefined || constants.TCP_CONNECTION_INFO !== undefined || process.platform === 'win32',
  /**
   * listen(), connect(), bindDgram() and createConnection() can set options
   * before bind or connect by handing Node a socket sockctl made. False on
   * Windows, where Node cannot adopt a SOCKET.
   */
  bindHelpers: process.platform !== 'win32',
});

// --- the API --------------------------------------------------------------

function lookup(name: unknown, argName = 'name'): Resolved {
  const r = usable.get(name as string);
  if (r !== undefined) return r;
  if (typeof name !== 'string') throw invalidArgType(argName, 'of type string', name);
  if (!Object.hasOwn(OPTIONS, name)) {
    throw invalidArgValue(argName, `must be one of ${OPTION_NAMES.join(', ')}`, name);
  }
  throw featureUnavailable(name);
}

export interface TooLateError extends Error {
  code: 'ERR_SOCKET_OPTION_TOO_LATE';
  option: OptionName;
  phase: Phase;
}

const whenTooLate: Record<Phase, string> = {
  any: '',
  bind: 'before bind; the socket is already bound',
  connect: 'before connect or listen; the socket is already connected or listening',
  listener: 'on a socket that is not connected; this one is',
};

function tooLate(r: Resolved): TooLateError {
  const err = new Error(`The option ${r.name} must be set ${whenTooLate[r.row.phase]}`) as TooLateError;
  err.code = 'ERR_SOCKET_OPTION_TOO_LATE';
  err.option = r.name;
  err.phase = r.row.phase;
  Error.captureStackTrace(err, tooLate);
  return err;
}

export interface ApplyResult {
  /** The options set, in table order. */
  applied: OptionName[];
  /**
   * The options not set: `unsupported` on this OS, kernel or build (see
   * `features`), or `too-late` for this socket's stage (see each option's
   * phase). Never silently dropped.
   */
  skipped: { name: OptionName; reason: 'unsupported' | 'too-late' }[];
}

/** A system error from apply(), with what was set before it. */
export interface ApplyError extends Error {
  code: string;
  errno: number;
  syscall: string;
  option: string;
  result: ApplyResult;
}

interface Plan {
  /** The supported options of the policy, in table order. */
  batch: Resolved[];
  /** The op that carries each of them (the Windows keepalive pair shares one). */
  opOf: number[];
  /** The row each op sets, for its error. */
  rowOf: Resolved[];
  count: number;
  skipped: ApplyResult['skipped'];
}

/**
 * Validates a whole policy and lays it out as ops, in table order, before
 * any system call. Errors name a value `<prefix>.<option>`.
 */
function plan(policy: unknown, prefix: string): Plan {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    throw invalidArgType(prefix, 'of type object', policy);
  }
  const p: Plan = { batch: [], opOf: [], rowOf: [], count: 0, skipped: [] };
  let textAt = 0;
  let pair: KeepAlivePair | undefined;
  const names = Object.keys(policy);
  for (let i = 1; i < names.length; i++) {
    if ((order.get(names[i - 1]) ?? -1) > (order.get(names[i]) ?? -1)) {
      names.sort((a, b) => (order.get(a) ?? -1) - (order.get(b) ?? -1));
      break;
    }
  }
  for (const name of names) {
    const value = (policy as Record<string, unknown>)[name];
    const r = usable.get(name);
    if (r === undefined) {
      if (!Object.hasOwn(OPTIONS, name)) {
        throw invalidArgValue(`${prefix}.${name}`, `is not an option; options are ${OPTION_NAMES.join(', ')}`, name);
      }
      if (value !== undefined) p.skipped.push({ name: name as OptionName, reason: 'unsupported' });
      continue;
    }
    if (value === undefined) continue;
    p.batch.push(r);
    if (r.keepAliveVals) {
      // One ioctl carries both times, so the pair shares one op.
      if (pair === undefined) {
        pair = { op: p.count++, idleMs: 7200_000, intervalMs: 1000 };
        p.rowOf.push(r);
      }
      putKeepAliveVals(pair, r, value, prefix, name);
      p.opOf.push(pair.op);
    } else {
      textAt = put(p.count, r, value, prefix, name, textAt);
      p.rowOf.push(r);
      p.opOf.push(p.count++);
    }
  }
  // The ioctl turns keepalive on: a keepAlive the policy gives (false, say)
  // goes again after it.
  const keepAlive = p.batch.findIndex((r) => r.name === 'keepAlive');
  if (pair !== undefined && keepAlive >= 0) {
    textAt = put(
      p.count,
      p.batch[keepAlive],
      (policy as Record<string, unknown>).keepAlive,
      prefix,
      'keepAlive',
      textAt,
    );
    p.rowOf.push(p.batch[keepAlive]);
    p.opOf[keepAlive] = p.count++;
  }
  return p;
}

/**
 * Windows before 1709 sets both keepalive times in one ioctl; a time the
 * policy leaves out keeps Windows' default (2 h idle, 1 s between probes).
 */
interface KeepAlivePair {
  op: number;
  idleMs: number;
  intervalMs: number;
}
function putKeepAliveVals(pair: KeepAlivePair, r: Resolved, value: unknown, prefix: string | null, own: string): void {
  put(pair.op, r, value, prefix, own, 0);
  const secs = ops[pair.op * OP_INTS + 4];
  if (r.name === 'keepAliveIdleSecs') pair.idleMs = secs * 1000;
  else pair.intervalMs = secs * 1000;
  writeOp(pair.op, r, KIND.keepAliveVals, pair.idleMs, pair.intervalMs);
}

/** Checks a whole policy (names, types, ranges) without a system call. */
export function checkPolicy(policy: unknown, argName: string): Policy {
  plan(policy, argName);
  return policy as Policy;
}

/** A result that skips every option of a policy as unsupported (a Unix socket, say). */
export function unsupported(policy: Policy): ApplyResult {
  const skipped = OPTION_NAMES.filter((name) => policy[name] !== undefined).map((name) => ({
    name,
    reason: 'unsupported' as const,
  }));
  return { applied: [], skipped };
}

/** The options of a policy whose table rows pass `keep`. */
export function pick(policy: Policy, keep: (row: OptionRow) => boolean): Policy {
  const part: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) {
    if (policy[name] !== undefined && keep(OPTIONS[name])) part[name] = policy[name];
  }
  return part as Policy;
}

/**
 * Sets many options in one native call, in table order. Returns what was
 * applied and what was skipped (unsupported here, or too late for this
 * socket). A failed system call throws a Node-style error whose `result`
 * says what was set before it; nothing after it is tried.
 */
export function apply(target: Target, policy: Policy): ApplyResult {
  const fd = fdOf(target);
  const p = plan(policy, 'policy');
  const result: ApplyResult = { applied: [], skipped: p.skipped };
  const done = p.count === 0 ? 0 : native.apply(fd, p.count);
  p.batch.forEach((r, i) => {
    const op = p.opOf[i];
    if (op >= done) return; // not reached
    if (scratch[op] === TOO_LATE) result.skipped.push({ name: r.name, reason: 'too-late' });
    else result.applied.push(r.name);
  });
  if (done < p.count) {
    const err = systemError(scratch[done], 'setsockopt', label(p.rowOf[done])) as ApplyError;
    err.result = result;
    throw err;
  }
  return result;
}

/**
 * Sets one option. Throws ERR_FEATURE_UNAVAILABLE_ON_PLATFORM where this OS,
 * kernel or build lacks it, ERR_SOCKET_OPTION_TOO_LATE once its phase has
 * passed, TypeError/RangeError for a bad value, and a Node-style system
 * error when the OS refuses.
 */
export function setOption<K extends OptionName>(target: Target, name: K, value: OptionInput[K]): void {
  setNamed(target, name, value, 'value');
}

/** setOption, with the value named in errors as the caller's API names it. */
export function setNamed(target: Target, name: OptionName, value: unknown, argName: string): void {
  const fd = fdOf(target);
  const r = lookup(name);
  if (r.keepAliveVals) putKeepAliveVals({ op: 0, idleMs: 7200_000, intervalMs: 1000 }, r, value, null, argName);
  else put(0, r, value, null, argName, 0);
  if (native.apply(fd, 1) === 0) throw systemError(scratch[0], 'setsockopt', label(r));
  if (scratch[0] === TOO_LATE) throw tooLate(r);
}

/**
 * Reads one option from the kernel, never from a cache: a buffer size Linux
 * doubled reads back doubled.
 */
export function getOption<K extends OptionName>(target: Target, name: K): OptionValues[K] {
  const fd = fdOf(target);
  const r = lookup(name);
  if (r.keepAliveVals) throw featureUnavailable(`reading ${name} (Windows before build 1709)`);
  writeOp(0, r, r.kind, 0, 0);
  const rc = native.getOp(fd);
  if (rc < 0) throw systemError(rc, 'getsockopt', label(r));
  return decode(r) as OptionValues[K];
}

function decode(r: Resolved): boolean | number | string | Linger {
  switch (r.value) {
    case 'boolean':
      return scratch[0] !== 0;
    case 'linger': {
      const enabled = scratch[0] !== 0;
      // The OS ignores, and may keep a stale, time while linger is off.
      return { enabled, seconds: enabled ? scratch[1] : 0 };
    }
    case 'string': {
      const bytes = text.subarray(0, scratch[0]);
      const end = bytes.indexOf(0);
      return fromUtf8.decode(end < 0 ? bytes : bytes.subarray(0, end));
    }
    default:
      return (r.row.unsigned ? scratch[0] >>> 0 : scratch[0]) * r.scale;
  }
}
