// The Node objects behind descriptors, so a census entry can name the
// net.Socket (and its server) that a program holds. Nothing is kept per
// socket: a census asks Node for its list of handles (which holds every
// socket and server that keeps the process alive), and only a socket made
// unref'd — which that list leaves out — is remembered, weakly. A WeakRef
// or a FinalizationRegistry entry on every socket kept each closed socket,
// and all it holds, alive through the young-generation collections (V8's
// scavenger treats those references as strong): measured, that cost a
// connection more than a fifth of its time. The channels record when and
// where each socket was made (origin.ts), which costs a property.
import * as net from 'node:net';
import { onUnpublishedConnect } from '../connect-hook';
import { activeHandles, innerOf, onTlsWrap, runtime, subscribe } from '../node-internals';
import { onServerEmit } from '../server-hook';
import { fdOf } from '../target';
import { validateKeys, validateObject } from '../validate';
import { invalidArgType } from '../errors';
import { captureStacks, noteCreated } from './origin';

// The sockets unref'd since tracking started: Node's list of handles leaves them out.
const unrefd = new Set<WeakRef<net.Socket>>();
// Those sockets, so that each is remembered once.
const remembered = new WeakSet<net.Socket>();
// Bun (1.4) lists no handles at all (its process._getActiveHandles() is always
// empty): there every socket seen is remembered weakly, as unref'd ones are.
const LISTS_HANDLES = runtime !== 'Bun';
// Servers found open when tracking started (an unref'd one among them is in no list of Node's), and on Bun every
// server seen listening.
const servers = new Set<WeakRef<net.Server>>();
// The TLSSocket made around a socket: the object its owner holds.
const outer = new WeakMap<net.Socket, net.Socket>();
let started = false;
let hooked = false;

/** `above`: the outermost of sockctl's functions on the stack (left out of a creation stack). */
function add(socket: net.Socket, above: (...args: never[]) => unknown = add, ownSite = true): void {
  noteCreated(socket, above, ownSite);
  if (!LISTS_HANDLES) remember(socket);
}

let sweepAt = 1024;

/** Remembers a socket weakly, once; the closed are dropped in sweeps, the next when the set has doubled. */
function remember(socket: net.Socket): void {
  if (remembered.has(socket)) return;
  remembered.add(socket);
  unrefd.add(new WeakRef(socket));
  if (unrefd.size < sweepAt) return;
  for (const ref of unrefd) {
    const s = ref.deref();
    if (s === undefined || s.destroyed) unrefd.delete(ref);
  }
  sweepAt = Math.max(1024, unrefd.size * 2);
}

/**
 * Wraps net.Socket.prototype.unref, for the life of the process: a socket
 * unref'd is remembered (weakly), once per socket, since it leaves Node's
 * list of handles. Unref is called on a socket once in a while (http.Agent
 * parks each free keep-alive socket unref'd), not once per write.
 */
function hookUnref(): void {
  const proto = net.Socket.prototype as { unref: () => net.Socket };
  const original = proto.unref;
  proto.unref = function (this: net.Socket) {
    remember(this);
    return original.call(this);
  };
}

let serverSweepAt = 64;

/** Remembers a server (found when tracking started, or on Bun seen listening); those no longer listening are dropped in sweeps, as sockets are. */
function rememberServer(server: net.Server): void {
  // A server's site is where it listened (origin.ts wraps listen); found now, it was made before anyone looked.
  noteCreated(server, rememberServer, false);
  servers.add(new WeakRef(server));
  if (servers.size < serverSweepAt) return;
  for (const ref of servers) if (!ref.deref()?.listening) servers.delete(ref);
  serverSweepAt = Math.max(64, servers.size * 2);
}

function fromChannel({ socket }: { socket: net.Socket }): void {
  add(socket, fromChannel);
}

/**
 * An accepted socket: Node makes it in its accept callback, where no frame
 * is the application's, and its site is its server's (origin.ts). No stack
 * is captured for it: a capture costs a connection some 9 % (benchmarks).
 */
function accepted(socket: net.Socket): void {
  add(socket, accepted, false);
}

function fromServerChannel({ socket }: { socket: net.Socket }): void {
  accepted(socket);
}

/**
 * Tracks the sockets Node's channels show from now on (idempotent): what
 * installPolicy starts, so that its unreached() can tell its sockets apart.
 * The only hook it leaves, unref's, remembers sockets and changes nothing.
 */
export function trackChannels(): void {
  if (started) return;
  started = true;
  subscribe('net.client.socket', fromChannel as (message: unknown) => void);
  subscribe('net.server.socket', fromServerChannel as (message: unknown) => void);
  hookUnref();
  // Bun: no net.server.socket, and no list of handles to find a server in.
  onServerEmit({ connection: accepted, listening: rememberServer });
  // What was made before: the sockets and servers that keep the process alive now (an unref'd one is not found).
  // Made before anyone looked: no stack of theirs is to be had (one captured now would name the line that started
  // tracking).
  for (const owner of activeHandles()) {
    if (owner instanceof net.Socket) add(owner, add, false);
    else if (owner instanceof net.Server) rememberServer(owner);
  }
}

/** The listening servers: those in `handles` (Node's list, activeHandles(), once per census), and those found when tracking started. */
export function knownServers(handles: readonly unknown[]): net.Server[] {
  const found: net.Server[] = [];
  for (const owner of handles) if (owner instanceof net.Server && owner.listening) found.push(owner);
  for (const ref of servers) {
    const server = ref.deref();
    if (server?.listening) found.push(server);
    else servers.delete(ref);
  }
  return found;
}

export interface TrackOptions {
  /**
   * Record where each socket is created from now on: census entries, watchdog
   * events and reports then carry its `site` and `stack`. Default: as before (off).
   */
  stacks?: boolean;
}

/** Starts tracking sockets created from now on (idempotent); `stacks` turns creation stacks on or off. */
export function startTracking(options: TrackOptions = {}): void {
  validateObject(options, 'options');
  validateKeys(options, 'options', ['stacks']);
  if (options.stacks !== undefined && typeof options.stacks !== 'boolean') {
    throw invalidArgType('options.stacks', 'of type boolean', options.stacks);
  }
  if (options.stacks !== undefined) captureStacks(options.stacks);
  ensureTracking();
}

/** startTracking() without options to read: what every census calls first. */
export function ensureTracking(): void {
  trackChannels();
  if (hooked) return;
  hooked = true;
  // `new net.Socket().connect()`, which Node before 22.17/24.2 shows on no channel. Kept while tracking lasts: the
  // whole process.
  onUnpublishedConnect(add);
  // tls.connect({ socket }) and a tls.Server's sockets: the census names the TLSSocket (node-internals.ts).
  onTlsWrap((tlsSocket, inner) => outer.set(inner, tlsSocket));
}

/** What the owner of `socket` holds: the TLSSocket made around it (and around that), if any and still open. */
export function holderOf(socket: net.Socket): net.Socket {
  let s = socket;
  for (let next = outer.get(s); next !== undefined && !next.destroyed; next = outer.get(s)) s = next;
  return s;
}

/** Notes a socket sockctl itself created or was handed. */
export function track(socket: net.Socket): void {
  if (started) add(socket);
}

/**
 * The process's open sockets by descriptor (each the innermost, which has
 * the descriptor; see holderOf): those in `handles` (Node's list,
 * activeHandles(), once per census) and those remembered weakly; drops the
 * closed of those.
 */
export function socketsByFd(handles: readonly unknown[]): Map<number, net.Socket> {
  const byFd = new Map<number, net.Socket>();
  const put = (socket: net.Socket): void => {
    try {
      byFd.set(fdOf(socket), socket);
    } catch {
      // Connecting, not yet an OS socket.
    }
  };
  for (const owner of handles) if (owner instanceof net.Socket && !owner.destroyed) put(owner);
  for (const ref of unrefd) {
    const socket = ref.deref();
    if (socket === undefined || socket.destroyed) unrefd.delete(ref);
    else if (LISTS_HANDLES) put(socket);
    else {
      // Bun: a TLSSocket made around a socket links to it (`_parent`) only after the connect() its constructor
      // calls, where it was seen; and Bun has no _wrapHandle to hook (onTlsWrap). The link is read here.
      const inner = innerOf(socket);
      if (inner !== undefined) outer.set(inner, socket);
      put(inner ?? socket);
    }
  }
  return byFd;
}

/** How many sockets are remembered weakly right now: the unref'd, and on Bun every one (for tests). */
export function unrefdCount(): number {
  return unrefd.size;
}
