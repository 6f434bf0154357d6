// A policy before connect: createConnection() for http.request / http.Agent
// and undiciConnector() for undici and fetch. Node's own connect makes the
// socket inside connect(2), too late for buffers, TOS on the SYN, marks or
// bind-no-port; so sockctl makes the socket, sets the policy, binds if asked
// and hands Node the descriptor to connect (`new net.Socket({ fd })`, on
// every Node from 18). It resolves the host itself and walks the addresses,
// a freshly configured socket for each attempt: Node's autoSelectFamily
// would swap in a new socket of its own, without the options.
import dns from 'node:dns';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { parseAddress, validatePort } from './bind';
import { invalidArgType, invalidArgValue, systemError } from './errors';
import { native } from './native';
import type { OptionName, Policy } from './option-table';
import { track } from './registry';
import { apply, checkPolicy, features, pick, type ApplyResult } from './socket-options';

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

/** What http.Agent, http.request and net.connect pass (the TCP part). */
export interface ConnectionOptions {
  host?: string;
  port?: number | string;
  localAddress?: string;
  localPort?: number;
  family?: number;
  hints?: number;
  lookup?: typeof dns.lookup;
  timeout?: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  allowHalfOpen?: boolean;
  /** A Unix socket: no TCP options apply; it is connected as Node would. */
  path?: string;
  /** Node 24.19+/26.4+: a net.BoundSocket to connect from. */
  handle?: unknown;
  [key: string]: unknown;
}

export type ConnectCallback = (err: Error | null, socket?: net.Socket) => void;
export type CreateConnection = (options: ConnectionOptions, callback?: ConnectCallback) => net.Socket | undefined;

interface BoundSocketLike {
  fd(): number;
}
const BoundSocket = (net as unknown as { BoundSocket?: new () => BoundSocketLike }).BoundSocket;

/**
 * Keeps the policy's any-time options on a socket after Node's own writes:
 * Node sets noDelay and keepalive just before 'connect' (and http.Agent sets
 * keepalive again each time it takes a socket back, on 'free'), which would
 * undo keepAliveIdleSecs and its kin. Added once the socket is connected,
 * the 'free' listener runs after the agent's.
 */
export function keepAfterNode(socket: net.Socket, anyTime: Policy, onError: (err: Error) => void): void {
  if (Object.keys(anyTime).length === 0) return;
  socket.on('free', () => {
    if (socket.destroyed) return;
    try {
      apply(socket, anyTime);
    } catch (err) {
      onError(err as Error);
    }
  });
}

function allSkipped(policy: Policy, reason: 'unsupported'): ApplyResult {
  return { applied: [], skipped: (Object.keys(policy) as OptionName[]).map((name) => ({ name, reason })) };
}

/**
 * A `createConnection` for `http.request({ createConnection })`, an
 * `http.Agent` (`agent.createConnection = ...`) or a direct call, that
 * sets `policy` on each socket before it connects.
 *
 * With a host name it resolves, connects and calls `callback(err, socket)`
 * (http and the Agent pass one); with an IP literal it returns the
 * connecting socket at once, as `net.createConnection` does.
 */
export function createConnection(policy: Policy, route: RouteOptions = {}): CreateConnection {
  checkPolicy(policy, 'policy');
  if (typeof route !== 'object' || route === null) throw invalidArgType('route', 'of type object', route);
  const { onApply } = route;
  if (onApply !== undefined && typeof onApply !== 'function') {
    throw invalidArgType('route.onApply', 'of type function', onApply);
  }
  const anyTime = pick(policy, (row) => row.phase === 'any');
  const report = (result: ApplyResult, socket: net.Socket): void => onApply?.(result, socket);
  const tlsOptions = typeof route.tls === 'object' ? route.tls : {};

  return function sockctlCreateConnection(this: unknown, options: ConnectionOptions, callback?: ConnectCallback) {
    if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'of type object', options);
    if (callback !== undefined && typeof callback !== 'function') {
      throw invalidArgType('callback', 'of type function', callback);
    }
    // https: an https.Agent calls this as its own method, https.request says
    // so in the options; TLS then goes on top of the configured socket.
    const secure = route.tls ?? (this instanceof https.Agent || options.protocol === 'https:');
    const wrap = (tcp: net.Socket): net.Socket =>
      secure ? tls.connect({ ...(options as tls.ConnectionOptions), ...tlsOptions, socket: tcp }) : tcp;

    if (typeof options.path === 'string') {
      const socket = wrap(net.createConnection(options as net.NetConnectOpts));
      report(allSkipped(policy, 'unsupported'), socket);
      return socket;
    }

    // Node's own BoundSocket is bound already: what must precede bind is too late.
    if (BoundSocket !== undefined && options.handle instanceof BoundSocket) {
      const result = apply(options.handle.fd(), policy);
      return connecting(net.createConnection(options as net.NetConnectOpts), result);
    }

    // Windows: Node cannot adopt a SOCKET, so the policy waits for Node's
    // socket to connect, and what had to come first is reported too late.
    if (!features.bindHelpers) return connecting(net.createConnection(options as net.NetConnectOpts), 'at-connect');

    const host = options.host ?? 'localhost';
    if (typeof host !== 'string') throw invalidArgType('options.host', 'of type string', host);
    if (host === '') throw invalidArgValue('options.host', 'must not be empty', host);
    const port = validatePort(
      typeof options.port === 'string' && /^\d+$/.test(options.port) ? Number(options.port) : options.port,
      'options.port',
    );
    const local =
      options.localAddress === undefined ? undefined : parseAddress(options.localAddress, 'options.localAddress');
    const localPort = options.localPort === undefined ? 0 : validatePort(options.localPort, 'options.localPort');

    const literal = net.isIP(host);
    if (literal !== 0) return connecting(attempt(host, literal as 4 | 6), 'reported');
    if (callback === undefined) {
      throw invalidArgType('callback', 'a function when options.host is a name to resolve', callback);
    }
    const lookup = options.lookup ?? dns.lookup;
    lookup(host, { all: true, family: options.family ?? 0, hints: options.hints }, (err, found) => {
      if (err) return callback(err);
      const addresses = (found as dns.LookupAddress[]).filter((a) => local === undefined || a.family === local.family);
      if (addresses.length === 0) {
        return callback(
          Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
            code: 'ENOTFOUND',
            syscall: 'getaddrinfo',
            hostname: host,
          }),
        );
      }
      walk(addresses, 0, callback);
    });
    return undefined;

    function walk(addresses: dns.LookupAddress[], i: number, done: ConnectCallback): void {
      let socket: net.Socket;
      try {
        socket = attempt(addresses[i].address, addresses[i].family as 4 | 6);
      } catch (err) {
        return done(err as Error);
      }
      const fail = (err: Error): void => {
        socket.off('connect', succeed);
        socket.destroy();
        if (i + 1 < addresses.length) walk(addresses, i + 1, done);
        else done(err);
      };
      const succeed = (): void => {
        socket.off('error', fail);
        const outer = wrap(socket);
        // Handed over first, so that the agent's 'free' listener runs before ours.
        done(null, outer);
        afterConnect(socket, outer);
      };
      socket.once('error', fail);
      socket.once('connect', succeed);
    }

    /** A fresh socket with the policy set, bound if asked, connecting. */
    function attempt(address: string, family: 4 | 6): net.Socket {
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
      try {
        const result = apply(fd, policy);
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
          allowHalfOpen: options.allowHalfOpen,
          noDelay: options.noDelay,
          keepAlive: options.keepAlive,
          keepAliveInitialDelay: options.keepAliveInitialDelay,
        } as net.SocketConstructorOpts);
        report(result, socket);
      } catch (err) {
        native.close(fd);
        throw err;
      }
      track(socket);
      if (options.timeout !== undefined) socket.setTimeout(options.timeout);
      socket.connect({ port, host: address });
      return socket;
    }

    /**
     * A TCP socket still connecting, returned at once (wrapped in TLS if
     * asked). `before`: what was set before connect, to report; 'reported'
     * when attempt() did; 'at-connect' when all of it waits for 'connect'
     * (Windows).
     */
    function connecting(tcp: net.Socket, before: ApplyResult | 'reported' | 'at-connect'): net.Socket {
      const outer = wrap(tcp);
      if (typeof before === 'object') report(before, tcp);
      tcp.once('connect', () => {
        if (before === 'at-connect') {
          try {
            report(apply(tcp, policy), tcp);
          } catch (err) {
            tcp.destroy(err as Error);
            return;
          }
        }
        afterConnect(tcp, outer);
      });
      return outer;
    }

    // Node has written its noDelay and keepalive: put the policy's back, and
    // again whenever an agent takes `outer` back.
    function afterConnect(tcp: net.Socket, outer: net.Socket): void {
      if (Object.keys(anyTime).length === 0) return;
      try {
        apply(tcp, anyTime);
        keepAfterNode(outer, anyTime, (err) => outer.destroy(err));
      } catch (err) {
        tcp.destroy(err as Error);
      }
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

export interface UndiciConnectorOptions extends RouteOptions {
  /** TLS options for https origins (ca, cert, rejectUnauthorized, ...). */
  tls?: tls.ConnectionOptions;
}

/**
 * A `connect` function for undici's Agent/Client/Pool (`new Agent({ connect:
 * undiciConnector(policy) })`, then `fetch(url, { dispatcher })`): sockets
 * configured before connect, TLS on top for https origins.
 */
export function undiciConnector(
  policy: Policy,
  options: UndiciConnectorOptions = {},
): (opts: UndiciConnectOptions, callback: UndiciCallback) => void {
  if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'of type object', options);
  // TLS here, where undici says which origin is https.
  const connect = createConnection(policy, { onApply: options.onApply, tls: false });
  const tlsOptions = options.tls ?? {};
  return function sockctlConnector(opts, callback) {
    const secureOrigin = opts.protocol === 'https:';
    // undici's hostname keeps an IPv6 literal's brackets; its host has the port.
    const hostname = opts.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = opts.port === '' || opts.port === undefined ? (secureOrigin ? 443 : 80) : Number(opts.port);
    const secure = (err: Error | null, socket?: net.Socket): void => {
      if (err || socket === undefined) return callback(err ?? new Error('sockctl: no socket'), null);
      if (!secureOrigin) return callback(null, socket);
      const servername = opts.servername ?? (net.isIP(hostname) ? undefined : hostname);
      const secured = tls.connect({ ALPNProtocols: ['http/1.1'], ...tlsOptions, socket, servername });
      const fail = (e: Error): void => {
        secured.destroy();
        callback(e, null);
      };
      secured.once('error', fail);
      secured.once('secureConnect', () => {
        secured.off('error', fail);
        callback(null, secured);
      });
    };
    let socket: net.Socket | undefined;
    try {
      socket = connect({ host: hostname, port, localAddress: opts.localAddress ?? undefined }, secure);
    } catch (err) {
      return callback(err as Error, null);
    }
    if (socket === undefined) return;
    const connecting = socket;
    const fail = (err: Error): void => {
      connecting.off('connect', ready);
      connecting.destroy();
      callback(err, null);
    };
    const ready = (): void => {
      connecting.off('error', fail);
      secure(null, connecting);
    };
    connecting.once('error', fail);
    connecting.once('connect', ready);
  };
}
