// The first named options (SO_LINGER, SO_REUSEADDR, SO_REUSEPORT), kept as
// sugar over setOption/getOption now that they are rows of the table.
import type { Target } from '../target';
import { getLinger as readLinger, getOption, setLinger as putLinger, setNamed } from './api';
import type { Linger } from './types';

/**
 * Sets SO_LINGER: setOption(target, 'linger', linger). `linger` is
 * `{ enabled, seconds }`, a number of seconds (enabled), or `false`
 * (disabled). `{ enabled: true, seconds: 0 }` makes close() send RST. On
 * Linux a linger above 0 makes close() block the calling thread — in Node,
 * the whole event loop — for up to that long.
 */
export function setLinger(target: Target, linger: Linger | number | false): void {
  putLinger(target, linger, 'linger');
}

/**
 * Reads SO_LINGER. `seconds` is 0 whenever `enabled` is false: the OS
 * ignores the linger time then, and keeps whatever was set before.
 */
export function getLinger(target: Target): Linger {
  return readLinger(target);
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
