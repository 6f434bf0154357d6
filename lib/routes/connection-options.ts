// What createConnection is given — by http.Agent, http.request, undici or a
// direct call — read and validated once into a plain record.
import * as dns from 'node:dns';
import * as https from 'node:https';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { invalidArgType, invalidArgValue, outOfRange } from '../errors';
import type { ApplyResult } from '../options/api';
import { validateHoldOptions, type Override, type Precedence } from './hold';
import { defaultAgentOf } from '../node-internals';
import {
  parseAddress,
  validateFunction,
  validateKeys,
  validateObject,
  validatePort,
  type ParsedAddress,
} from '../validate';

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
  /**
   * Whose values stand when the socket's owner — or Node, from the options
   * it was connected with, or http.Agent — writes an option of the policy
   * through Node (`setKeepAlive`, `setNoDelay`, `setTypeOfService`):
   * `'policy'` (default) puts the policy's back at once, `'owner'` leaves
   * the owner's. See routes/hold.ts.
   */
  precedence?: Precedence;
  /** Called each time such a write touches an option of the policy, whoever's values were kept. */
  onOverride?: (override: Override, socket: net.Socket) => void;
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
  /**
   * A Unix socket (unless a port comes with it: see unixPathOf): no TCP
   * options apply; it is connected as Node would.
   */
  path?: string | null;
  /** http's name for a Unix socket path. */
  socketPath?: string | null;
  /** Node 24.19+/26.4+: a net.BoundSocket to connect from. */
  handle?: unknown;
  /** https: the TLS server name (tls.connect takes the rest of the options too). */
  servername?: string | null;
}

/** Node's own contract (http.Agent's oncreate): a socket, or an error and none. */
export type ConnectCallback = (err: Error | null, socket: net.Socket) => void;
export type CreateConnection = (options: ConnectionOptions, callback?: ConnectCallback) => net.Socket | undefined;

export function validateRoute(route: unknown, name: string): void {
  validateObject(route, name);
  validateKeys(route, name, ['onApply', 'tls', 'precedence', 'onOverride']);
  const { onApply, tls: secure } = route as RouteOptions;
  validateFunction(onApply, `${name}.onApply`);
  validateHoldOptions(route as RouteOptions, name);
  if (secure !== undefined && typeof secure !== 'boolean' && (typeof secure !== 'object' || secure === null)) {
    throw invalidArgType(`${name}.tls`, 'of type boolean or object', secure);
  }
}

/** The TCP part of ConnectionOptions, validated. (It takes any other keys: http passes many.) */
export interface Dial {
  host: string;
  port: number;
  local?: ParsedAddress;
  /** The local address as given, for errors. */
  localAddress?: string;
  localPort: number;
  timeout?: number;
  lookup: net.LookupFunction;
  family: number;
  hints?: number;
  /** For the net.Socket Node adopts the descriptor into (routes/dial.ts, newSocket). */
  socket: SocketPart;
}

/** What the caller asked of the net.Socket itself, as Node's constructor takes it. */
export interface SocketPart {
  allowHalfOpen?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
}

/**
 * The Unix socket to connect to, if any: `socketPath` (http's name for it),
 * or `path` when no port comes with it. Node 18's http.request passes the
 * request's own path (`'/x'`) as `path`, next to the host and port, to a
 * createConnection given without an agent; Node 20 and later leave it out.
 */
export function unixPathOf(options: ConnectionOptions): string | undefined {
  if (typeof options.socketPath === 'string' && options.socketPath !== '') return options.socketPath;
  if (typeof options.path === 'string' && options.port == null) return options.path;
  return undefined;
}

/** options.timeout, which every strategy honours. */
export function readTimeout(options: ConnectionOptions): number | undefined {
  const timeout = options.timeout ?? undefined;
  if (timeout !== undefined) {
    if (typeof timeout !== 'number') throw invalidArgType('options.timeout', 'of type number', timeout);
    if (!(timeout >= 0)) throw outOfRange('options.timeout', '>= 0', timeout);
  }
  return timeout;
}

/** options.localAddress, numeric, which every strategy but a Unix path honours. */
export function readLocal(options: ConnectionOptions): ParsedAddress | undefined {
  const localAddress = options.localAddress ?? undefined;
  if (localAddress === undefined) return undefined;
  if (typeof localAddress !== 'string') throw invalidArgType('options.localAddress', 'of type string', localAddress);
  return parseAddress(localAddress, 'options.localAddress');
}

export function readDial(options: ConnectionOptions): Dial {
  const timeout = readTimeout(options);
  const host = options.host ?? 'localhost';
  if (typeof host !== 'string') throw invalidArgType('options.host', 'of type string', host);
  if (host === '') throw invalidArgValue('options.host', 'must not be empty', host);
  const port = validatePort(
    typeof options.port === 'string' && /^\d+$/.test(options.port) ? Number(options.port) : options.port,
    'options.port',
  );
  const localAddress = options.localAddress ?? undefined;
  const local = readLocal(options);
  // As Node: an address is not looked up, so its lookup is not read either.
  if (net.isIP(host) === 0) validateFunction(options.lookup ?? undefined, 'options.lookup');
  const keepAliveInitialDelay = options.keepAliveInitialDelay ?? undefined;
  // As net.Socket's constructor: a number, a negative one taken as 0.
  if (keepAliveInitialDelay !== undefined && typeof keepAliveInitialDelay !== 'number') {
    throw invalidArgType('options.keepAliveInitialDelay', 'of type number', keepAliveInitialDelay);
  }
  return {
    host,
    port,
    local,
    localAddress,
    localPort: options.localPort == null ? 0 : validatePort(options.localPort, 'options.localPort'),
    timeout,
    lookup: options.lookup ?? dns.lookup,
    family: options.family ?? 0,
    hints: options.hints ?? undefined,
    socket: {
      allowHalfOpen: options.allowHalfOpen ?? undefined,
      noDelay: options.noDelay ?? undefined,
      keepAlive: options.keepAlive ?? undefined,
      keepAliveInitialDelay,
    },
  };
}

/**
 * https: an https.Agent calls createConnection as its own method,
 * https.request names its agent or protocol in the options.
 */
export function wantsTls(caller: unknown, options: ConnectionOptions, route: RouteOptions): boolean {
  if (route.tls !== undefined) return route.tls !== false;
  return (
    caller instanceof https.Agent ||
    (options as { protocol?: unknown }).protocol === 'https:' ||
    defaultAgentOf(options) instanceof https.Agent
  );
}
