// Dialing with sockctl's own sockets: one configured attempt per resolved
// address, walked in order with the caller's timeout. Node's
// autoSelectFamily would swap in a socket of its own, without the options.
import type * as dns from 'node:dns';
import * as net from 'node:net';
import { track } from '../census/registry';
import { hostNotFound, invalidArgValue, systemError, uvErrno } from '../errors';
import { apply, type ApplyResult } from '../options/api';
import type { Policy } from '../options/types';
import { openHandle } from '../node-internals';
import { bindSocket, closeQuietly, openSocket } from '../socket';
import type { Dial, SocketPart } from './connection-options';
import { settle } from './handover';

export interface Attempt {
  socket: net.Socket;
  result: ApplyResult;
}

/**
 * A net.Socket with what the caller asked of it, set through its methods:
 * before connect Node only keeps them, and applies them at connect as it
 * would the constructor's options. Handed to the constructor, an options
 * object literal cost Node 18 and 20 some 9 µs per socket (their copy of it
 * takes V8's slow path unless its prototype is null, as http.Agent's is),
 * and a null-prototype one cost Node 22 and later 2 µs: measured, 18 % of a
 * connection through http.Agent (docs/benchmarks.md).
 */
function newSocket(part: SocketPart): net.Socket {
  const socket = new net.Socket();
  if (part.allowHalfOpen) socket.allowHalfOpen = true;
  if (part.noDelay) socket.setNoDelay(true);
  if (part.keepAlive) socket.setKeepAlive(true, part.keepAliveInitialDelay);
  return socket;
}

/** A fresh socket with the policy set, bound if asked, connecting. Nothing is left open when it throws. */
export function attempt(dial: Dial, policy: Policy, address: string, family: 4 | 6): Attempt {
  const { local, localPort } = dial;
  if (local !== undefined && local.family !== family) {
    throw invalidArgValue(
      'options.localAddress',
      `must be an IPv${family} address to reach ${address}`,
      dial.localAddress,
    );
  }
  const fd = openSocket('tcp', family);
  let result: ApplyResult;
  try {
    result = apply(fd, policy);
    if (local !== undefined || localPort !== 0) {
      bindSocket(fd, local ?? { host: family === 6 ? '::' : '0.0.0.0', family, scopeId: 0 }, localPort);
    }
  } catch (err) {
    closeQuietly(fd);
    throw err;
  }
  // Node makes the socket's handle in connect() and connects it on the next
  // tick; given the descriptor before that, it connects this one.
  let socket: net.Socket;
  try {
    socket = newSocket(dial.socket);
    if (dial.timeout !== undefined) socket.setTimeout(dial.timeout);
    socket.connect({ port: dial.port, host: address });
  } catch (err) {
    closeQuietly(fd);
    throw err;
  }
  const rc = openHandle(socket, fd);
  if (rc < 0) {
    closeQuietly(fd);
    socket.destroy();
    throw systemError(rc, 'open');
  }
  // From here the socket owns the descriptor.
  track(socket);
  return { socket, result };
}

export interface Walk {
  dial: Dial;
  policy: Policy;
  /** Reports an attempt's result; a throw ends the walk with that error. */
  report: (made: Attempt) => void;
  connected: (socket: net.Socket) => void;
  failed: (err: Error) => void;
}

/** Resolves the host, then walks its addresses. */
export function resolveAndWalk(w: Walk): void {
  const { dial } = w;
  dial.lookup(dial.host, { all: true, family: dial.family, hints: dial.hints }, (err, found) => {
    if (err) return w.failed(err);
    const addresses = (found as dns.LookupAddress[]).filter(
      (a) => dial.local === undefined || a.family === dial.local.family,
    );
    if (addresses.length === 0) return w.failed(hostNotFound(dial.host));
    walk(w, addresses, 0);
  });
}

/**
 * Tries addresses[i] and on, each with a fresh socket; whatever fails —
 * making the socket, binding it, connecting, `options.timeout` — moves on
 * to the next, and the last failure is the caller's.
 */
function walk(w: Walk, addresses: dns.LookupAddress[], i: number, lastError?: Error): void {
  if (i === addresses.length) return w.failed(lastError!);
  const { address, family } = addresses[i];
  let made: Attempt;
  try {
    made = attempt(w.dial, w.policy, address, family as 4 | 6);
  } catch (err) {
    return walk(w, addresses, i + 1, err as Error);
  }
  const { socket } = made;
  try {
    w.report(made);
  } catch (err) {
    socket.destroy();
    return w.failed(err as Error);
  }
  const { port, timeout } = w.dial;
  const timedOut =
    timeout === undefined
      ? undefined
      : () => systemError(uvErrno('ETIMEDOUT'), 'connect', undefined, { address, port });
  settle(
    socket,
    'connect',
    (err) => {
      if (err) {
        socket.destroy();
        return walk(w, addresses, i + 1, err);
      }
      w.connected(socket);
    },
    timedOut,
  );
}
