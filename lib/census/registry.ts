// The Node objects behind descriptors, so a census entry can name the
// net.Socket (and its server) that a program holds. Sockets are learned from
// diagnostics_channel once the census is first used; the registry holds them
// weakly and forgets them once destroyed.
import * as dc from 'node:diagnostics_channel';
import * as net from 'node:net';
import { onUnpublishedConnect } from '../connect-hook';
import { activeHandles, onTlsWrap } from '../node-internals';
import { fdOf } from '../target';
import { validateKeys, validateObject } from '../validate';
import { invalidArgType } from '../errors';
import { captureStacks, noteCreated } from './origin';

const live = new Set<WeakRef<net.Socket>>();
// Servers found open when tracking started: the census knows later ones through the sockets they accept.
const servers = new Set<WeakRef<net.Server>>();
// A socket can come twice: from net.connect()'s channel and from the hook
// on the connect() that follows it (Node before 22.17/24.2).
const known = new WeakSet<net.Socket>();
// The TLSSocket made around a socket: the object its owner holds.
const outer = new WeakMap<net.Socket, net.Socket>();
let started = false;
let hooked = false;

/** `above`: the outermost of sockctl's functions on the stack (left out of a creation stack). */
function add(socket: net.Socket, above: (...args: never[]) => unknown = add): void {
  if (known.has(socket)) return;
  known.add(socket);
  noteCreated(socket, above);
  const ref = new WeakRef(socket);
  live.add(ref);
  // The closed are forgotten in sweeps, census or not, so the set never
  // grows with the sockets a long-running process has closed: a 'close'
  // listener on each socket cost more per connection than all the rest.
  if (live.size >= sweepAt) sweep();
}

let sweepAt = 1024;

/** Drops the collected and the destroyed; the next sweep comes when the set has doubled. */
function sweep(): void {
  for (const ref of live) {
    const socket = ref.deref();
    if (socket === undefined || socket.destroyed) forget(ref, socket);
  }
  sweepAt = Math.max(1024, live.size * 2);
}

/** A socket that reconnects after this is tracked again (known no more). */
function forget(ref: WeakRef<net.Socket>, socket: net.Socket | undefined): void {
  live.delete(ref);
  if (socket !== undefined) known.delete(socket);
}

function remember({ socket }: { socket: net.Socket }): void {
  add(socket, remember);
}

/**
 * Tracks the sockets Node's channels show from now on (idempotent): what
 * installPolicy starts, so that its unreached() can tell its sockets apart,
 * with no hook that would outlive its uninstall().
 */
export function trackChannels(): void {
  if (started) return;
  started = true;
  dc.subscribe('net.client.socket', remember as (message: unknown) => void);
  dc.subscribe('net.server.socket', remember as (message: unknown) => void);
  // What was made before: the sockets and servers that keep the process alive now (an unref'd one is not found).
  for (const owner of activeHandles()) {
    if (owner instanceof net.Socket) add(owner);
    else if (owner instanceof net.Server) {
      servers.add(new WeakRef(owner));
      noteCreated(owner);
    }
  }
}

/** The servers found listening when tracking started, still listening. */
export function earlierServers(): net.Server[] {
  const found: net.Server[] = [];
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

/** Adds a socket sockctl itself created or was handed. */
export function track(socket: net.Socket): void {
  if (started) add(socket);
}

/** Live tracked sockets by descriptor (each the innermost, which has the descriptor; see holderOf); drops the dead and the destroyed. */
export function socketsByFd(): Map<number, net.Socket> {
  const byFd = new Map<number, net.Socket>();
  for (const ref of live) {
    const socket = ref.deref();
    if (socket === undefined || socket.destroyed) {
      forget(ref, socket);
      continue;
    }
    try {
      byFd.set(fdOf(socket), socket);
    } catch {
      // Connecting, not yet an OS socket: keep it for the next census.
    }
  }
  return byFd;
}

/** How many sockets are tracked right now (for tests). */
export function trackedCount(): number {
  return live.size;
}
