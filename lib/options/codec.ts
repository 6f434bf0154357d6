// One value ↔ one op: validates a value against its row's bounds on this OS
// and writes it into the op slots; reads a result back into a value.
import { invalidArgType, invalidArgValue, outOfRange } from '../errors';
import { scratch, text, writeOp } from '../native/abi';
import type { Resolved } from './resolve';
import type { Linger } from './types';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * A linger value, validated: what `lingerOf` last read. Reused by every
 * call, so that no { enabled, seconds } object is built on the way (this is
 * every setLinger and abort() call): read it before validating another.
 */
export const lingerIn = { enabled: 0, seconds: 0 };

/** Validates a linger value against row `r`'s bound into `lingerIn`. */
export function lingerOf(r: Resolved, value: unknown, arg: string): typeof lingerIn {
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
    throw invalidArgType(arg, 'a number of seconds, false, or an object { enabled: boolean, seconds: number }', value);
  }
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > r.max) {
    throw outOfRange(`${arg}.seconds`, `an integer >= 0 and <= ${r.max}`, seconds);
  }
  lingerIn.enabled = enabled ? 1 : 0;
  lingerIn.seconds = seconds;
  return lingerIn;
}

/** The int a boolean or integer option's value is written as. */
export function intOf(r: Resolved, value: unknown, arg: string): number {
  if (r.value !== 'boolean') return integerOf(r, value, arg);
  if (typeof value !== 'boolean') throw invalidArgType(arg, 'of type boolean', value);
  return value ? 1 : 0;
}

/** The integer a value asks for, in the OS's own unit. */
export function integerOf(r: Resolved, value: unknown, arg: string): number {
  if (typeof value !== 'number') throw invalidArgType(arg, 'of type number', value);
  if (!Number.isInteger(value) || value < r.min || value > r.max) {
    throw outOfRange(arg, `an integer >= ${r.min} and <= ${r.max}`, value);
  }
  if (value % r.scale !== 0) {
    throw outOfRange(arg, `a multiple of ${r.scale} on this platform, which counts whole seconds`, value);
  }
  // An unsigned option (SO_MARK) travels as the int with the same bits.
  return (value / r.scale) | 0;
}

/**
 * Validates `value` for row `r` (named `arg` in errors) and writes it as op
 * `i`, a string at `textAt` in the shared text; returns where the next
 * string goes.
 */
export function put(i: number, r: Resolved, value: unknown, arg: string, textAt: number): number {
  switch (r.value) {
    case 'linger': {
      const { enabled, seconds } = lingerOf(r, value, arg);
      writeOp(i, r, r.kind, enabled, seconds);
      return textAt;
    }
    case 'string': {
      if (typeof value !== 'string') throw invalidArgType(arg, 'of type string', value);
      const bytes = utf8.encode(value);
      if (bytes.includes(0)) throw invalidArgValue(arg, 'must not contain null bytes', value);
      const maxBytes = r.row.maxBytes ?? 0;
      if (bytes.length > maxBytes) throw outOfRange(`${arg}.length`, `<= ${maxBytes} bytes`, bytes.length);
      text.set(bytes, textAt);
      writeOp(i, r, r.kind, textAt, bytes.length);
      return textAt + bytes.length;
    }
    default:
      writeOp(i, r, r.kind, intOf(r, value, arg), 0);
      return textAt;
  }
}

/** The value getOp left in the scratch slots (and text) for row `r`. */
export function decode(r: Resolved): boolean | number | string | Linger {
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
