// installPolicy: one policy for every socket the process makes, reached
// through Node's diagnostics channels. No channel hands out a socket before
// connect(2) — libuv makes it inside the connect call — so this route sets
// what still has effect after connect, and reports the rest as too late;
// createConnection() is the route for what must come first.
import * as dc from 'node:diagnostics_channel';
import type * as dgram from 'node:dgram';
import cluster from 'node:cluster';
import * as net from 'node:net';
import { keepAfterNode } from './connect';
import { invalidArgType } from './errors';
import type { Policy } from './option-table';
import { apply, checkPolicy, pick, unsupported, type ApplyResult } from './socket-options';
import type { Target } from './target';

type Socketish = net.Socket | net.Server | dgram.Socket;

export interface PolicyOptions {
  /**
   * Called with what the policy did to each socket, listener or UDP socket:
   * the options applied, and those skipped as unsupported or too late.
   */
  onApply?: (result: ApplyResult, socket: Socketish) => void;
  /**
   * A system error while applying (EPERM for `mark` without CAP_NET_ADMIN,
   * say). Default: a process warning. The socket is left as it is.
   */
  onError?: (err: Error, socket: net.Socket | net.Server | dgram.Socket) => void;
}

export interface InstalledPolicy {
  /** Stops applying the policy to new sockets; sockets already set keep their options. */
  uninstall(): void;
}

/**
 * Applies `policy` to every TCP socket the process creates, client and
 * server, and to listeners and UDP sockets with the options that fit them:
 * - client sockets (`net.client.socket`; on Node 18/20, where TLS sockets
 *   skip that channel, also `http.client.request.start` and undici's
 *   `undici:client:connected`): at 'connect', after Node's own noDelay and
 *   keepalive, and again after http.Agent takes a socket back ('free');
 * - accepted sockets (`net.server.socket`): at once;
 * - listeners (`tracing:net.server.listen:asyncEnd`, Node 20.16+/22.3+):
 *   once listening — listener options such as deferAcceptSecs, which the
 *   accepted sockets inherit;
 * - UDP sockets (`udp.socket`): once bound, without the TCP-only options.
 * Each socket is set once.
 */
export function installPolicy(policy: Policy, options: PolicyOptions = {}): InstalledPolicy {
  checkPolicy(policy, 'policy');
  if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'of type object', options);
  for (const key of ['onApply', 'onError'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      throw invalidArgType(`options.${key}`, 'of type function', options[key]);
    }
  }
  const anyTime = pick(policy, (row) => row.phase === 'any');
  const keepAnyTime = Object.keys(anyTime).length > 0;
  const udp = pick(policy, (row) => row.tcp !== true);
  const udpSkipped = unsupported(pick(policy, (row) => row.tcp === true)).skipped;
  const seen = new WeakSet<object>();
  let installed = true;

  // Nothing here may throw: a throw in a channel subscriber or a socket's
  // event listener would end the process.
  const onError = (err: Error, socket: Socketish): void => {
    try {
      if (options.onError) options.onError(err, socket);
      else process.emitWarning(`sockctl policy: ${err.message}`, { code: 'SOCKCTL_POLICY' });
    } catch {
      // the caller's own handler failed; nothing is left to tell
    }
  };
  const report = (result: ApplyResult, socket: Socketish): void => {
    try {
      options.onApply?.(result, socket);
    } catch (err) {
      onError(err as Error, socket);
    }
  };
  /** Applies `part`, and reports; a socket without an IP address (a Unix socket) gets none of it. */
  const set = (socket: Socketish, part: Policy, ip: boolean): boolean => {
    if (!installed || (socket as net.Socket).destroyed) return false;
    if (!ip) {
      report(unsupported(part), socket);
      return false;
    }
    try {
      report(apply(socket as Target, part), socket);
      return true;
    } catch (err) {
      onError(err as Error, socket);
      return false;
    }
  };
  const connected = (socket: net.Socket): void => {
    if (set(socket, policy, net.isIP(socket.localAddress ?? '') !== 0) && keepAnyTime) {
      keepAfterNode(socket, anyTime, (err) => onError(err, socket));
    }
  };
  const client = (socket: net.Socket | undefined | null): void => {
    if (!socket || seen.has(socket)) return;
    seen.add(socket);
    // net.client.socket fires before connect() is even called: pending.
    if (socket.pending) socket.once('connect', () => connected(socket));
    else if (!socket.destroyed) connected(socket);
  };
  const listener = (server: net.Server): void => {
    if (seen.has(server) || !server.listening) return;
    seen.add(server);
    // A cluster worker's round-robin listener has no socket of its own: the
    // primary's listener is the one to set (its listen publishes there).
    if (cluster.isWorker && !(server as unknown as { _handle?: { fd?: number } })._handle?.fd) return;
    const address = server.address();
    set(server, policy, typeof address === 'object' && address !== null);
  };

  const subscriptions: [string, (message: unknown) => void][] = [
    ['net.client.socket', (m) => client((m as { socket: net.Socket }).socket)],
    ['http.client.request.start', (m) => client((m as { request: { socket?: net.Socket | null } }).request.socket)],
    ['undici:client:connected', (m) => client((m as { socket: net.Socket }).socket)],
    [
      'net.server.socket',
      (m) => {
        const { socket } = m as { socket: net.Socket };
        if (seen.has(socket)) return;
        seen.add(socket);
        connected(socket);
      },
    ],
    ['tracing:net.server.listen:asyncEnd', (m) => listener((m as { server: net.Server }).server)],
    [
      'udp.socket',
      (m) => {
        const { socket } = m as { socket: dgram.Socket };
        if (seen.has(socket)) return;
        seen.add(socket);
        socket.once('listening', () => {
          if (!installed) return;
          let result: ApplyResult;
          try {
            result = apply(socket, udp);
          } catch (err) {
            onError(err as Error, socket);
            return;
          }
          result.skipped.push(...udpSkipped);
          report(result, socket);
        });
      },
    ],
  ];
  for (const [name, fn] of subscriptions) dc.subscribe(name, fn);
  return {
    uninstall() {
      if (!installed) return;
      installed = false;
      for (const [name, fn] of subscriptions) dc.unsubscribe(name, fn);
    },
  };
}
