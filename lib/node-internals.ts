// Every read of Node's private state, in one place, each with the Node
// versions it was verified on (the CI version matrix: 18.20, 20, 22.23,
// 24.21, 26.10). A Node release that moves one of these breaks here first.
import type * as dgram from 'node:dgram';
import * as net from 'node:net';

/** A libuv handle as Node's TCPWrap/UDPWrap/PipeWrap shows it: `fd` is -1 (or a negative error) before an OS socket exists, and on Windows always. */
export interface Handle {
  fd?: number;
}

/** net.Socket and net.Server keep their handle in `_handle` (18–26). */
export function handleOf(owner: net.Socket | net.Server): Handle | null | undefined {
  return (owner as unknown as { _handle?: Handle | null })._handle;
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

/** The methods of a TCP handle Node writes socket options with (setTypeOfService: 24.15+, 25.6+). */
export type WritableHandle = Handle &
  Partial<Record<'setKeepAlive' | 'setNoDelay' | 'setTypeOfService', (...args: unknown[]) => unknown>>;

// dgram keeps its handle in a symbol-keyed state object (18–26); the
// `_handle` getter on top of it is deprecated (DEP0112).
let dgramStateSymbol: symbol | undefined;
export function dgramHandle(socket: dgram.Socket): Handle | null | undefined {
  if (dgramStateSymbol === undefined) {
    dgramStateSymbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
    if (dgramStateSymbol === undefined) throw new Error('sockctl: cannot find the dgram socket state on this Node');
  }
  const state = (socket as unknown as Record<symbol, { handle?: Handle | null } | undefined>)[dgramStateSymbol];
  return state?.handle;
}

/** 'udp4' or 'udp6': dgram.Socket's `type` (18–26), not in its typings. */
export function dgramType(socket: dgram.Socket): string {
  return (socket as unknown as { type: string }).type;
}

/** The server that accepted a socket: Node sets `socket.server` in its accept callback (18–26). */
export function serverOf(socket: net.Socket | undefined): net.Server | undefined {
  const server = (socket as { server?: unknown } | undefined)?.server;
  return server instanceof net.Server ? server : undefined;
}

/** The agent http.request was given or defaulted to: `_defaultAgent` in the options it passes createConnection (18–26). */
export function defaultAgentOf(options: object): unknown {
  return (options as { _defaultAgent?: unknown })._defaultAgent;
}

/** Node 24.19+/26.4+: a socket Node binds before connect, and hands out the descriptor of. Public there; absent before. */
export const BoundSocket = (net as unknown as { BoundSocket?: new () => { fd(): number } }).BoundSocket;
