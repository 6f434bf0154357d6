// A policy before connect: createConnection() for http.request / http.Agent.
// Node's own connect makes the socket inside connect(2), too late for
// buffers, TOS on the SYN, marks or bind-no-port; so sockctl makes the
// socket, sets the policy, binds if asked and hands Node the descriptor to
// connect (`new net.Socket({ fd })`, on every Node from 18). Each call picks
// one strategy: a Unix path, Node's BoundSocket, the policy at connect
// (Windows, Bun and Deno, which adopt no socket made first), or sockctl's own socket.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { invalidArgType } from '../errors';
import { apply, type ApplyResult } from '../options/api';
import type { Policy } from '../options/types';
import { BoundSocket } from '../node-internals';
import { adoptsSockets } from '../platform';
import { validateFunction, validateObject } from '../validate';
import {
  readDial,
  readTimeout,
  validateRoute,
  wantsTls,
  type ConnectCallback,
  type ConnectionOptions,
  type CreateConnection,
  type Dial,
  type RouteOptions,
  unixPathOf,
} from './connection-options';
import { attempt, resolveAndWalk, type Attempt } from './dial';
import { failLater, failRoute, handOver } from './handover';
import { holder } from './hold';
import { afterNodePart, checkPolicy, unsupported } from './policy-parts';

/** What one call of a createConnection works with. */
interface Call {
  policy: Policy;
  options: ConnectionOptions;
  report: (result: ApplyResult, socket: net.Socket) => void;
  wrap: (tcp: net.Socket) => net.Socket;
  callback?: ConnectCallback;
}

/**
 * The options for Node's own TCP connect: without a `path` that is no Unix
 * socket (see unixPathOf). Copied only then: net.Socket copies its options
 * again, and on Node 18 and 20 a copy of a copy takes V8's slow path (some
 * 11 µs a socket).
 */
function tcpOptions(options: ConnectionOptions): net.NetConnectOpts {
  return (options.path == null ? options : { ...options, path: undefined }) as net.NetConnectOpts;
}

/** A Unix socket: connected as Node would, every option reported unsupported. */
function viaPath(c: Call, path: string): net.Socket {
  const tcp = net.createConnection({ ...c.options, path } as net.NetConnectOpts);
  return handOver(tcp, () => c.report(unsupported(c.policy), tcp), c.wrap);
}

/** Node's own BoundSocket is bound already: what must precede bind is too late. */
function viaBoundSocket(c: Call, handle: { fd(): number }): net.Socket {
  let result: ApplyResult;
  try {
    result = apply(handle.fd(), c.policy);
  } catch (err) {
    return failRoute(new net.Socket(), err);
  }
  const tcp = net.createConnection(tcpOptions(c.options));
  return handOver(tcp, () => c.report(result, tcp), c.wrap);
}

/** Windows, Bun, Deno: the policy waits for Node's socket to connect, and what had to come first is reported too late. */
function atConnect(c: Call): net.Socket {
  const tcp = net.createConnection(tcpOptions(c.options));
  const outer = handOver(tcp, () => {}, c.wrap);
  tcp.once('connect', () => {
    try {
      c.report(apply(tcp, c.policy), tcp);
    } catch (err) {
      tcp.destroy(err as Error);
    }
  });
  return outer;
}

/**
 * sockctl's own socket. An IP literal: the connecting socket at once, as
 * net.createConnection returns it. A name: resolved, the addresses walked,
 * and the callback called.
 */
function ownSocket(c: Call, dial: Dial): net.Socket | undefined {
  const literal = net.isIP(dial.host);
  if (literal !== 0) {
    let made: Attempt;
    try {
      made = attempt(dial, c.policy, dial.host, literal as 4 | 6);
    } catch (err) {
      return failRoute(new net.Socket(), err);
    }
    const { socket, result } = made;
    return handOver(socket, () => c.report(result, socket), c.wrap);
  }
  const callback = c.callback;
  if (callback === undefined) {
    throw invalidArgType('callback', 'a function when options.host is a name to resolve', callback);
  }
  resolveAndWalk({
    dial,
    policy: c.policy,
    report: ({ result, socket }) => c.report(result, socket),
    // http's oncreate takes an error with no socket.
    failed: (err) => callback(err, undefined as unknown as net.Socket),
    connected: (socket) => {
      let outer: net.Socket;
      try {
        outer = c.wrap(socket);
      } catch (e) {
        socket.destroy();
        return callback(e as Error, undefined as unknown as net.Socket);
      }
      callback(null, outer);
    },
  });
  return undefined;
}

/**
 * A `createConnection` for `http.request({ createConnection })`, an
 * `http.Agent` or `https.Agent` (`agent.createConnection = ...`) or a
 * direct call, that sets `policy` on each socket before it connects.
 *
 * With a host name it resolves, connects and calls `callback(err, socket)`
 * (http and the agents pass one); with an IP literal it returns the
 * connecting socket at once, as `net.createConnection` does.
 */
export function createConnection(given: Policy, route: RouteOptions = {}): CreateConnection {
  const policy = checkPolicy(given, 'policy');
  validateRoute(route, 'route');
  const holdOn = holder(afterNodePart(policy), route);
  // Each socket is watched from the moment the policy is on it: Node's
  // writes at connect (of the options it was given) and later ones are
  // overrides (routes/hold.ts). A failure comes inside Node's own write: the
  // socket fails a tick later.
  const report = (result: ApplyResult, socket: net.Socket): void => {
    holdOn?.(socket, (err) => failLater(socket, err)).start();
    route.onApply?.(result, socket);
  };
  const tlsOptions = typeof route.tls === 'object' ? route.tls : {};

  return function sockctlCreateConnection(this: unknown, options: ConnectionOptions, callback?: ConnectCallback) {
    validateObject(options, 'options');
    validateFunction(callback, 'callback');
    readTimeout(options);
    // TLS goes on top of the configured socket, as https.Agent's own createConnection does.
    const secure = wantsTls(this, options, route);
    const wrap = (tcp: net.Socket): net.Socket =>
      secure ? tls.connect({ ...(options as tls.ConnectionOptions), ...tlsOptions, socket: tcp }) : tcp;
    const c: Call = { policy, options, report, wrap, callback };
    const path = unixPathOf(options);
    if (path !== undefined) return viaPath(c, path);
    // The same checks of host, port and local address whoever ends up connecting: sockctl, or Node itself.
    const dial = readDial(options);
    if (BoundSocket !== undefined && options.handle instanceof BoundSocket) return viaBoundSocket(c, options.handle);
    if (!adoptsSockets) return atConnect(c);
    return ownSocket(c, dial);
  };
}
