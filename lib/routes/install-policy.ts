// installPolicy: one policy for every socket the process makes, reached
// through Node's diagnostics channels. No channel hands out a socket before
// connect(2) — libuv makes it inside the connect call — so this route sets
// what still has effect after connect, and reports the rest as too late;
// createConnection() is the route for what must come first.
import cluster from 'node:cluster';
import * as dc from 'node:diagnostics_channel';
import { listSockets, type SocketEntry } from '../census/census';
import { track, trackChannels } from '../census/registry';
import { onUnpublishedConnect } from '../connect-hook';
import type * as dgram from 'node:dgram';
import * as net from 'node:net';
import { apply, type ApplyResult } from '../options/api';
import type { Policy } from '../options/types';
import { handleOf, innerOf, isTcpWrap, subscribe, tcpHandleOf } from '../node-internals';
import { onServerEmit } from '../server-hook';
import { fdOf, type Target } from '../target';
import { validateFunction, validateKeys, validateObject } from '../validate';
import { holder, validateHoldOptions, without, type Hold, type Override, type Precedence } from './hold';
import { afterNodePart, checkPolicy, pick, unsupported } from './policy-parts';

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
  /**
   * Whose values stand when a socket's owner sets an option of the policy
   * through Node (`setKeepAlive`, `setNoDelay`, `setTypeOfService`, or the
   * options it connects with): `'policy'` (default) puts the policy's back
   * at once; `'owner'` leaves the owner's, and what the owner set before the
   * policy came is skipped with reason `'owner'`.
   */
  precedence?: Precedence;
  /** Called each time an owner's write touches an option of the policy after it was applied, whoever's values were kept. */
  onOverride?: (override: Override, socket: net.Socket) => void;
}

export interface InstalledPolicy {
  /** Stops applying the policy to new sockets; sockets already set keep their options. */
  uninstall(): void;
  /**
   * The process's TCP sockets (a census, as listSockets) this policy never
   * reached: made before it was installed, or on a path no channel or hook
   * of this Node shows (a listener before Node 20.16/22.3, a socket handed
   * over by another process), or after uninstall(). A socket the policy was
   * handed but could not set went to onError; it is not listed here.
   */
  unreached(): SocketEntry[];
}

/** What each kind of socket gets, and how it is told. Nothing here may throw: a throw in a channel subscriber or a socket's listener would end the process. */
interface Setter {
  client(socket: net.Socket): void;
  accepted(socket: net.Socket): void;
  listener(server: net.Server): void;
  udp(socket: dgram.Socket): void;
}

/** The channels, what each hands out, and which setter takes it. */
const CHANNELS: readonly { channel: string; extract: (m: unknown) => unknown; kind: keyof Setter }[] = [
  { channel: 'net.client.socket', extract: (m) => (m as { socket: net.Socket }).socket, kind: 'client' },
  // Node 18/20: TLS client sockets skip net.client.socket; these two see them.
  {
    channel: 'http.client.request.start',
    extract: (m) => (m as { request: { socket?: net.Socket | null } }).request.socket,
    kind: 'client',
  },
  { channel: 'undici:client:connected', extract: (m) => (m as { socket: net.Socket }).socket, kind: 'client' },
  { channel: 'net.server.socket', extract: (m) => (m as { socket: net.Socket }).socket, kind: 'accepted' },
  // Node 20.16+/22.3+.
  {
    channel: 'tracing:net.server.listen:asyncEnd',
    extract: (m) => (m as { server: net.Server }).server,
    kind: 'listener',
  },
  { channel: 'udp.socket', extract: (m) => (m as { socket: dgram.Socket }).socket, kind: 'udp' },
];

/** The caller's onApply and onError, made safe to call from a channel or a listener. */
function reporter(options: PolicyOptions) {
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
  return { onError, report };
}

const NONE: ReadonlySet<never> = new Set();

function setter(policy: Policy, options: PolicyOptions, installed: () => boolean): Setter {
  const holdOn = holder(afterNodePart(policy), options);
  const ownerFirst = options.precedence === 'owner';
  const udpPart = pick(policy, (row) => row.tcp !== true);
  const udpSkipped = unsupported(pick(policy, (row) => row.tcp === true)).skipped;

  const { onError, report } = reporter(options);
  /** Applies `part` and reports; a socket without an IP address (a Unix socket) gets none of it. */
  const set = (socket: Socketish, part: Policy, ip: boolean, extra: ApplyResult['skipped'] = []): boolean => {
    if (!installed() || (socket as net.Socket).destroyed) return false;
    if (!ip) {
      report(unsupported(part), socket);
      return false;
    }
    try {
      const result = apply(socket as Target, part);
      result.skipped.push(...extra);
      report(result, socket);
      return true;
    } catch (err) {
      onError(err as Error, socket);
      return false;
    }
  };
  /** Watches Node's writes of the policy's options to the socket's handle (routes/hold.ts). */
  const holdOf = (socket: net.Socket): Hold | undefined => holdOn?.(socket, (err) => onError(err, socket));
  const connected = (socket: net.Socket, held = holdOf(socket)): void => {
    const { rest, skipped } = without(policy, held?.owned ?? NONE);
    // Node's TCP handle is an IP socket's; anything else (a Pipe) is asked for its address, a system call.
    const handle = tcpHandleOf(socket);
    const ip = (handle !== undefined && isTcpWrap(handle)) || net.isIP(socket.localAddress ?? '') !== 0;
    if (set(socket, rest, ip, skipped)) held?.start();
  };
  // One listener for every socket (Node calls it on the socket): none made per connection.
  const onConnect = function (this: net.Socket): void {
    connected(this);
  };
  return {
    client(socket) {
      if (!socket.pending) {
        if (!socket.destroyed) connected(socket);
        return;
      }
      // Under the policy's precedence what Node writes before 'connect' is no
      // override (the policy goes on after it): watched from 'connect'.
      if (!ownerFirst) {
        socket.once('connect', onConnect);
        return;
      }
      // net.client.socket fires before connect() is even called, and the
      // hook just before it runs; connect() makes the handle, and Node's
      // writes of the options the owner connects with come before 'connect':
      // watched from the next tick.
      let held: Hold | undefined;
      let watched = false;
      const watch = (): void => {
        if (watched || !tcpHandleOf(socket)) return;
        watched = true;
        held = holdOf(socket);
      };
      watch();
      process.nextTick(watch);
      socket.once('connect', () => {
        watch();
        connected(socket, held);
      });
    },
    accepted: (socket) => connected(socket),
    listener(server) {
      // A cluster worker's round-robin listener has no socket of its own: the
      // primary's listener is the one to set (its listen publishes there).
      if (cluster.isWorker && !handleOf(server)?.fd) return;
      const address = server.address();
      set(server, policy, typeof address === 'object' && address !== null);
    },
    udp(socket) {
      socket.once('listening', () => set(socket, udpPart, true, udpSkipped));
    },
  };
}

interface Marks {
  has(thing: object): boolean;
  add(thing: object): void;
}

/**
 * The sockets (and servers) one installed policy has been handed: a mark on
 * each, under a symbol of its own. Not a WeakSet: an entry for every
 * connection cost installPolicy about 2 % of a connection through
 * http.Agent, in the garbage collector's work on the table.
 */
function marks(): Marks {
  const mark = Symbol('sockctl.policy');
  type Marked = { [mark]?: true };
  return {
    has: (thing) => (thing as Marked)[mark] === true,
    add: (thing) => {
      (thing as Marked)[mark] = true;
    },
  };
}

/**
 * Applies `policy` to every TCP socket the process creates, client and
 * server, and to listeners and UDP sockets with the options that fit them:
 * - client sockets (`net.client.socket`; on Node 18/20, where TLS sockets
 *   skip that channel, also `http.client.request.start` and undici's
 *   `undici:client:connected`): at 'connect', after Node's own noDelay and
 *   keepalive, and held against later writes through Node (routes/hold.ts);
 * - accepted sockets (`net.server.socket`): at once;
 * - listeners (`tracing:net.server.listen:asyncEnd`, Node 20.16+/22.3+):
 *   once listening — listener options such as deferAcceptSecs, which the
 *   accepted sockets inherit;
 * - UDP sockets (`udp.socket`): once bound, without the TCP-only options.
 * Each socket is set once.
 */
export function installPolicy(given: Policy, options: PolicyOptions = {}): InstalledPolicy {
  const policy = checkPolicy(given, 'policy');
  validateObject(options, 'options');
  validateKeys(options, 'options', ['onApply', 'onError', 'onOverride', 'precedence']);
  validateFunction(options.onApply, 'options.onApply');
  validateFunction(options.onError, 'options.onError');
  validateHoldOptions(options, 'options');
  let installed = true;
  const set = setter(policy, options, () => installed);
  const seen = marks();
  // The census knows a listener's server only through the sockets it accepted: these are known by descriptor.
  const listeners = new Set<WeakRef<net.Server>>();
  // So that unreached() can name the sockets made from now on: those the channels show, and those the hook hands over.
  trackChannels();
  const subscriptions = CHANNELS.map(({ channel, extract, kind }) => {
    const fn = (message: unknown): void => {
      const socket = extract(message) as (net.Socket & net.Server & dgram.Socket) | null | undefined;
      if (!socket || seen.has(socket)) return;
      // A listener is seen once it listens.
      if (kind === 'listener' && !(socket as net.Server).listening) return;
      seen.add(socket);
      if (kind === 'listener') listeners.add(new WeakRef(socket));
      else if (kind !== 'udp') track(socket);
      set[kind](socket);
    };
    subscribe(channel, fn);
    return [channel, fn] as const;
  });
  // `new net.Socket().connect()`, which Node before 22.17/24.2 shows on no channel (connect-hook.ts).
  const handler = (name: string) => subscriptions.find(([n]) => n === name)![1];
  const client = handler('net.client.socket');
  const stopHook = onUnpublishedConnect((socket) => client({ socket }));
  // Bun: no server channel at all; its servers' emits show what they accept and when they listen (server-hook.ts).
  const accepted = handler('net.server.socket');
  const listening = handler('tracing:net.server.listen:asyncEnd');
  const stopServerHook = onServerEmit({
    connection: (socket) => accepted({ socket }),
    listening: (server) => listening({ server }),
  });
  return {
    uninstall() {
      if (!installed) return;
      installed = false;
      for (const [name, fn] of subscriptions) dc.unsubscribe(name, fn);
      stopHook();
      stopServerHook();
    },
    unreached() {
      const listening = new Set<number>();
      for (const ref of listeners) {
        const server = ref.deref();
        if (server?.listening) listening.add(fdOf(server));
        else listeners.delete(ref);
      }
      return listSockets().filter((entry) => !reached(entry, seen, listening));
    },
  };
}

/**
 * Whether the policy was handed the census entry's socket: a listener (by
 * descriptor, `listening`), or the connection's socket — the TLSSocket the census names, or
 * the socket inside it, which a channel may have handed out instead.
 */
function reached(entry: SocketEntry, seen: Marks, listening: ReadonlySet<number>): boolean {
  if (entry.state === 'LISTEN') return listening.has(entry.fd);
  for (let s = entry.socket; s !== undefined; s = innerOf(s)) if (seen.has(s)) return true;
  return false;
}
