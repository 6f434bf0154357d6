// undiciConnector: a `connect` function for undici's Agent, Client and Pool,
// on top of createConnection, so fetch() gets configured sockets too.
import * as net from 'node:net';
import type * as tls from 'node:tls';
import type { Policy } from '../options/types';
import { invalidArgType } from '../errors';
import { runtime } from '../node-internals';
import { validateObject } from '../validate';
import { validateRoute, type RouteOptions } from './connection-options';
import { createConnection } from './create-connection';
import { settle } from './handover';

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

let warnedBun = false;

/**
 * Bun (1.4) resolves `import 'undici'` to a module of its own whose Agent
 * never calls `connect`: the connector would go unused, silently. Said once.
 */
function warnOnBun(): void {
  if (runtime !== 'Bun' || warnedBun) return;
  warnedBun = true;
  process.emitWarning(
    "undiciConnector: Bun resolves 'undici' to its own module, whose Agent never calls connect; " +
      'only an Agent of the undici package itself, loaded by its path, uses this connector',
    { code: 'SOCKCTL_RUNTIME' },
  );
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
  warnOnBun();
  const { onApply, precedence, onOverride } = options;
  const plain = createConnection(policy, { onApply, precedence, onOverride, tls: false });
  const secured = createConnection(policy, {
    onApply,
    precedence,
    onOverride,
    tls: { ALPNProtocols: ['http/1.1'], ...options.tls },
  });
  return function sockctlConnector(opts, callback) {
    validateObject(opts, 'options');
    if (typeof opts.hostname !== 'string') throw invalidArgType('options.hostname', 'of type string', opts.hostname);
    if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback);
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
