// Target → file descriptor. Reads Node's handles without touching
// deprecated accessors (dgram.Socket#_handle emits DEP0112), and refuses to
// hand out a number that no longer belongs to the target.
import dgram from 'node:dgram';
import net from 'node:net';
import { invalidArgType, outOfRange, systemError, uvErrno } from './errors';

/** Anything sockctl can resolve to a socket. */
export type Target = number | net.Socket | net.Server | dgram.Socket;

interface Handle {
  fd?: number;
}
interface HasHandle {
  _handle?: Handle | null;
}
interface DgramState {
  handle?: Handle | null;
}

const EBADF = uvErrno('EBADF');

export function validateFd(fd: unknown, name = 'fd'): number {
  if (typeof fd !== 'number') throw invalidArgType(name, 'of type number', fd);
  if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff)
    throw outOfRange(name, 'an integer >= 0 and <= 2147483647', fd);
  return fd;
}

// dgram keeps its handle in a symbol-keyed state object; the `_handle`
// getter on top of it is deprecated.
let dgramStateSymbol: symbol | undefined;
function dgramHandle(socket: dgram.Socket): Handle | null | undefined {
  if (dgramStateSymbol === undefined) {
    dgramStateSymbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
    if (dgramStateSymbol === undefined) throw new Error('sockctl: cannot find the dgram socket state on this Node');
  }
  const state = (socket as unknown as Record<symbol, DgramState | undefined>)[dgramStateSymbol];
  return state?.handle;
}

function fromHandle(handle: Handle | null | undefined, what: string): number {
  const fd = handle?.fd;
  // Node reports -1 (or a negative error) while no OS socket exists yet:
  // before connect/bind, and for TCP on Windows.
  if (typeof fd !== 'number' || fd < 0) {
    const state = handle ? 'has no OS socket yet (not connected or bound)' : 'is closed or not yet open';
    throw systemError(EBADF, 'fdOf', `${what} ${state}`);
  }
  return fd;
}

const BoundSocket = (net as unknown as { BoundSocket?: new () => { fd(): number } }).BoundSocket;

/**
 * The file descriptor behind a target: a descriptor number (returned as
 * is), a net.Socket or tls.TLSSocket, a net.Server (http, https, http2 and
 * tls servers are net.Servers), a dgram.Socket, or on Node >= 26.4 a
 * net.BoundSocket. A destroyed, closed or not yet connected/bound target
 * throws EBADF instead of returning a number that may already belong to
 * another file.
 */
export function fdOf(target: Target): number {
  const t: unknown = target;
  if (BoundSocket !== undefined && t instanceof BoundSocket) return fromHandle({ fd: t.fd() }, 'bound socket');
  if (typeof target === 'number') return validateFd(target, 'target');
  if (target instanceof net.Socket) return fromHandle((target as unknown as HasHandle)._handle, 'socket');
  if (target instanceof net.Server) return fromHandle((target as unknown as HasHandle)._handle, 'server');
  if (target instanceof dgram.Socket) return fromHandle(dgramHandle(target), 'dgram socket');
  throw invalidArgType(
    'target',
    'a file descriptor or an instance of net.Socket, tls.TLSSocket, net.Server or dgram.Socket',
    target,
  );
}
