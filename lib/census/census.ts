// listSockets: this process's TCP sockets, by state, with their Node objects.
import * as net from 'node:net';
import { invalidArgType, invalidArgValue, systemError } from '../errors';
import { native } from '../native/binding';
import { readRecord, RECORD_BYTES } from './records';
import { originOf } from './origin';
import { knownServers, ensureTracking, holderOf, socketsByFd } from './registry';
import { activeHandles, serverOf } from '../node-internals';
import { fdOf } from '../target';
import { validateKeys, validateObject } from '../validate';
import { getTcpInfo, stateOf, TCP_INFO_SLOTS, toTcpInfo, type TcpInfo } from '../tcp/info';
import { numberingFor, TCP_STATES, tcpStateNumbers, type TcpState } from '../tcp/state';

export interface SocketEntry {
  fd: number;
  state: TcpState;
  localAddress: string;
  localPort: number;
  /** '0.0.0.0' / '::' and 0 for a listener. */
  remoteAddress: string;
  remotePort: number;
  /** Bytes queued to send (on a listener: the backlog); undefined where the OS does not say. */
  sendQueue?: number;
  /** Bytes received and unread (on a listener: connections awaiting accept()). */
  receiveQueue?: number;
  /** With `tcpInfo: true`. */
  tcpInfo?: TcpInfo;
  /** The Node socket behind the descriptor, when sockctl has seen it: the TLSSocket made around it, if there is one. */
  socket?: net.Socket;
  /** The server that accepted `socket`, or for a listener the server itself, when sockctl has seen it. */
  server?: net.Server;
  /** When sockctl first saw the socket (ms since the epoch): its creation, for one tracked since then. */
  createdAt?: number;
  /** Milliseconds since `createdAt`, at this census. */
  ageMs?: number;
  /**
   * Where the socket was made, `file:line:column`: the first frame of the
   * application's, Node's and sockctl's own left out (`trackSockets({ stacks:
   * true })`). An accepted socket's, and a listener's, is where its server
   * started listening.
   */
  site?: string;
  /** The stack `site` comes from. */
  stack?: string;
}

/** Adds what is known of where and when `owner` (a socket, or a listener's server) was made to its entry. */
function addOrigin(entry: SocketEntry, owner: object | undefined, server: net.Server | undefined, now: number) {
  const origin = owner === undefined ? undefined : originOf(owner, server);
  if (origin === undefined) return entry;
  entry.createdAt = origin.createdAt;
  entry.ageMs = now - origin.createdAt;
  if (origin.site !== undefined) {
    entry.site = origin.site;
    entry.stack = origin.stack;
  }
  return entry;
}

export interface ListOptions {
  /** One state or a list; default: every state. */
  state?: TcpState | readonly TcpState[];
  tcpInfo?: boolean;
}

const numbering = numberingFor(process.platform);

function parseStates(state: unknown): readonly TcpState[] {
  if (state === undefined) return TCP_STATES;
  const list = typeof state === 'string' ? [state] : state;
  if (!Array.isArray(list)) throw invalidArgType('options.state', 'a TCP state name or an array of them', state);
  for (const s of list) {
    if (!(TCP_STATES as readonly unknown[]).includes(s)) {
      throw invalidArgValue('options.state', `must be one of ${TCP_STATES.join(', ')}`, s);
    }
  }
  return list as TcpState[];
}

/** Listening servers by descriptor: known through the sockets they accepted, from Node's list of handles, or found when tracking started. */
function listenersOf(sockets: Map<number, net.Socket>, handles: readonly unknown[]): Map<number, net.Server> {
  const servers = new Map<number, net.Server>();
  // Thousands of sockets share a server or two: each server is asked for its descriptor once.
  const asked = new Set<net.Server>();
  const add = (server: net.Server | undefined): void => {
    if (server === undefined || asked.has(server)) return;
    asked.add(server);
    if (!server.listening) return;
    try {
      servers.set(fdOf(server), server);
    } catch {
      // a cluster worker's round-robin listener has no descriptor of its own
    }
  };
  for (const socket of sockets.values()) add(serverOf(socket));
  for (const server of knownServers(handles)) add(server);
  return servers;
}

function fromKernel(states: readonly TcpState[], withInfo: boolean): SocketEntry[] {
  let mask = 0;
  for (const s of states) for (const n of tcpStateNumbers(numbering, s)) mask |= 1 << n;
  const result = native.listSockets(mask >>> 0, withInfo ? 1 : 0, 0);
  if (typeof result === 'number') throw systemError(result, 'sock_diag', 'INET_DIAG'); // the dump's (SYN_SENT, qemu)
  // A watchdog's sample usually finds nothing: then no tracked socket is looked at.
  if (result.length === 0) return [];
  // Doubles need 8-byte alignment; a fresh copy always has it.
  const buf = result.byteOffset % 8 === 0 ? result : Buffer.from(result);
  const stride = RECORD_BYTES + (withInfo ? TCP_INFO_SLOTS * 8 : 0);
  const slots = withInfo ? new Float64Array(buf.buffer, buf.byteOffset, buf.length / 8) : undefined;
  const handles = activeHandles();
  const sockets = socketsByFd(handles);
  const servers = listenersOf(sockets, handles);
  const entries: SocketEntry[] = [];
  const now = Date.now();
  for (let off = 0; off + stride <= buf.length; off += stride) {
    const r = readRecord(buf, off);
    const socket = sockets.get(r.fd);
    const server = socket ? serverOf(socket) : servers.get(r.fd);
    const entry: SocketEntry = {
      fd: r.fd,
      state: stateOf(r.stateNumber),
      localAddress: r.localAddress,
      localPort: r.localPort,
      remoteAddress: r.remoteAddress,
      remotePort: r.remotePort,
      receiveQueue: r.receiveQueue,
      sendQueue: r.sendQueue,
      tcpInfo: slots ? toTcpInfo(slots, (off + RECORD_BYTES) / 8) : undefined,
      socket: socket && holderOf(socket),
      server,
    };
    entries.push(addOrigin(entry, socket ?? server, server, now));
  }
  return entries;
}

/**
 * The census where the OS offers none: the sockets sockctl has seen, each
 * asked for its TCP info. Exported for tests; listSockets uses it on macOS
 * and Windows.
 */
export function fromTracked(states: readonly TcpState[], withInfo: boolean): SocketEntry[] {
  const entries: SocketEntry[] = [];
  const add = (
    fd: number,
    target: net.Socket | net.Server,
    ends: Omit<SocketEntry, 'fd' | 'state'>,
    owner: object,
    server: net.Server | undefined,
  ): void => {
    let info: TcpInfo;
    try {
      info = getTcpInfo(target);
    } catch {
      return; // closed since it was listed
    }
    if (states.includes(info.state)) {
      const entry = { fd, state: info.state, ...ends, tcpInfo: withInfo ? info : undefined };
      entries.push(addOrigin(entry, owner, server, now));
    }
  };
  const handles = activeHandles();
  const sockets = socketsByFd(handles);
  const now = Date.now();
  for (const [fd, socket] of sockets) {
    const server = serverOf(socket);
    const ends = {
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      socket: holderOf(socket),
      server,
    };
    add(fd, socket, ends, socket, server);
  }
  for (const [fd, server] of listenersOf(sockets, handles)) {
    const { address, family, port } = server.address() as net.AddressInfo;
    const ends = {
      localAddress: address,
      localPort: port,
      remoteAddress: family === 'IPv6' ? '::' : '0.0.0.0',
      remotePort: 0,
      server,
    };
    add(fd, server, ends, server, undefined);
  }
  return entries;
}

/**
 * This process's TCP sockets (IPv4 and IPv6). On Linux: every one, each of
 * this process's descriptors asked (native/linux/census.cc). Elsewhere: the
 * sockets sockctl has seen since the first census. Entries name the Node
 * socket (and its server) where sockctl has seen it being created.
 */
export function listSockets(options: ListOptions = {}): SocketEntry[] {
  validateObject(options, 'options');
  validateKeys(options, 'options', ['state', 'tcpInfo']);
  const states = parseStates(options.state);
  if (options.tcpInfo !== undefined && typeof options.tcpInfo !== 'boolean') {
    throw invalidArgType('options.tcpInfo', 'of type boolean', options.tcpInfo);
  }
  ensureTracking();
  return native.hasCensus
    ? fromKernel(states, options.tcpInfo === true)
    : fromTracked(states, options.tcpInfo === true);
}
