// Options that only work before bind (SO_REUSEPORT, SO_REUSEADDR for a
// fixed local port, IPV6_V6ONLY): Node's listen()/connect()/bind() create
// and bind in one step, so sockctl creates and binds the socket itself and
// hands Node the descriptor to adopt. Node on Windows cannot adopt a SOCKET
// (`listen({ fd })` fails with EINVAL, `new net.Socket({ fd })` with
// ERR_INVALID_FD_TYPE): there these helpers call Node's own listen, connect
// and bind with what those take, and refuse what must be set before bind
// (features.bindHelpers tells which way this platform goes).
import cluster from 'node:cluster';
import * as dgram from 'node:dgram';
import * as dns from 'node:dns/promises';
import type { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { featureUnavailable, invalidArgType, invalidArgValue, outOfRange, systemError } from './errors';
import { native } from './native';
import { features } from './options';
import { track } from './registry';

export interface BindOptions {
  type: 'tcp' | 'udp';
  /** A numeric IPv4 or IPv6 address; an IPv6 zone must be numeric (`fe80::1%2`). */
  address?: string;
  port?: number;
  reuseAddress?: boolean;
  reusePort?: boolean;
  /** IPv6 only: accept IPv6 traffic alone (true) or IPv4-mapped too (false). */
  ipv6Only?: boolean;
}

function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value);
  return value;
}

export function validatePort(port: unknown, name: string): number {
  if (typeof port !== 'number') throw invalidArgType(name, 'of type number', port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw outOfRange(name, '>= 0 and <= 65535', port);
  return port;
}

function validateObject(value: unknown, name: string): void {
  if (typeof value !== 'object' || value === null) throw invalidArgType(name, 'of type object', value);
}

/** A numeric address, with a numeric IPv6 zone (`fe80::1%2`) as its scope id. */
export function parseAddress(address: string, argName: string): { host: string; family: 4 | 6; scopeId: number } {
  const zone = address.indexOf('%');
  const host = zone < 0 ? address : address.slice(0, zone);
  const family = net.isIP(host);
  if (family === 0) throw invalidArgValue(argName, 'must be a numeric IPv4 or IPv6 address', address);
  let scopeId = 0;
  if (zone >= 0) {
    const scope = address.slice(zone + 1);
    if (family !== 6 || !/^\d+$/.test(scope) || Number(scope) > 0xffffffff) {
      throw invalidArgValue(argName, 'may only carry a numeric IPv6 zone index', address);
    }
    scopeId = Number(scope);
  }
  return { host, family: family as 4 | 6, scopeId };
}

/**
 * Creates a TCP or UDP socket, sets the requested options, binds it and
 * returns its descriptor, ready for `server.listen({ fd })`,
 * `new net.Socket({ fd })` or `dgramSocket.bind({ fd })`. The caller owns
 * the descriptor. Nothing is left open when it throws.
 */
export function openBoundSocket(options: BindOptions): number {
  validateObject(options, 'options');
  const { type, address = '0.0.0.0', port = 0 } = options;
  if (type !== 'tcp' && type !== 'udp') throw invalidArgValue('options.type', "must be 'tcp' or 'udp'", type);
  if (typeof address !== 'string') throw invalidArgType('options.address', 'of type string', address);
  validatePort(port, 'options.port');
  const reuseAddress = optionalBoolean(options.reuseAddress, 'options.reuseAddress') ?? false;
  const reusePort = optionalBoolean(options.reusePort, 'options.reusePort') ?? false;
  const ipv6Only = optionalBoolean(options.ipv6Only, 'options.ipv6Only');
  if (reusePort && !features.reusePort) throw featureUnavailable('SO_REUSEPORT');

  const { host, family, scopeId } = parseAddress(address, 'options.address');
  if (ipv6Only !== undefined && family !== 6) {
    throw invalidArgValue('options.ipv6Only', 'applies to IPv6 addresses only', ipv6Only);
  }

  const [fd, syscall] = native.openBound(
    type === 'udp' ? 1 : 0,
    family === 6 ? 1 : 0,
    scopeId,
    port,
    reuseAddress ? 1 : 0,
    reusePort ? 1 : 0,
    ipv6Only === undefined ? -1 : ipv6Only ? 1 : 0,
    host,
  );
  if (fd < 0) throw systemError(fd, syscall, undefined, { address, port });
  return fd;
}

/** Closes a descriptor sockctl opened, ignoring errors (cleanup paths). */
function closeQuietly(fd: number): void {
  native.close(fd);
}

/**
 * Hands `fd` to Node through `start` and settles on the first of `ready` or
 * 'error'. Once Node has adopted the descriptor it closes it with its handle;
 * if `start` throws before that, the descriptor is closed here. `onError`
 * releases a socket that already owns the descriptor, on either failure.
 * Without a descriptor (Windows) `start` is Node's own listen/connect/bind.
 */
function adopt<T extends EventEmitter>(
  emitter: T,
  fd: number | undefined,
  ready: string,
  start: () => void,
  onError?: () => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      emitter.off(ready, succeed);
      onError?.();
      reject(err);
    };
    const succeed = (): void => {
      emitter.off('error', fail);
      resolve(emitter);
    };
    emitter.once('error', fail);
    emitter.once(ready, succeed);
    try {
      start();
    } catch (err) {
      emitter.off('error', fail);
      emitter.off(ready, succeed);
      if (onError) onError();
      else if (fd !== undefined) closeQuietly(fd);
      reject(err);
    }
  });
}

/**
 * Windows: what must be set before bind cannot reach the socket Node makes,
 * so it is refused by name, before anything is created.
 */
function refuseBeforeBind(
  call: string,
  options: { reuseAddress?: unknown; reusePort?: unknown; ipv6Only?: unknown },
  nodeTakesIpv6Only: boolean,
): void {
  const why = 'on Windows, where Node cannot adopt a socket bound first';
  if (optionalBoolean(options.reusePort, 'options.reusePort')) throw featureUnavailable('SO_REUSEPORT');
  if (optionalBoolean(options.reuseAddress, 'options.reuseAddress')) {
    throw featureUnavailable(`${call} with reuseAddress (${why})`);
  }
  if (optionalBoolean(options.ipv6Only, 'options.ipv6Only') && !nodeTakesIpv6Only) {
    throw featureUnavailable(`${call} with ipv6Only (${why})`);
  }
}

async function resolveHost(host: string, family?: number): Promise<{ address: string; family: 4 | 6 }> {
  // dns.lookup('') answers with no address (and a deprecation warning).
  if (host === '') throw invalidArgValue('options.host', 'must not be empty', host);
  const literal = net.isIP(host);
  if (literal !== 0) return { address: host, family: literal as 4 | 6 };
  const found = await dns.lookup(host, { family: family ?? 0 });
  return { address: found.address, family: found.family as 4 | 6 };
}

export interface ListenOptions {
  /** Default '::' (all IPv6 and, dual-stack, IPv4 addresses). */
  host?: string;
  port?: number;
  reusePort?: boolean;
  /** Default true on Linux/macOS, as Node's own listen() does; false on Windows. */
  reuseAddress?: boolean;
  backlog?: number;
  ipv6Only?: boolean;
}

/**
 * `server.listen()` with options set before bind. Resolves with the server
 * once it is listening; on failure the descriptor is closed and the promise
 * rejects with the system error.
 */
export async function listen(server: net.Server, options: ListenOptions = {}): Promise<net.Server> {
  if (!(server instanceof net.Server)) throw invalidArgType('server', 'an instance of net.Server', server);
  validateObject(options, 'options');
  if (server.listening) {
    throw Object.assign(new Error('Listen method has been called more than once without closing.'), {
      code: 'ERR_SERVER_ALREADY_LISTEN',
    });
  }
  const { host = '::', port = 0, backlog } = options;
  if (typeof host !== 'string') throw invalidArgType('options.host', 'of type string', host);
  if (backlog !== undefined && typeof backlog !== 'number') {
    throw invalidArgType('options.backlog', 'of type number', backlog);
  }
  if (backlog !== undefined && (!Number.isInteger(backlog) || backlog < 0)) {
    throw outOfRange('options.backlog', 'an integer >= 0', backlog);
  }
  if (!features.bindHelpers) {
    refuseBeforeBind('listen()', options, true);
    validatePort(port, 'options.port');
    const { address } = await resolveHost(host);
    return adopt(server, undefined, 'listening', () =>
      server.listen({ host: address, port, backlog, ipv6Only: options.ipv6Only }),
    );
  }
  // A cluster worker hands listen({ fd }) to the primary, which cannot use
  // a descriptor number of this process: refuse before creating anything.
  if (cluster.isWorker) {
    throw featureUnavailable('listen() in a cluster worker (Node passes listen({ fd }) to the primary)');
  }
  const { address } = await resolveHost(host);
  const fd = openBoundSocket({
    type: 'tcp',
    address,
    port,
    reusePort: options.reusePort,
    // As Node's own listen() does on Unix (this path never runs on Windows).
    reuseAddress: options.reuseAddress ?? true,
    ipv6Only: options.ipv6Only,
  });
  return adopt(server, fd, 'listening', () => server.listen({ fd, backlog }));
}

export interface ConnectOptions {
  host?: string;
  port: number;
  /** Default: the wildcard address of the host's family. */
  localAddress?: string;
  localPort?: number;
  reuseAddress?: boolean;
  reusePort?: boolean;
}

/**
 * `net.connect()` from a socket bound first, so a fixed `localPort` can be
 * reused while old connections from it sit in TIME_WAIT (`reuseAddress`).
 * Resolves with the connected socket.
 */
export async function connect(options: ConnectOptions): Promise<net.Socket> {
  validateObject(options, 'options');
  const { host = 'localhost', port, localPort = 0 } = options;
  if (typeof host !== 'string') throw invalidArgType('options.host', 'of type string', host);
  validatePort(port, 'options.port');
  if (options.localAddress !== undefined && typeof options.localAddress !== 'string') {
    throw invalidArgType('options.localAddress', 'of type string', options.localAddress);
  }
  const localFamily = options.localAddress === undefined ? undefined : net.isIP(options.localAddress);
  if (!features.bindHelpers) {
    refuseBeforeBind('connect()', options, false);
    validatePort(localPort, 'options.localPort');
    const remote = await resolveHost(host, localFamily || undefined);
    const socket = new net.Socket();
    track(socket);
    return adopt(
      socket,
      undefined,
      'connect',
      () => socket.connect({ port, host: remote.address, localAddress: options.localAddress, localPort }),
      () => socket.destroy(),
    );
  }
  const remote = await resolveHost(host, localFamily || undefined);
  const localAddress = options.localAddress ?? (remote.family === 6 ? '::' : '0.0.0.0');
  const fd = openBoundSocket({
    type: 'tcp',
    address: localAddress,
    port: localPort,
    reuseAddress: options.reuseAddress,
    reusePort: options.reusePort,
  });
  let socket: net.Socket;
  try {
    // manualStart: a bound, unconnected socket must not start reading (the
    // read fails with ENOTCONN and Node closes the descriptor).
    socket = new net.Socket({ fd, readable: true, writable: true, manualStart: true } as net.SocketConstructorOpts);
  } catch (err) {
    closeQuietly(fd);
    throw err;
  }
  track(socket);
  // A failed connect leaves the socket half alive; destroy() closes the descriptor.
  return adopt(
    socket,
    fd,
    'connect',
    () => socket.connect({ port, host: remote.address }),
    () => socket.destroy(),
  );
}

export interface BindDgramOptions {
  /** Default: the wildcard address of the socket's type (udp4 / udp6). */
  address?: string;
  port?: number;
  reuseAddress?: boolean;
  reusePort?: boolean;
  ipv6Only?: boolean;
}

/** `dgramSocket.bind()` with options set before bind. Resolves once bound. */
export async function bindDgram(socket: dgram.Socket, options: BindDgramOptions = {}): Promise<dgram.Socket> {
  if (!(socket instanceof dgram.Socket)) throw invalidArgType('socket', 'an instance of dgram.Socket', socket);
  validateObject(options, 'options');
  const ipv6 = (socket as unknown as { type: string }).type === 'udp6';
  const address = options.address ?? (ipv6 ? '::' : '0.0.0.0');
  if (typeof address === 'string' && net.isIP(address.split('%')[0]) === (ipv6 ? 4 : 6)) {
    throw invalidArgValue(
      'options.address',
      `must be an ${ipv6 ? 'IPv6' : 'IPv4'} address for a ${ipv6 ? 'udp6' : 'udp4'} socket`,
      address,
    );
  }
  if (!features.bindHelpers) {
    refuseBeforeBind('bindDgram()', options, false);
    const port = validatePort(options.port ?? 0, 'options.port');
    return adopt(socket, undefined, 'listening', () => socket.bind({ address, port }));
  }
  const fd = openBoundSocket({
    type: 'udp',
    address,
    port: options.port,
    reuseAddress: options.reuseAddress,
    reusePort: options.reusePort,
    ipv6Only: options.ipv6Only,
  });
  // exclusive: in a cluster worker, bind here rather than through the primary.
  return adopt(socket, fd, 'listening', () => socket.bind({ fd, exclusive: true } as dgram.BindOptions));
}
