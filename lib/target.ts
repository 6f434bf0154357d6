// Target → file descriptor: where every JavaScript target becomes the OS
// socket behind it (Node's handles are read in node-internals.ts), refusing
// to hand out a number that no longer belongs to the target.
import type * as dgram from 'node:dgram';
import { Socket as DgramSocket } from 'node:dgram';
import type * as net from 'node:net';
// Named, not `net.Socket` through a namespace import: that compiles to a
// getter shared by every module's namespace, a megamorphic load on each
// call of fdOf.
import { isIP, Server, Socket } from 'node:net';
import { invalidArgType, systemError, uvErrno } from './errors';
import { native } from './native/binding';
import { BoundSocket, BunHttpServer, dgramHandle, handleOf, isTcpWrap, runtime, type Handle } from './node-internals';
import { validateFd } from './validate';

/** Anything sockctl can resolve to a socket. */
export type Target = number | net.Socket | net.Server | dgram.Socket;

const EBADF = uvErrno('EBADF');
const EEXIST = uvErrno('EEXIST');
// native/socket.h's kFindShared: set on a descriptor found that is one of several of its socket.
const FIND_SHARED = 2 ** 30;
const WINDOWS = process.platform === 'win32';

/** What Node does tell about a socket, and so what finds it on Windows. */
interface Endpoints {
  udp: boolean;
  local: { address: string; port: number };
  /** Absent for a TCP listener or an unconnected UDP socket. */
  remote?: { address: string; port: number };
}

/** What locate found behind a target. */
export interface Located {
  /** The descriptor, or a negative error when the target has no live socket. */
  readonly fd: number;
  /** Whether it is TCP; undefined for a bare descriptor, whose kind only the OS knows. */
  readonly tcp: boolean | undefined;
  /** Why there is no socket, when fd < 0. */
  readonly why: string;
}

// What each of Node's handles was found to hold, on the handle itself: a
// handle keeps one OS socket from the moment it has one until it is closed,
// and Node drops a closed handle (a destroyed socket's `_handle` is null; a
// reconnect makes a new one), so an entry is never handed out for a socket
// it no longer holds, even after the OS gives its number to another. Reading
// `handle.fd` crosses into C++ on every call, and on Windows the SOCKET has
// to be searched for: both are paid once per handle, as is the question
// whether it is TCP (one system call). Under a symbol, not in a WeakMap keyed
// by the handle: installPolicy locates every client socket once, and the
// table's entry for each was work for the collector; a census of 10 000
// sockets reads all of theirs.
const LOCATED = Symbol('sockctl.located');
type Cached = Handle & { [LOCATED]?: Located };
function cached(handle: Handle | null | undefined): Located | undefined {
  return handle ? (handle as Cached)[LOCATED] : undefined;
}
// A bare descriptor, and a target without a live socket: never cached, and
// reused by the next call.
const bare: { fd: number; tcp: undefined; why: '' } = { fd: -1, tcp: undefined, why: '' };
const missing: { fd: number; tcp: undefined; why: string } = { fd: EBADF, tcp: undefined, why: '' };

function noSocket(errno: number, why: string): Located {
  missing.fd = errno;
  missing.why = why;
  return missing;
}

/**
 * A socket found by its endpoints where the handle gives out no
 * descriptor: on Windows Node never gives out the SOCKET behind a TCP or
 * UDP handle (fd reads -1, or EBADF for UDP) — native/win/find_socket.cc
 * scans this process's handle table —, and Deno's handles have no fd at
 * all — native/posix/socket.cc lists the open descriptors. The descriptor
 * found, or why none was; `shared` when it is one of several descriptors
 * of the socket (a dup): it may be another handle's, which may close it,
 * so it is not cached.
 */
function searched(what: string, ends: Endpoints | undefined): { fd: number; shared: boolean } | Located {
  if (ends === undefined) return noSocket(EBADF, `${what} has no OS socket yet (not connected or bound)`);
  // An IPv6 zone does not tell sockets apart.
  const local = ends.local.address.split('%')[0];
  const remote = ends.remote?.address.split('%')[0] ?? null;
  const find = (peer: string | null): number =>
    native.findSocket(
      ends.udp ? 1 : 0,
      isIP(local) === 6 ? 1 : 0,
      ends.local.port,
      ends.remote?.port ?? 0,
      local,
      peer,
    );
  let socket = find(remote);
  // Deno connects a UDP socket in JavaScript only: the OS socket has no peer.
  if (socket === EBADF && ends.udp && remote !== null && !WINDOWS) socket = find(null);
  if (socket >= 0) return { fd: socket % FIND_SHARED, shared: socket >= FIND_SHARED };
  const by = WINDOWS ? '' : ` (${runtime} gives out no descriptor: it was looked for by its endpoints)`;
  if (socket === EEXIST) {
    return noSocket(EBADF, `${what}: more than one socket of this process has its endpoints${by}; pass its descriptor`);
  }
  return noSocket(socket, `${what}: no socket of this process has its endpoints${by}`);
}

// The first look at a handle: its socket, then cached.
function find(
  handle: Handle | null | undefined,
  what: string,
  endpoints: () => Endpoints | undefined,
  udp: boolean,
): Located {
  if (!handle) return noSocket(EBADF, `${what} is closed or not yet open`);
  let fd = handle.fd;
  if (!(typeof fd === 'number' && fd >= 0)) {
    // Node reports -1 (or a negative error) while no OS socket exists yet:
    // before connect/bind. A handle without the property is another
    // runtime's that keeps its descriptor to itself.
    if (!WINDOWS && fd !== undefined) return noSocket(EBADF, `${what} has no OS socket yet (not connected or bound)`);
    const got = searched(what, endpoints());
    if ('why' in got) return got;
    if (got.shared) return { fd: got.fd, tcp: !udp && native.isTcp(got.fd) === 1, why: '' };
    fd = got.fd;
  }
  const found: Located = { fd, tcp: !udp && (isTcpWrap(handle) || native.isTcp(fd) === 1), why: '' };
  (handle as Cached)[LOCATED] = found;
  return found;
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
  return descriptor(locate(target));
}

/** The descriptor locate found, or the system error (EBADF) it found instead. */
export function descriptor(at: Located): number {
  if (at.fd < 0) throw systemError(at.fd, 'fdOf', at.why);
  return at.fd;
}

// Bun (1.4) serves http in native code: its http.Server is no net.Server,
// and the sockets it hands a request listener have no handle. Both are
// found by their endpoints on every call (nothing to cache them by).
const BUN = runtime === 'Bun';

function unhandled(what: string, ends: Endpoints | undefined): Located {
  const got = searched(what, ends);
  if ('why' in got) return got;
  return { fd: got.fd, tcp: native.isTcp(got.fd) === 1, why: '' };
}

/**
 * What fdOf finds, without throwing a system error yet, so that a caller
 * validates its other arguments first (as Node does: arguments, then system
 * calls): the descriptor or why there is none, and whether the socket is
 * known to be TCP. Throws only for a target of the wrong type or range.
 * What it returns for a bare descriptor or a missing socket is reused by the
 * next call: read it before calling again.
 */
export function locate(target: Target): Located {
  const t: unknown = target;
  if (typeof target === 'number') {
    bare.fd = validateFd(target, 'target');
    return bare;
  }
  // The cached entry first: no closure is made on this path.
  if (target instanceof Socket) {
    const h = handleOf(target);
    if (!h && BUN && !target.destroyed) return unhandled('socket', socketEndpoints(target));
    return cached(h) || find(h, 'socket', () => socketEndpoints(target), false);
  }
  if (BunHttpServer !== undefined && t instanceof BunHttpServer && !(t instanceof Server)) {
    return unhandled('http.Server', serverEndpoints(t as unknown as net.Server));
  }
  if (target instanceof Server) {
    const h = handleOf(target);
    return cached(h) || find(h, 'server', () => serverEndpoints(target), false);
  }
  if (target instanceof DgramSocket) {
    const h = dgramHandle(target);
    return cached(h) || find(h, 'dgram socket', () => dgramEndpoints(target), true);
  }
  if (BoundSocket !== undefined && t instanceof BoundSocket) {
    const fd = t.fd();
    if (fd < 0) return noSocket(EBADF, 'bound socket has no OS socket yet (not connected or bound)');
    bare.fd = fd;
    return bare;
  }
  throw invalidArgType(
    'target',
    'a file descriptor or an instance of net.Socket, tls.TLSSocket, net.Server or dgram.Socket',
    target,
  );
}
