// setOption, getOption and apply: named options from the table, validated
// in full before any system call, a whole batch in one native call.
import { featureUnavailable, invalidArgType, systemError, tcpOnly, tooLate, type ApplyError } from '../errors';
import { fitTcpCheck, KIND, NOT_TCP, scratch, TOO_LATE, writeOp } from '../native/abi';
import { native } from '../native/binding';
import { descriptor, locate, type Located, type Target } from '../target';
import { unknownKey } from '../validate';
import { refuseBlockingLinger } from './windows-linger';
import { decode, intOf, lingerOf, put } from './codec';
import { usable } from './features';
import { newPair, putKeepAliveVals } from './keepalive-vals';
import { planOnce, type Skipped } from './plan';
import type { Resolved } from './resolve';
import { OPTION_NAMES, OPTIONS, PHASES, type OptionName } from './table';
import type { Linger, OptionInput, OptionValues } from './types';

export interface ApplyResult {
  /** The options set, in table order. */
  applied: OptionName[];
  /**
   * The options not set: `unsupported` on this OS, kernel or build (see
   * `features`) or on this kind of socket (a TCP-only option on UDP or a
   * Unix socket), or `too-late` for this socket's stage (see each option's
   * phase). Never silently dropped.
   */
  skipped: Skipped[];
}

function lookup(name: unknown, arg = 'name'): Resolved {
  const r = usable().get(name as string);
  if (r !== undefined) return r;
  if (typeof name !== 'string') throw invalidArgType(arg, 'of type string', name);
  if (!Object.hasOwn(OPTIONS, name)) throw unknownKey(arg, OPTION_NAMES, name, 'is not an option');
  throw featureUnavailable(name);
}

/**
 * Sets many options in one native call, in table order. Returns what was
 * applied and what was skipped (unsupported here, or too late for this
 * socket). On Windows a linger above 0 on a socket Node closes throws
 * ERR_FEATURE_UNAVAILABLE_ON_PLATFORM before anything is set. A failed
 * system call throws a Node-style error whose `result` says what was set
 * before it; nothing after it is tried.
 */
export function apply(target: Target, policy: Partial<OptionInput>): ApplyResult {
  const at = locate(target);
  const p = planOnce(policy, 'policy');
  const fd = descriptor(at);
  const tcp = at.tcp;
  refuseBlockingLinger(target, policy.linger);
  const result: ApplyResult = { applied: [], skipped: p.skipped.slice() };
  fitTcpCheck(p.count, tcp);
  const done = p.count === 0 ? 0 : native.apply(fd, p.count);
  p.batch.forEach((r, i) => {
    const op = p.opOf[i];
    if (op >= done) return; // not reached
    if (scratch[op] === TOO_LATE) result.skipped.push({ name: r.name, reason: 'too-late' });
    else if (scratch[op] === NOT_TCP) result.skipped.push({ name: r.name, reason: 'unsupported' });
    else result.applied.push(r.name);
  });
  if (done < p.count) {
    const err = systemError(scratch[done], 'setsockopt', p.rowOf[done].os.name) as ApplyError;
    err.result = result;
    throw err;
  }
  return result;
}

/**
 * Sets one option. Throws ERR_FEATURE_UNAVAILABLE_ON_PLATFORM where this OS,
 * kernel or build lacks it (or for a linger above 0 on a socket Node closes,
 * on Windows), ERR_SOCKET_OPTION_TCP_ONLY on a socket that is not TCP for a
 * TCP-only option, ERR_SOCKET_OPTION_TOO_LATE once its phase has
 * passed, TypeError/RangeError for a bad value, and a Node-style system
 * error when the OS refuses.
 */
export function setOption<K extends OptionName>(target: Target, name: K, value: OptionInput[K]): void {
  setNamed(target, name, value, 'value');
}

/** setOption, with the value named in errors as the caller's API names it. */
export function setNamed(target: Target, name: OptionName, value: unknown, arg: string): void {
  const at = locate(target);
  const r = lookup(name);
  if (r.keepAliveVals) putKeepAliveVals(newPair(0), r, value, arg);
  else if (r.direct) return setDirect(target, at, r, value, arg);
  else put(0, r, value, arg, 0);
  const fd = descriptor(at);
  const tcp = at.tcp;
  if (r.kind === KIND.linger) refuseBlockingLinger(target, value);
  if (r.tcp) fitTcpCheck(1, tcp);
  if (native.apply(fd, 1) === 0) throw systemError(scratch[0], 'setsockopt', r.os.name);
  if (scratch[0] === TOO_LATE) throw tooLate(r.name, r.row.phase, PHASES[r.row.phase].tooLate);
  if (scratch[0] === NOT_TCP) throw tcpOnly(r.name);
}

/**
 * Reads one option from the kernel, never from a cache: a buffer size Linux
 * doubled reads back doubled.
 */
export function getOption<K extends OptionName>(target: Target, name: K): OptionValues[K] {
  const at = locate(target);
  const r = lookup(name);
  if (r.keepAliveVals) throw featureUnavailable(`reading ${name} (Windows before build 1709)`);
  const fd = descriptor(at);
  const tcp = at.tcp;
  if (r.direct) return getDirect(at, fd, r) as OptionValues[K];
  writeOp(0, r, r.kind, 0, 0);
  if (r.tcp) fitTcpCheck(1, tcp);
  const rc = native.getOp(fd);
  if (rc < 0) throw systemError(rc, 'getsockopt', r.os.name);
  if (rc === NOT_TCP) throw tcpOnly(r.name);
  return decode(r) as OptionValues[K];
}

// An option with nothing to ask the socket first (Resolved.direct) goes
// straight to its system call, without an op written and read back; the
// checks, and their order, are the op's: value, socket, Windows, TCP, the
// OS. SO_LINGER has native calls of its own, and setLinger/getLinger keep
// its row: abort() and the watchdog set it on every socket they end.
let lingerRow: Resolved | undefined;

/** setOption(target, 'linger', value), the value named `arg` in errors. */
export function setLinger(target: Target, value: unknown, arg: string): void {
  const at = locate(target);
  setDirect(target, at, (lingerRow ??= lookup('linger')), value, arg);
}

/** getOption(target, 'linger'). */
export function getLinger(target: Target): Linger {
  const at = locate(target);
  const r = (lingerRow ??= lookup('linger'));
  return getDirect(at, descriptor(at), r) as Linger;
}

function setDirect(target: Target, at: Located, r: Resolved, value: unknown, arg: string): void {
  if (r.kind === KIND.linger) {
    const { enabled, seconds } = lingerOf(r, value, arg);
    const fd = descriptor(at);
    refuseBlockingLinger(target, value);
    if (at.tcp === false) throw tcpOnly(r.name);
    const rc = native.setLinger(fd, enabled, seconds);
    if (rc < 0) throw refused(rc, at, fd, r, 'setsockopt');
    return;
  }
  const int = intOf(r, value, arg);
  const fd = descriptor(at);
  if (r.tcp && at.tcp === false) throw tcpOnly(r.name);
  const rc = native.setInt(fd, r.level, r.option, int);
  if (rc < 0) throw refused(rc, at, fd, r, 'setsockopt');
}

function getDirect(at: Located, fd: number, r: Resolved): unknown {
  if (r.tcp && at.tcp === false) throw tcpOnly(r.name);
  const rc = r.kind === KIND.linger ? native.getLinger(fd) : native.getInt(fd, r.level, r.option);
  if (rc < 0) throw refused(rc, at, fd, r, 'getsockopt');
  return decode(r);
}

/**
 * The error for an OS refusal: for a TCP-only option on a bare descriptor,
 * whose kind was not asked beforehand (the kernel takes SO_KEEPALIVE and
 * SO_LINGER on any socket), ERR_SOCKET_OPTION_TCP_ONLY when it turns out
 * not to be TCP.
 */
function refused(rc: number, at: Located, fd: number, r: Resolved, syscall: string): Error {
  if (r.tcp && at.tcp === undefined && native.isTcp(fd) === 0) return tcpOnly(r.name);
  return systemError(rc, syscall, r.os.name);
}
