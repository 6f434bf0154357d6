// Target → file descriptor: where every JavaScript target becomes the OS
// socket behind it (Node's handles are read in node-internals.ts), refusing
// to hand out a number that no longer belongs to the target.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { invalidArgType, systemError, uvErrno } from './errors';
import { native } from './native/binding';
import { BoundSocket, dgramHandle, handleOf, type Handle } from './node-internals';
import { validateFd } from './validate';

/** Anything sockctl can resolve to a socket. */
export type Target = number | net.Socket | net.Server | dgram.Socket;

const EBADF = uvErrno('EBADF');

/** What Node does tell about a socket, and so what finds it on Windows. */
interface Endpoints {
  udp: boolean;
  local: { address: string; port: number };
  /** Absent for a TCP listener or an unconnected UDP socket. */
  remote?: { address: string; port: number };
}

// Windows: Node never gives out the SOCKET behind a TCP or UDP handle (fd
// reads -1, or EBADF for UDP), so it is found by its endpoints — the native
// findSocket scans this process's handle table, see native/win/find_socket.cc —
// and remembered per Node object with the very handle it was found for.
// Once Node closes or replaces that handle, the number is never handed out
// again, even if Windows has since given it to another socket.
const found = new WeakMap<object, { handle: Handle; socket: number }>();

function windowsSocket(owner: object, handle: Handle, what: string, endpoints: () => Endpoints | undefined): number {
  const known = found.get(owner);
  if (known !== undefined && known.handle === handle) return known.socket;
  const ends = endpoints();
  if (ends === undefined) throw systemError(EBADF, 'fdOf', `${what} has no OS socket yet (not connected or bound)`);
  // An IPv6 zone does not tell sockets apart.
  const local = ends.local.address.split('%')[0];
  const remote = ends.remote?.address.split('%')[0] ?? null;
  const socket = native.findSocket(
    ends.udp ? 1 : 0,
    net.isIP(local) === 6 ? 1 : 0,
    ends.local.port,
    ends.remote?.port ?? 0,
    local,
    remote,
  );
  if (socket < 0) throw systemError(socket, 'fdOf', `${what}: no socket of this process has its endpoints`);
  found.set(owner, { handle, socket });
  return socket;
}

function fromHandle(
  handle: Handle | null | undefined,
  what: string,
  owner?: object,
  endpoints?: () => Endpoints | undefined,
): number {
  const fd = handle?.fd;
  if (typeof fd === 'number' && fd >= 0) return fd;
  if (handle && owner !== undefined && endpoints !== undefined && process.platform === 'win32') {
    return windowsSocket(owner, handle, what, endpoints);
  }
  // Node reports -1 (or a negative error) while no OS socket exists yet:
  // before connect/bind.
  const state = handle ? 'has no OS socket yet (not connected or bound)' : 'is closed or not yet open';
  throw systemError(EBADF, 'fdOf', `${what} ${state}`);
}

function socketEndpoints(socket: net.Socket): Endpoints | undefined {
  const { localAddress, localPort, remoteAddress, remotePort } = socket;
  if (localAddress === undefined || localPort === undefined) return undefined;
  if (remoteAddress === undefined || remotePort === undefined) return undefined;
  return {
    udp: false,
    local: { address: localAddress, port: localPort },
    remote: { address: remoteAddress, port: remotePort },
  };
}

function serverEndpoints(server: net.Server): Endpoints | undefined {
  const local = server.address();
  // null before listening; a string for a named pipe, which is no socket.
  if (local === null || typeof local === 'string') return undefined;
  return { udp: false, local };
}

function dgramEndpoints(socket: dgram.Socket): Endpoints | undefined {
  let local: net.AddressInfo;
  try {
    local = socket.address();
  } catch {
    return undefined; // not bound
  }
  try {
    return { udp: true, local, remote: socket.remoteAddress() };
  } catch {
    return { udp: true, local }; // not connected
  }
}

/**
 * The file descriptor behind a target: a descriptor number (returned as
 * is), a net.Socket or tls.TLSSocket, a net.Server (http, https, http2 and
 * tls servers are net.Servers), a dgram.Socket, or on Node >= 26.4 a
 * net.BoundSocket. A destroyed, closed or not yet connected/bound target
 * throws EBADF instead of returning a number that may already belong to
 * another file. On Windows the number is a SOCKET, found by the target's
 * endpoints the first time (a scan of the process's handles) and cached.
 */
export function fdOf(target: Target): number {
  const t: unknown = target;
  if (BoundSocket !== undefined && t instanceof BoundSocket) return fromHandle({ fd: t.fd() }, 'bound socket');
  if (typeof target === 'number') return validateFd(target, 'target');
  if (target instanceof net.Socket) {
    return fromHandle(handleOf(target), 'socket', target, () => socketEndpoints(target));
  }
  if (target instanceof net.Server) {
    return fromHandle(handleOf(target), 'server', target, () => serverEndpoints(target));
  }
  if (target instanceof dgram.Socket) {
    return fromHandle(dgramHandle(target), 'dgram socket', target, () => dgramEndpoints(target));
  }
  throw invalidArgType(
    'target',
    'a file descriptor or an instance of net.Socket, tls.TLSSocket, net.Server or dgram.Socket',
    target,
  );
}
