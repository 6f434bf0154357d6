// A policy before connect: createConnection() for http.request / http.Agent
// and undiciConnector() for undici and fetch. Node's own connect makes the
// socket inside connect(2), too late for buffers, TOS on the SYN, marks or
// bind-no-port; so sockctl makes the socket, sets the policy, binds if asked
// and hands Node the descriptor to connect (`new net.Socket({ fd })`, on
// every Node from 18). It resolves the host itself and walks the addresses,
// a freshly configured socket for each attempt: Node's autoSelectFamily
// would swap in a new socket of its own, without the options.
import * as dns from 'node:dns';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { parseAddress, validatePort } from './bind';
import { invalidArgType, invalidArgValue, outOfRange, systemError, uvErrno } from './errors';
import { native } from './native';
import type { Policy } from './option-table';
import { track } from './registry';
import { apply, checkPolicy, features, pick, unsupported, type ApplyResult } from './socket-options';
import { BoundSocket } from './target';

export interface RouteOptions {
  /**
   * Called with what the policy did to each socket: the options applied,
   * and those skipped as unsupported here or too late for that socket.
   */
  onApply?: (result: ApplyResult, socket: net.Socket) => void;
  /**
   * TLS on top of each socket: true, or options for tls.connect (ca,
   * rejectUnauthorized, ...). createConnection's default: TLS when an
   * https.Agent calls it or the options say `protocol: 'https:'`.
   */
  tls?: boolean | tls.ConnectionOptions;
}

/**
 * What http.Agent, http.request and net.connect pass (the TCP part; the
 * rest goes to tls.connect for https). Nulls are http's "not given".
 */
export interface ConnectionOptions {
  host?: string | null;
  port?: number | string | null;
  localAddress?: string | null;
  localPort?: number | null;
  family?: number | null;
  hints?: number | null;
  lookup?: net.LookupFunction | null;
  timeout?: number | null;
  noDelay?: boolean | null;
  keepAlive?: boolean | null;
  keepAliveInitialDelay?: number | null;
  allowHalfOpen?: boolean | null;
  /** A Unix socket: no TCP options apply; it is connected as Node would. */
  path?: string | null;
  /** Node 24.19+/26.4+: a net.BoundSocket to connect from. */
  handle?: unknown;
  /** https: the TLS server name (tls.connect takes the rest of the options too). */
  servername?: string | null;
}

/** Node's own contract (http.Agent's oncreate): a socket, or an error and none. */
export type ConnectCallback = (err: Error | null, socket: net.Socket) => void;
export type CreateConnection = (options: ConnectionOptions, callback?: ConnectCallback) => net.Socket | undefined;

/** Calls `done` once: on `ready`, or with the first 'error' (or 'timeout', when `timedOut` makes it one). */
function settle(
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
 * Keeps the policy's any-time options on a socket after Node's own writes:
 * Node sets noDelay and keepalive just before 'connect' (and http.Agent sets
 * keepalive again each time it takes a socket back, on 'free'), which would
 * undo keepAliveIdleSecs and its kin. Added once the socket is connected,
 * the 'free' listener runs after the agent's.
 */
export function keepAfterNode(socket: net.Socket, anyTime: Policy, onError: (err: Error) => void): void {
  socket.on('free', () => {
    if (socket.destroyed) return;
    try {
      apply(socket, anyTime);
    } catch (err) {
      onError(err as Error);
    }
  });
}

function validateRoute(route: unknown, name: string): void {
  if (typeof route !== 'object' || route === null) throw invalidArgType(name, 'of type object', route);
  const { onApply, tls: secure } = route as RouteOptions;
  if (onApply !== undefined && typeof onApply !== 'function') {
    throw invalidArgType(`${name}.onApply`, 'of type function', onApply);
  }
  if (secure !== undefined && typeof secure !== 'boolean' && (typeof secure !== 'object' || secure === null)) {
    throw invalidArgType(`${name}.tls`, 'of type boolean or object', secure);
  }
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
export function createConnection(policy: Policy, route: RouteOptions = {}): CreateConnection {
  checkPolicy(policy, 'policy');
  validateRoute(route, 'route');
  const anyTime = pick(policy, (row) => row.phase === 'any');
  const report = (result: ApplyResult, socket: net.Socket): void => route.onApply?.(result, socket);

  return function sockctlCreateConnection(this: unknown, options: ConnectionOptions, callback?: ConnectCallback) {
    if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'of type object', options);
    if (callback !== undefined && typeof callback !== 'function') {
      throw invalidArgType('callback', 'of type function', callback);
    }
    const timeout = options.timeout ?? undefined;
    if (timeout !== undefined) {
      if (typeof timeout !== 'number') throw invalidArgType('options.timeout', 'of type number', timeout);
      if (!(timeout >= 0)) throw outOfRange('options.timeout', '>= 0', timeout);
    }
    // http's oncreate takes an error with no socket.
    const failed = (err: Error): void => callback!(err, undefined as unknown as net.Socket);
    // https: an https.Agent calls this as its own method, https.request
    // names its agent or protocol in the options; TLS then goes on top of
    // the configured socket, as https.Agent's own createConnection does.
    const secure =
      route.tls !== undefined
        ? route.tls !== false
        : this instanceof https.Agent ||
          (options as { protocol?: unknown }).protocol === 'https:' ||
          (options as { _defaultAgent?: unknown })._defaultAgent instanceof https.Agent;
    const tlsOptions = typeof route.tls === 'object' ? route.tls : {};
    const wrap = (tcp: net.Socket): net.Socket =>
      secure ? tls.connect({ ...(options as tls.ConnectionOptions), ...tlsOptions, socket: tcp }) : tcp;

    if (typeof options.path === 'string') {
      const tcp = net.createConnection(options as net.NetConnectOpts);
      return handOver(tcp, () => report(unsupported(policy), tcp));
    }

    // Node's own BoundSocket is bound already: what must precede bind is too late.
    if (BoundSocket !== undefined && options.handle instanceof BoundSocket) {
      const result = apply(options.handle.fd(), policy);
      const tcp = net.createConnection(options as net.NetConnectOpts);
      return handOver(tcp, () => report(result, tcp), true);
    }

    // Windows: Node cannot adopt a SOCKET, so the policy waits for Node's
    // socket to connect, and what had to come first is reported too late.
    if (!features.bindHelpers) {
      const tcp = net.createConnection(options as net.NetConnectOpts);
      const outer = handOver(tcp, () => {});
      tcp.once('connect', () => {
        try {
          report(apply(tcp, policy), tcp);
        } catch (err) {
          tcp.destroy(err as Error);
          return;
        }
        afterConnect(tcp, outer);
      });
      return outer;
    }

    const host = options.host ?? 'localhost';
    if (typeof host !== 'string') throw invalidArgType('options.host', 'of type string', host);
    if (host === '') throw invalidArgValue('options.host', 'must not be empty', host);
    const port = validatePort(
      typeof options.port === 'string' && /^\d+$/.test(options.port) ? Number(options.port) : options.port,
      'options.port',
    );
    const local = options.localAddress == null ? undefined : parseAddress(options.localAddress, 'options.localAddress');
    const localPort = options.localPort == null ? 0 : validatePort(options.localPort, 'options.localPort');

    const literal = net.isIP(host);
    if (literal !== 0) {
      const { socket, result } = attempt(host, literal as 4 | 6);
      return handOver(socket, () => report(result, socket), true);
    }
    if (callback === undefined) {
      throw invalidArgType('callback', 'a function when options.host is a name to resolve', callback);
    }
    const lookup = options.lookup ?? dns.lookup;
    lookup(host, { all: true, family: options.family ?? 0, hints: options.hints ?? undefined }, (err, found) => {
      if (err) return failed(err);
      const addresses = (found as dns.LookupAddress[]).filter((a) => local === undefined || a.family === local.family);
      if (addresses.length === 0) {
        return failed(
          Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
            code: 'ENOTFOUND',
            syscall: 'getaddrinfo',
            hostname: host,
          }),
        );
      }
      walk(addresses, 0);
    });
    return undefined;

    /**
     * Tries addresses[i] and on, each with a fresh socket; whatever fails —
     * making the socket, binding it, connecting, `options.timeout` — moves
     * on to the next, and the last failure is the callback's.
     */
    function walk(addresses: dns.LookupAddress[], i: number, lastError?: Error): void {
      if (i === addresses.length) return failed(lastError!);
      const { address, family } = addresses[i];
      let made: { socket: net.Socket; result: ApplyResult };
      try {
        made = attempt(address, family as 4 | 6);
      } catch (err) {
        return walk(addresses, i + 1, err as Error);
      }
      const { socket } = made;
      try {
        report(made.result, socket);
      } catch (err) {
        socket.destroy();
        return failed(err as Error);
      }
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
            return walk(addresses, i + 1, err);
          }
          let outer: net.Socket;
          try {
            outer = wrap(socket);
          } catch (e) {
            socket.destroy();
            return failed(e as Error);
          }
          // Handed over first, so that the agent's 'free' listener runs before ours.
          callback!(null, outer);
          afterConnect(socket, outer);
        },
        timedOut,
      );
    }

    /** A fresh socket with the policy set, bound if asked, connecting. Nothing is left open when it throws. */
    function attempt(address: string, family: 4 | 6): { socket: net.Socket; result: ApplyResult } {
      if (local !== undefined && local.family !== family) {
        throw invalidArgValue(
          'options.localAddress',
          `must be an IPv${family} address to reach ${address}`,
          options.localAddress,
        );
      }
      const [fd, syscall] = native.openBound(0, family === 6 ? 1 : 0, 0, 0, 0, 0, -1, null);
      if (fd < 0) throw systemError(fd, syscall);
      let socket: net.Socket;
      let result: ApplyResult;
      try {
        result = apply(fd, policy);
        if (local !== undefined || localPort !== 0) {
          const bindTo = local ?? { host: family === 6 ? '::' : '0.0.0.0', scopeId: 0 };
          const rc = native.bind(fd, family === 6 ? 1 : 0, bindTo.scopeId, localPort, bindTo.host);
          if (rc < 0) throw systemError(rc, 'bind', undefined, { address: bindTo.host, port: localPort });
        }
        // manualStart: reading an unconnected socket fails with ENOTCONN.
        socket = new net.Socket({
          fd,
          readable: true,
          writable: true,
          manualStart: true,
          allowHalfOpen: options.allowHalfOpen ?? undefined,
          noDelay: options.noDelay ?? undefined,
          keepAlive: options.keepAlive ?? undefined,
          keepAliveInitialDelay: options.keepAliveInitialDelay ?? undefined,
        } as net.SocketConstructorOpts);
      } catch (err) {
        native.close(fd);
        throw err;
      }
      // From here the socket owns the descriptor.
      track(socket);
      if (timeout !== undefined) socket.setTimeout(timeout);
      socket.connect({ port, host: address });
      return { socket, result };
    }

    /**
     * Returns a socket still connecting, after `before` (reporting; if it
     * throws, the socket is destroyed and the error thrown), wrapped in TLS
     * if asked; `policyAtConnect`: the any-time options go back on at
     * 'connect'.
     */
    function handOver(tcp: net.Socket, before: () => void, policyAtConnect = false): net.Socket {
      let outer: net.Socket;
      try {
        before();
        outer = wrap(tcp);
      } catch (err) {
        tcp.destroy();
        throw err;
      }
      if (policyAtConnect) tcp.once('connect', () => afterConnect(tcp, outer));
      return outer;
    }

    // Node has written its noDelay and keepalive: put the policy's back, and
    // again whenever an agent takes `outer` back.
    function afterConnect(tcp: net.Socket, outer: net.Socket): void {
      if (Object.keys(anyTime).length === 0) return;
      try {
        apply(tcp, anyTime);
      } catch (err) {
        tcp.destroy(err as Error);
        return;
      }
      keepAfterNode(outer, anyTime, (err) => outer.destroy(err));
    }
  };
}

/** What undici passes its `connect` function. */
export interface UndiciConnectOptions {
  hostname: string;
  host?: string;
  protocol: string;
  port: string | number;
  servername?: string | null;
  localAddress?: string | null;
  httpSocket?: net.Socket;
}

/** undici's connect callback: a socket, or an error. */
export type UndiciCallback = (...args: [null, net.Socket] | [Error, null]) => void;

export interface UndiciConnectorOptions extends Omit<RouteOptions, 'tls'> {
  /** TLS options for https origins (ca, cert, rejectUnauthorized, ...). */
  tls?: tls.ConnectionOptions;
}

/**
 * A `connect` function for undici's Agent/Client/Pool (`new Agent({ connect:
 * undiciConnector(policy) })`, then `fetch(url, { dispatcher })`): sockets
 * configured before connect, TLS on top for https origins. The callback
 * comes once the socket is connected (and its TLS handshake done).
 */
export function undiciConnector(
  policy: Policy,
  options: UndiciConnectorOptions = {},
): (opts: UndiciConnectOptions, callback: UndiciCallback) => void {
  validateRoute(options, 'options');
  const onApply = options.onApply;
  const plain = createConnection(policy, { onApply, tls: false });
  const secured = createConnection(policy, { onApply, tls: { ALPNProtocols: ['http/1.1'], ...options.tls } });
  return function sockctlConnector(opts, callback) {
    const secureOrigin = opts.protocol === 'https:';
    // undici's hostname keeps an IPv6 literal's brackets; its host has the port.
    const hostname = opts.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = opts.port === '' || opts.port === undefined ? (secureOrigin ? 443 : 80) : Number(opts.port);
    const servername = opts.servername ?? (net.isIP(hostname) ? undefined : hostname);
    const ready = (socket: net.Socket): void =>
      settle(socket, secureOrigin ? 'secureConnect' : 'connect', (err) => {
        if (err) {
          socket.destroy();
          callback(err, null);
        } else callback(null, socket);
      });
    let socket: net.Socket | undefined;
    try {
      socket = (secureOrigin ? secured : plain)(
        { host: hostname, port, localAddress: opts.localAddress ?? undefined, servername },
        (err, connected) => {
          if (err || connected === undefined) return callback(err ?? new Error('sockctl: no socket'), null);
          // Connected; a TLS socket still has its handshake to finish.
          if (secureOrigin) ready(connected);
          else callback(null, connected);
        },
      );
    } catch (err) {
      return callback(err as Error, null);
    }
    if (socket !== undefined) ready(socket);
  };
}
