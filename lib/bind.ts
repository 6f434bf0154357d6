// Options that only work before bind (SO_REUSEPORT, SO_REUSEADDR for a
// fixed local port, IPV6_V6ONLY): Node's listen()/connect()/bind() create
// and bind in one step, so these helpers validate what they are given and
// let this platform's binder (platform.ts) reach the socket before its bind.
import * as dgram from 'node:dgram';
import * as dns from 'node:dns/promises';
import * as net from 'node:net';
import { invalidArgType, invalidArgValue, serverAlreadyListening } from './errors';
import { dgramType } from './node-internals';
import { binder } from './platform';
import { openBound } from './socket';
import {
  optionalBoolean,
  optionalString,
  parseAddress,
  validateInteger,
  validateKeys,
  validateObject,
  validateOneOf,
  validatePort,
} from './validate';

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

/** Checks the before-bind booleans every helper takes. */
function beforeBind(options: { reuseAddress?: unknown; reusePort?: unknown; ipv6Only?: unknown }) {
  return {
    reuseAddress: optionalBoolean(options.reuseAddress, 'options.reuseAddress'),
    reusePort: optionalBoolean(options.reusePort, 'options.reusePort'),
    ipv6Only: optionalBoolean(options.ipv6Only, 'options.ipv6Only'),
  };
}

/**
 * Creates a TCP or UDP socket, sets the requested options, binds it and
 * returns its descriptor, ready for `server.listen({ fd })`,
 * `new net.Socket({ fd })` or `dgramSocket.bind({ fd })`. The caller owns
 * the descriptor. Nothing is left open when it throws.
 */
export function openBoundSocket(options: BindOptions): number {
  validateObject(options, 'options');
  validateKeys(options, 'options', ['type', 'address', 'port', 'reuseAddress', 'reusePort', 'ipv6Only']);
  const type = validateOneOf(options.type, 'options.type', ['tcp', 'udp'] as const);
  const address = optionalString(options.address, 'options.address') ?? '0.0.0.0';
  const port = validatePort(options.port ?? 0, 'options.port');
  const opts = beforeBind(options);
  return openBound({ type, address: parseAddress(address, 'options.address'), shown: address, port, ...opts });
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
  validateKeys(options, 'options', ['host', 'port', 'reusePort', 'reuseAddress', 'backlog', 'ipv6Only']);
  if (server.listening) throw serverAlreadyListening();
  const host = optionalString(options.host, 'options.host') ?? '::';
  const port = validatePort(options.port ?? 0, 'options.port');
  const backlog =
    options.backlog === undefined ? undefined : validateInteger(options.backlog, 'options.backlog', 0, 0x7fffffff);
  const opts = beforeBind(options);
  const { address } = await resolveHost(host);
  return binder.listen(server, address, port, backlog, opts);
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
  validateKeys(options, 'options', ['host', 'port', 'localAddress', 'localPort', 'reuseAddress', 'reusePort']);
  const host = optionalString(options.host, 'options.host') ?? 'localhost';
  const port = validatePort(options.port, 'options.port');
  const localAddress = optionalString(options.localAddress, 'options.localAddress');
  const localPort = validatePort(options.localPort ?? 0, 'options.localPort');
  const opts = beforeBind(options);
  // Numeric, as openBoundSocket takes it, on every platform: Node's own connect would throw its own error.
  const localFamily =
    localAddress === undefined ? undefined : parseAddress(localAddress, 'options.localAddress').family;
  const remote = await resolveHost(host, localFamily || undefined);
  return binder.connect({ address: remote.address, port }, { address: localAddress, port: localPort }, opts);
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
  validateKeys(options, 'options', ['address', 'port', 'reuseAddress', 'reusePort', 'ipv6Only']);
  const ipv6 = dgramType(socket) === 'udp6';
  const address = optionalString(options.address, 'options.address') ?? (ipv6 ? '::' : '0.0.0.0');
  if (parseAddress(address, 'options.address').family === (ipv6 ? 4 : 6)) {
    throw invalidArgValue(
      'options.address',
      `must be an ${ipv6 ? 'IPv6' : 'IPv4'} address for a ${ipv6 ? 'udp6' : 'udp4'} socket`,
      address,
    );
  }
  const port = validatePort(options.port ?? 0, 'options.port');
  return binder.bindDgram(socket, address, port, beforeBind(options));
}
