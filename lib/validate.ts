// Node-style validators (after Node's lib/internal/validators.js): each
// throws the error Node would, naming the argument or `options.<key>`
// property, and returns the value it checked.
import * as net from 'node:net';
import { badPort, invalidArgType, invalidArgValue, outOfRange } from './errors';

/** An options object: not null, not an array (as Node's validateObject). */
export function validateObject(value: unknown, name: string): asserts value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgType(name, 'of type object', value);
  }
}

export function validateFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function') throw invalidArgType(name, 'of type function', value);
}

export function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value);
  return value;
}

export function optionalString(value: unknown, name: string): string | undefined {
  if (value !== undefined && typeof value !== 'string') throw invalidArgType(name, 'of type string', value);
  return value;
}

/** An integer in [min, max]. */
export function validateInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw outOfRange(name, `an integer >= ${min} and <= ${max}`, value);
  }
  return value;
}

export function validateFd(fd: unknown, name = 'fd'): number {
  return validateInteger(fd, name, 0, 0x7fffffff);
}

/** A port number: TypeError for another type, Node's ERR_SOCKET_BAD_PORT out of range. */
export function validatePort(port: unknown, name: string): number {
  if (typeof port !== 'number') throw invalidArgType(name, 'of type number', port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw badPort(name, port);
  return port;
}

export function validateOneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (!(allowed as readonly unknown[]).includes(value)) {
    const list = allowed.map((a) => `'${a}'`);
    throw invalidArgValue(
      name,
      `must be ${list.slice(0, -1).join(', ')}${list.length > 1 ? ' or ' : ''}${list.at(-1)}`,
      value,
    );
  }
  return value as T;
}

/** Edit distance, case-insensitively: 'reuseport' is one step from 'reusePort'. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/** The valid key nearest to a wrong one, when it is near enough to be a slip. */
export function closest(key: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const d = distance(key, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.ceil(key.length / 3)) ? best : undefined;
}

/**
 * ERR_INVALID_ARG_VALUE for a name that is not one of `valid`: a dotted
 * `name` is the wrong key itself (`options.reuseport`), else `value` is the
 * wrong name. Says the nearest valid one, or where the list is.
 */
export function unknownKey(name: string, valid: readonly string[], value: unknown, what = 'is unknown'): TypeError {
  const wrong = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : String(value);
  const near = closest(wrong, valid);
  const list = valid.length > 8 ? 'sockctl.optionNames lists them' : `valid keys are ${valid.join(', ')}`;
  const hint = near === undefined ? list : `did you mean '${near}'?`;
  return invalidArgValue(name, `${what} (${hint})`, value);
}

/** Refuses any own key of an options object that is not in `valid`: a misspelled key must not be ignored. */
export function validateKeys(options: object, name: string, valid: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!valid.includes(key)) throw unknownKey(`${name}.${key}`, valid, (options as Record<string, unknown>)[key]);
  }
}

export interface ParsedAddress {
  host: string;
  family: 4 | 6;
  scopeId: number;
}

/** A numeric address, with a numeric IPv6 zone (`fe80::1%2`) as its scope id. */
export function parseAddress(address: string, name: string): ParsedAddress {
  const zone = address.indexOf('%');
  const host = zone < 0 ? address : address.slice(0, zone);
  const family = net.isIP(host);
  if (family === 0) throw invalidArgValue(name, 'must be a numeric IPv4 or IPv6 address', address);
  let scopeId = 0;
  if (zone >= 0) {
    const scope = address.slice(zone + 1);
    if (family !== 6 || !/^\d+$/.test(scope) || Number(scope) > 0xffffffff) {
      throw invalidArgValue(name, 'may only carry a numeric IPv6 zone index', address);
    }
    scopeId = Number(scope);
  }
  return { host, family: family as 4 | 6, scopeId };
}
