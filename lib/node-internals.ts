// Every read of Node's private state, in one place, each with the Node
// versions it was verified on (the CI version matrix: 18.20, 20, 22.23,
// 24.21, 26.10). A Node release that moves one of these breaks here first.
import type * as dgram from 'node:dgram';
import * as dc from 'node:diagnostics_channel';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { uvErrno } from './errors';

/**
 * The runtime: Node, or Bun or Deno, which load Node-API addons and give
 * their own `node:net`. Neither adopts a descriptor made first (a client's
 * `new net.Socket({ fd })`, a handle's open()), and neither gives its
 * handles an `fd`; Bun's is the one that lists no handles.
 */
export const runtime: 'Node' | 'Bun' | 'Deno' = process.versions.bun
  ? 'Bun'
  : (process.versions as { deno?: string }).deno
    ? 'Deno'
    : 'Node';

/** Bun's or Deno's name and version, as reports and the command line show them ('bun 1.4.5'); undefined on Node. */
export const otherRuntime: string | undefined =
  runtime === 'Node' ? undefined : `${runtime.toLowerCase()} ${process.versions[runtime.toLowerCase()]}`;

/** A libuv handle as Node's TCPWrap/UDPWrap/PipeWrap shows it: `fd` is -1 (or a negative error) before an OS socket exists, and on Windows always. */
export interface Handle {
  fd?: number;
}

/** net.Socket and net.Server keep their handle in `_handle` (18–26). */
export function handleOf(owner: net.Socket | net.Server): Handle | null | undefined {
  return (owner as unknown as { _handle?: Handle | null })._handle;
}

/**
 * Gives the TCP handle Node has just made in a socket's connect() — for an
 * IP address Node connects on the next tick (18–26) — the descriptor `fd`,
 * through libuv's uv_tcp_open: Node then connects that socket instead of
 * making its own. 0, or a negative errno (EBADF when there is no handle or
 * it cannot open one). Cheaper than `new net.Socket({ fd })`, whose guess
 * of the descriptor's type costs four system calls.
 */
export function openHandle(socket: net.Socket, fd: number): number {
  const handle = handleOf(socket) as { open?: (fd: number) => number } | null | undefined;
  if (typeof handle?.open !== 'function') return uvErrno('EBADF');
  return handle.open(fd);
}

/**
 * Whether `handle` is Node's TCP wrap (class name 'TCP', 18.20–26.10),
 * which libuv gives only to IPv4 and IPv6 stream sockets: a Unix socket's
 * is a Pipe. Saves asking the kernel what the socket is. False for a
 * handle of another runtime, which is then asked.
 */
export function isTcpWrap(handle: Handle): boolean {
  return (handle as { constructor?: { name?: string } }).constructor?.name === 'TCP';
}

/**
 * The TCP handle under a net.Socket or a TLSSocket: a TLSSocket's `_handle`
 * is a TLSWrap whose `_parent` is the TCP handle it encrypts, and it
 * forwards setKeepAlive, setNoDelay and setTypeOfService there — as does a
 * TLSSocket made around an existing socket, whose TCP handle that is
 * (18.20, 20, 22.23, 24.21, 26.10). Undefined without a handle.
 */
export function tcpHandleOf(socket: net.Socket): WritableHandle | undefined {
  let h = handleOf(socket) as (WritableHandle & { _parent?: WritableHandle }) | null | undefined;
  while (h?._parent) h = h._parent;
  return h ?? undefined;
}

/** The socket a TLSSocket was made around (`tls.connect({ socket })`, a tls.Server's): its `_parent` (18.20–26.10). */
export function innerOf(socket: net.Socket): net.Socket | undefined {
  const parent = (socket as { _parent?: unknown })._parent;
  return parent instanceof net.Socket ? parent : undefined;
}

/** The methods of a TCP handle Node writes socket options with (setTypeOfService: 24.15+, 25.6+). */
export type WritableHandle = Handle &
  Partial<Record<'setKeepAlive' | 'setNoDelay' | 'setTypeOfService', (...args: unknown[]) => unknown>>;

// dgram keeps its handle in a symbol-keyed state object (18–26); the
// `_handle` getter on top of it is deprecated (DEP0112).
let dgramStateSymbol: symbol | undefined;
export function dgramHandle(socket: dgram.Socket): Handle | null | undefined {
  if (dgramStateSymbol === undefined) {
    // Node's is 'state symbol' (18–26), Deno's 'kStateSymbol'.
    dgramStateSymbol = Object.getOwnPropertySymbols(socket).find(
      (s) => s.description === 'state symbol' || s.description === 'kStateSymbol',
    );
    if (dgramStateSymbol === undefined) throw new Error('sockctl: cannot find the dgram socket state on this Node');
  }
  const state = (socket as unknown as Record<symbol, { handle?: Handle | null } | undefined>)[dgramStateSymbol];
  return state?.handle;
}

/** 'udp4' or 'udp6': dgram.Socket's `type` (18–26), not in its typings. */
export function dgramType(socket: dgram.Socket): string {
  return (socket as unknown as { type: string }).type;
}

/**
 * What keeps the process alive right now: the owners (net.Socket,
 * net.Server, ...) of its ref'd handles — process._getActiveHandles(),
 * undocumented and unchanged on 18–26. An unref'd socket is not among them.
 */
export function activeHandles(): unknown[] {
  const list = (process as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
  return typeof list === 'function' ? list.call(process) : [];
}

/**
 * Bun (1.4) serves http in native code: its http.Server is no net.Server,
 * though it emits 'listening' and 'connection' (a net.Socket whose `server`
 * it is) as one does. Undefined elsewhere.
 */
export const BunHttpServer =
  runtime === 'Bun' ? (require('node:http') as typeof import('node:http')).Server : undefined;

/** The server that accepted a socket: `socket.server`, set in Node's accept callback (18–26) and by Bun's http. */
export function serverOf(socket: net.Socket | undefined): net.Server | undefined {
  const server = (socket as { server?: unknown } | undefined)?.server;
  if (server instanceof net.Server) return server;
  return BunHttpServer !== undefined && server instanceof BunHttpServer ? (server as unknown as net.Server) : undefined;
}

/** The agent http.request was given or defaulted to: `_defaultAgent` in the options it passes createConnection (18–26). */
export function defaultAgentOf(options: object): unknown {
  return (options as { _defaultAgent?: unknown })._defaultAgent;
}

/** Node 24.19+/26.4+: a socket Node binds before connect, and hands out the descriptor of. Public there; absent before. */
export const BoundSocket = (net as unknown as { BoundSocket?: new () => { fd(): number } }).BoundSocket;

/**
 * Calls `listener(tlsSocket, inner)` for each TLSSocket made around another
 * socket from now on: `tls.connect({ socket })` (pg's and mysql2's `ssl`),
 * and every socket a tls.Server accepts. No diagnostics channel shows it
 * (18–26), and the inner socket keeps no link out. TLSSocket's constructor
 * calls `this._wrapHandle(wrap)` with the socket it wraps: that socket when
 * it has a handle, else a JSStreamSocket whose `stream` it is (18.20, 20,
 * 22.23, 24.21, 26.10). Wrapped once on the prototype, for the life of the
 * process; a TLSSocket that connects itself passes nothing.
 */
export function onTlsWrap(listener: (tlsSocket: tls.TLSSocket, inner: net.Socket) => void): void {
  tlsListeners.push(listener);
  if (tlsListeners.length > 1) return;
  const proto = tls.TLSSocket.prototype as unknown as { _wrapHandle?: (wrap: unknown, ...rest: unknown[]) => unknown };
  const original = proto._wrapHandle;
  if (typeof original !== 'function') return;
  proto._wrapHandle = function (this: tls.TLSSocket, wrap: unknown, ...rest: unknown[]) {
    const result = original.call(this, wrap, ...rest);
    const stream = (wrap as { stream?: unknown } | null | undefined)?.stream;
    const inner = stream instanceof net.Socket ? stream : wrap;
    if (inner instanceof net.Socket) for (const l of tlsListeners) l(this, inner);
    return result;
  };
}
const tlsListeners: ((tlsSocket: tls.TLSSocket, inner: net.Socket) => void)[] = [];

// The channels subscribed to, held: Bun (1.4) keeps a channel only weakly
// and drops it, subscribers and all, at the next collection unless someone
// holds the object (oven-sh/bun#43086). Node and Deno hold their own.
const channels = new Map<string, dc.Channel>();

/** dc.subscribe(name, fn), with the channel held for the life of the process. */
export function subscribe(name: string, fn: (message: unknown, name: string | symbol) => void): void {
  if (!channels.has(name)) channels.set(name, dc.channel(name));
  dc.subscribe(name, fn);
}
