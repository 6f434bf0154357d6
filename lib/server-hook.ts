// Bun (1.4) publishes no `net.server.socket` and no listen channel, so there
// a server's accepted sockets and its listening are seen as it emits
// 'connection' and 'listening'. Bun's net.Server and its http.Server (no
// net.Server there: it serves in native code) inherit emit from
// EventEmitter; one wrapper goes on each prototype (tls.Server's and
// https.Server's follow), on Bun only, on first use, and stays for the life
// of the process, as the connect hook's callers come and go.
import * as net from 'node:net';
import { BunHttpServer, runtime } from './node-internals';

export interface ServerListener {
  connection?(socket: net.Socket, server: net.Server): void;
  listening?(server: net.Server): void;
}

type Emit = (this: net.Server, event: string | symbol, ...args: unknown[]) => boolean;

const listeners = new Set<ServerListener>();
let hooked = false;

function hook(proto: { emit: Emit }): void {
  const original = proto.emit;
  proto.emit = function (this: net.Server, event, ...args) {
    if (event === 'connection' && args[0] instanceof net.Socket) {
      for (const l of listeners) l.connection?.(args[0], this);
    } else if (event === 'listening') {
      for (const l of listeners) l.listening?.(this);
    }
    return original.call(this, event, ...args);
  };
}

/**
 * On Bun, calls `listener` with each socket a server accepts and each server
 * that starts listening; elsewhere nothing (the channels show them).
 * Returns the function that stops it.
 */
export function onServerEmit(listener: ServerListener): () => void {
  if (runtime !== 'Bun') return () => {};
  if (!hooked) {
    hooked = true;
    for (const server of [net.Server, BunHttpServer!]) hook(server.prototype as never);
  }
  listeners.add(listener);
  return () => void listeners.delete(listener);
}
