// Handing a configured socket to its caller: TLS on top, and the policy's
// options Node writes itself (noDelay, keepalive) put back after its writes.
import type * as net from 'node:net';
import { apply } from '../options/api';
import type { Policy } from '../options/types';

/** Calls `done` once: on `ready`, or with the first 'error' (or 'timeout', when `timedOut` makes it one). */
export function settle(
  socket: net.Socket,
  ready: 'connect' | 'secureConnect',
  done: (err: Error | null) => void,
  timedOut?: () => Error,
): void {
  const finish = (err: Error | null): void => {
    socket.off(ready, ok);
    socket.off('error', finish);
    socket.off('timeout', timeout);
    done(err);
  };
  const ok = (): void => finish(null);
  const timeout = (): void => finish(timedOut!());
  socket.once(ready, ok);
  socket.once('error', finish);
  if (timedOut) socket.once('timeout', timeout);
}

/**
 * Keeps the policy's values of what Node writes itself on a socket after Node's own writes:
 * Node sets noDelay and keepalive just before 'connect' (and http.Agent sets
 * keepalive again each time it takes a socket back, on 'free'), which would
 * undo keepAliveIdleSecs and its kin. Added once the socket is connected,
 * the 'free' listener runs after the agent's.
 */
export function keepAfterNode(socket: net.Socket, afterNode: Policy, onError: (err: Error) => void): void {
  socket.on('free', () => {
    if (socket.destroyed) return;
    try {
      apply(socket, afterNode);
    } catch (err) {
      onError(err as Error);
    }
  });
}

/**
 * Node has written its noDelay and keepalive on `tcp`: puts the policy's
 * values of what Node wrote back, and again whenever an agent takes `outer` (the
 * socket the caller holds, TLS or not) back.
 */
export function afterConnect(tcp: net.Socket, outer: net.Socket, afterNode: Policy): void {
  if (Object.keys(afterNode).length === 0) return;
  try {
    apply(tcp, afterNode);
  } catch (err) {
    tcp.destroy(err as Error);
    return;
  }
  keepAfterNode(outer, afterNode, (err) => outer.destroy(err));
}

/**
 * Returns a socket still connecting, after `before` (reporting; if it
 * throws, the socket is destroyed and the error thrown), wrapped by `wrap`;
 * `reapply`: what Node wrote goes back on at 'connect'.
 */
export function handOver(
  tcp: net.Socket,
  before: () => void,
  wrap: (tcp: net.Socket) => net.Socket,
  afterNode: Policy,
  reapply: boolean,
): net.Socket {
  let outer: net.Socket;
  try {
    before();
    outer = wrap(tcp);
  } catch (err) {
    tcp.destroy();
    throw err;
  }
  if (reapply) tcp.once('connect', () => afterConnect(tcp, outer, afterNode));
  return outer;
}
