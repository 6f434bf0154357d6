// installPolicy: one policy for every socket the process makes, reached
// through Node's diagnostics channels. No channel hands out a socket before
// connect(2) — libuv makes it inside the connect call — so this route sets
// what still has effect after connect, and reports the rest as too late;
// createConnection() is the route for what must come first.
import dc from 'node:diagnostics_channel';
import type dgram from 'node:dgram';
import type net from 'node:net';
import { keepAfterNode } from './connect';
import { invalidArgType } from './errors';
import type { Policy } from './option-table';
import { apply, checkPolicy, pick, type ApplyResult } from './socket-options';
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
  const udp = pick(policy, (row) => row.tcp !== true);
  const udpSkipped = Object.keys(pick(policy, (row) => row.tcp === true)).map((name) => ({
    name,
    reason: 'unsupported' as const,
  }));
  const seen = new WeakSet<object>();
  let installed = true;

  const onError = (err: Error, socket: Socketish): void => {
    if (options.onError) options.onError(err, socket);
    else process.emitWarning(`sockctl policy: ${err.message}`, { code: 'SOCKCTL_POLICY' });
  };
  const set = (socket: Socketish, part: Policy): ApplyResult | undefined => {
    if (!installed || (socket as net.Socket).destroyed) return undefined;
    try {
      return apply(socket as Target, part);
    } catch (err) {
      onError(err as Error, socket);
      return undefined;
    }
  };
  const connected = (socket: net.Socket): void => {
    const result = set(socket, policy);
    if (result === undefined) return;
    options.onApply?.(result, socket);
    keepAfterNode(socket, anyTime, (err) => onError(err, socket));
  };
  const client = (socket: net.Socket | undefined | null): void => {
    if (!socket || seen.has(socket)) return;
    seen.add(socket);
    // net.client.socket fires before connect() is even called: pending.
    if (socket.pending) socket.once('connect', () => connected(socket));
    else if (!socket.destroyed) connected(socket);
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
    [
      'tracing:net.server.listen:asyncEnd',
      (m) => {
        const { server } = m as { server: net.Server };
        if (seen.has(server) || !server.listening) return;
        seen.add(server);
        const result = set(server, policy);
        if (result) options.onApply?.(result, server);
      },
    ],
    [
      'udp.socket',
      (m) => {
        const { socket } = m as { socket: dgram.Socket };
        if (seen.has(socket)) return;
        seen.add(socket);
        socket.once('listening', () => {
          const result = set(socket, udp);
          if (result === undefined) return;
          result.skipped.push(...(udpSkipped as ApplyResult['skipped']));
          options.onApply?.(result, socket);
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
