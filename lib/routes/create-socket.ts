// A policy for clients that connect themselves: node-postgres (its `stream`
// option) and anything else handed a socket it then calls connect() on.
// createSocket() returns an unconnected net.Socket; on each connect() Node
// makes the socket's TCP handle as usual, and sockctl opens a socket of the
// family the address turned out to be, sets the policy on it and gives it to
// that handle (libuv's uv_tcp_open) before Node binds or connects it. A
// literal address is known at once; a name when Node emits 'lookup', which
// it does just before connecting.
import * as net from 'node:net';
import { track } from '../census/registry';
import { invalidArgValue, systemError } from '../errors';
import { apply, type ApplyResult } from '../options/api';
import type { Policy } from '../options/types';
import { handleOf, openHandle } from '../node-internals';
import { adoptsSockets } from '../platform';
import { closeQuietly, openSocket } from '../socket';
import { validateFunction, validateKeys, validateObject } from '../validate';
import { holder, validateHoldOptions, type HoldOptions } from './hold';
import { failLater } from './handover';
import { afterNodePart, checkPolicy, unsupported } from './policy-parts';

export interface SocketRouteOptions extends HoldOptions {
  /** Called with what the policy did to the socket, at each connect(). */
  onApply?: (result: ApplyResult, socket: net.Socket) => void;
  /** For the net.Socket itself (allowHalfOpen, ...); not `fd` or `handle`: the route makes the socket. */
  socket?: net.SocketConstructorOpts;
}

type Connect = (...args: unknown[]) => net.Socket;
/** Node's own reading of connect()'s arguments (18–26): `[options, callback]`. */
const normalizeArgs = (net as unknown as { _normalizeArgs: (args: unknown[]) => [net.NetConnectOpts, unknown] })
  ._normalizeArgs;

/**
 * An unconnected `net.Socket` that takes `policy` on each `connect()`,
 * before Node binds (`localAddress`) or connects it — for clients that call
 * `connect()` on a socket they are given: node-postgres's `stream: () =>
 * createSocket(policy)`. The family is the one of the address connected to.
 * Node connects it to one address (`autoSelectFamily: false`: its own
 * happy-eyeballs would swap in sockets of its own). A failure — making the
 * socket, a setsockopt, a throwing onApply — destroys the socket and comes
 * as its 'error', as a refused connection does. A Unix path gets none of
 * the policy, reported unsupported.
 */
export function createSocket(given: Policy, options: SocketRouteOptions = {}): net.Socket {
  const policy = checkPolicy(given, 'policy');
  validateObject(options, 'options');
  validateKeys(options, 'options', ['onApply', 'precedence', 'onOverride', 'socket']);
  validateFunction(options.onApply, 'options.onApply');
  validateHoldOptions(options, 'options');
  const made = options.socket ?? {};
  validateObject(made, 'options.socket');
  for (const key of ['fd', 'handle'] as const) {
    if ((made as Record<string, unknown>)[key] !== undefined) {
      throw invalidArgValue(
        `options.socket.${key}`,
        'is not allowed: createSocket makes the socket',
        made[key as 'fd'],
      );
    }
  }
  const holdOn = holder(afterNodePart(policy), options);
  const socket = new net.Socket(made);

  /** Reports, and starts holding the policy; a throw here destroys the socket. */
  const report = (result: ApplyResult): void => {
    holdOn?.(socket, (err) => failLater(socket, err)).start();
    options.onApply?.(result, socket);
  };
  /** The policy on a socket of `family`, handed to the handle Node has just made. */
  const configure = (family: 4 | 6): void => {
    if (!socket.connecting || !handleOf(socket)) return; // destroyed meanwhile
    let fd: number | undefined;
    try {
      fd = openSocket('tcp', family);
      const result = apply(fd, policy);
      const rc = openHandle(socket, fd);
      if (rc < 0) throw systemError(rc, 'open');
      fd = undefined; // the handle owns it now
      track(socket);
      report(result);
    } catch (err) {
      if (fd !== undefined) closeQuietly(fd);
      socket.destroy(err as Error);
    }
  };

  const connect = function (this: net.Socket, ...args: unknown[]): net.Socket {
    const [connectOptions, callback] = normalizeArgs(args);
    const own = Object.getPrototypeOf(socket).connect as Connect;
    const path = (connectOptions as net.IpcNetConnectOpts).path;
    if (typeof path === 'string') {
      own.apply(socket, args);
      try {
        options.onApply?.(unsupported(policy), socket);
      } catch (err) {
        failLater(socket, err as Error);
      }
      return socket;
    }
    if (!adoptsSockets) {
      // Windows, Bun, Deno: no socket made first is adopted; the policy at connect, what had to come first reported too late.
      own.apply(socket, args);
      socket.once('connect', () => {
        try {
          report(apply(socket, policy));
        } catch (err) {
          socket.destroy(err as Error);
        }
      });
      return socket;
    }
    const tcp = connectOptions as net.TcpNetConnectOpts;
    const literal = net.isIP(tcp.host ?? 'localhost');
    // A name: Node emits 'lookup' from its lookup callback — inside connect() for a lookup that answers at once — and
    // connects right after, unless the socket was destroyed.
    const onLookup =
      literal === 0
        ? (err: Error | null, _address: string, family: number | string | null): void => {
            if (err === null) configure(family === 6 || family === 'IPv6' ? 6 : 4);
          }
        : undefined;
    if (onLookup) socket.prependOnceListener('lookup', onLookup);
    try {
      own.call(socket, { ...tcp, autoSelectFamily: false }, callback);
    } catch (err) {
      if (onLookup) socket.off('lookup', onLookup);
      throw err;
    }
    if (literal !== 0) configure(literal as 4 | 6);
    return socket;
  };
  // An own property of this one socket: every connect() of it, a reconnect too, goes through the route.
  Object.defineProperty(socket, 'connect', { value: connect, writable: true, configurable: true });
  return socket;
}
