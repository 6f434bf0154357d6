// The first named options (SO_LINGER, SO_REUSEADDR, SO_REUSEPORT), now rows
// of the option table, and the raw getsockopt/setsockopt.
import { invalidArgType, outOfRange, systemError } from './errors';
import type { Linger } from './option-table';
import { getOption, setNamed } from './socket-options';
import { native } from './native';
import { fdOf, type Target } from './target';

export const constants: Readonly<Record<string, number>> = Object.freeze({ ...native.constants });

function check(rc: number, syscall: 'getsockopt' | 'setsockopt', option: string): void {
  if (rc < 0) throw systemError(rc, syscall, option);
}

export { features, MAX_LINGER_SECONDS } from './socket-options';
export type { Linger } from './option-table';

/**
 * Sets SO_LINGER: setOption(target, 'linger', linger). `linger` is
 * `{ enabled, seconds }`, a number of seconds (enabled), or `false`
 * (disabled). `{ enabled: true, seconds: 0 }` makes close() send RST. On
 * Linux a linger above 0 makes close() block the calling thread — in Node,
 * the whole event loop — for up to that long. On Windows it is refused
 * (ERR_FEATURE_UNAVAILABLE_ON_PLATFORM) on a socket Node closes, which it
 * would leak, and allowed on a bare SOCKET (see linger-policy.ts).
 */
export function setLinger(target: Target, linger: Linger | number | false): void {
  setNamed(target, 'linger', linger, 'linger');
}

/**
 * Reads SO_LINGER. `seconds` is 0 whenever `enabled` is false: the OS
 * ignores the linger time then, and keeps whatever was set before.
 */
export function getLinger(target: Target): Linger {
  return getOption(target, 'linger');
}

/**
 * SO_REUSEADDR. On Linux and macOS it lets a socket bind a port that
 * TIME_WAIT connections still hold; it has to be set before bind (see
 * openBoundSocket). libuv already sets it on every TCP listener on Unix.
 */
export function setReuseAddress(target: Target, value: boolean): void {
  setNamed(target, 'reuseAddress', value, 'value');
}
export function getReuseAddress(target: Target): boolean {
  return getOption(target, 'reuseAddress');
}

/**
 * SO_REUSEPORT: several sockets of one user may bind the same address and
 * port; Linux spreads connections and datagrams across them. Every socket
 * must set it before bind (see listen / openBoundSocket).
 */
export function setReusePort(target: Target, value: boolean): void {
  setNamed(target, 'reusePort', value, 'value');
}
export function getReusePort(target: Target): boolean {
  return getOption(target, 'reusePort');
}

function validateOptionNumber(value: unknown, name: string): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw outOfRange(name, 'an integer >= 0 and <= 2147483647', value);
  }
  return value;
}

// Option names are C ints, and Windows has negative ones:
// SO_EXCLUSIVEADDRUSE and SO_DONTLINGER are ~SO_REUSEADDR and ~SO_LINGER.
function validateOptionName(value: unknown): number {
  if (typeof value !== 'number') throw invalidArgType('name', 'of type number', value);
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
    throw outOfRange('name', 'a 32-bit integer', value);
  }
  return value;
}

const prefixByLevel = new Map<number, string>([
  [constants.SOL_SOCKET, 'SO_'],
  [constants.IPPROTO_TCP, 'TCP_'],
  [constants.IPPROTO_IP, 'IP_'],
  [constants.IPPROTO_IPV6, 'IPV6_'],
]);

/** 'SO_LINGER' where the level and number name a known constant. */
function optionLabel(level: number, name: number): string {
  const prefix = prefixByLevel.get(level);
  if (prefix !== undefined) {
    for (const [key, value] of Object.entries(constants)) {
      if (value === name && key.startsWith(prefix)) return key;
    }
  }
  return `level ${level}, option ${name}`;
}

/** Largest buffer the raw API moves in one call. */
export const MAX_RAW_OPTION_BYTES = 65536;

/**
 * Raw getsockopt: reads up to `length` bytes (default: the size of an int)
 * and returns them, trimmed to the length the OS reported.
 */
export function getsockopt(target: Target, level: number, name: number, length = 4): Buffer {
  const fd = fdOf(target);
  validateOptionNumber(level, 'level');
  validateOptionName(name);
  if (typeof length !== 'number') throw invalidArgType('length', 'of type number', length);
  if (!Number.isInteger(length) || length < 0 || length > MAX_RAW_OPTION_BYTES) {
    throw outOfRange('length', `an integer >= 0 and <= ${MAX_RAW_OPTION_BYTES}`, length);
  }
  const buf = Buffer.alloc(length);
  const rc = native.getBytes(fd, level, name, buf);
  check(rc, 'getsockopt', optionLabel(level, name));
  return buf.subarray(0, rc);
}

/**
 * Raw setsockopt. A number is passed as a C int, a boolean as the int 0 or
 * 1, and a Buffer, TypedArray or DataView as its bytes.
 */
export function setsockopt(
  target: Target,
  level: number,
  name: number,
  value: number | boolean | ArrayBufferView,
): void {
  const fd = fdOf(target);
  validateOptionNumber(level, 'level');
  validateOptionName(name);
  let rc: number;
  if (typeof value === 'boolean') {
    rc = native.setInt(fd, level, name, value ? 1 : 0);
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw outOfRange('value', 'a 32-bit integer', value);
    }
    rc = native.setInt(fd, level, name, value);
  } else if (ArrayBuffer.isView(value)) {
    if (value.byteLength > MAX_RAW_OPTION_BYTES) {
      throw outOfRange('value.byteLength', `<= ${MAX_RAW_OPTION_BYTES}`, value.byteLength);
    }
    rc = native.setBytes(fd, level, name, new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  } else {
    throw invalidArgType('value', 'of type number or boolean, or a Buffer, TypedArray or DataView', value);
  }
  check(rc, 'setsockopt', optionLabel(level, name));
}
