// Sockets connected with `new net.Socket()` and then `socket.connect()`.
// Node 18, 20, 22 before 22.17 and 24 before 24.2 publish
// `net.client.socket` only from net.connect()/net.createConnection(), so
// such a socket — every node-postgres connection, and tls.connect() without
// a `socket` on 18 and 20 — passes no diagnostics channel. On those versions
// sockctl wraps net.Socket.prototype.connect while anything listens here,
// and hands each socket to the listeners just before Node's own connect
// runs, where newer Nodes publish it. The wrapper goes when the last
// listener leaves. Listeners must not throw: they run inside someone else's
// connect() call.
import { Socket } from 'node:net';

type Listener = (socket: Socket) => void;
type Connect = Socket['connect'];

/**
 * Whether this Node publishes `net.client.socket` from every connect(), as
 * 22.17+, 24.2+ and 25+ do, and Deno (2.9) does. Bun (1.4) publishes no
 * `net` channel at all, whatever Node version it reports.
 */
export function publishesEveryConnect(versions: { node: string; bun?: string } = process.versions): boolean {
  if (versions.bun !== undefined) return false;
  const [major, minor] = versions.node.split('.').map(Number);
  return major >= 25 || (major === 24 && minor >= 2) || (major === 22 && minor >= 17);
}

const listeners = new Set<Listener>();
let hooked: { original: Connect; wrapper: Connect } | undefined;

function hook(): void {
  const original = Socket.prototype.connect;
  const wrapper = function (this: Socket, ...args: unknown[]) {
    // Only the wrapper in place calls out: one left in someone else's chain passes the call on.
    if (hooked?.wrapper === wrapper) for (const listener of listeners) listener(this);
    return (original as (...a: unknown[]) => Socket).apply(this, args);
  } as Connect;
  Socket.prototype.connect = wrapper;
  hooked = { original, wrapper };
}

function unhook(): void {
  // Someone who wrapped connect after sockctl keeps our wrapper in their
  // chain, where it only passes the call on from now.
  if (hooked !== undefined && Socket.prototype.connect === hooked.wrapper) Socket.prototype.connect = hooked.original;
  hooked = undefined;
}

/**
 * Calls `listener` with each net.Socket (and tls.TLSSocket) about to
 * connect that no diagnostics channel shows on this Node; on a Node that
 * publishes every connect, nothing (the channel does it). Returns the
 * function that stops it.
 */
export function onUnpublishedConnect(listener: Listener): () => void {
  if (publishesEveryConnect()) return () => {};
  listeners.add(listener);
  if (hooked === undefined) hook();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) unhook();
  };
}

/** Whether the wrapper is in place (for tests). */
export function connectHooked(): boolean {
  return hooked !== undefined;
}
