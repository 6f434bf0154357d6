// Real loopback sockets for the tests, and the bounded waits they need.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { afterEach } from 'vitest';

const cleanups: Array<() => void> = [];

/** Runs after the current test, whatever happened in it. */
export function onCleanup(fn: () => void): void {
  cleanups.push(fn);
}

afterEach(() => {
  while (cleanups.length > 0) {
    try {
      cleanups.pop()!();
    } catch {
      // best effort: the socket may already be gone
    }
  }
});

export function track<T extends net.Socket | net.Server | { close(): unknown }>(thing: T): T {
  onCleanup(() => {
    if (thing instanceof net.Socket) thing.destroy();
    else thing.close();
  });
  return thing;
}

/** Polls `check` every 10 ms until it returns a truthy value, or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => T, ms = 3000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export type Host = '127.0.0.1' | '::1';

export async function listening(host: Host = '127.0.0.1', options: net.ServerOpts = {}): Promise<net.Server> {
  const server = track(net.createServer(options));
  server.listen(0, host);
  await once(server, 'listening');
  return server;
}

export function portOf(target: net.Server | net.Socket): number {
  if (target instanceof net.Server) return (target.address() as net.AddressInfo).port;
  return target.localPort!;
}

export interface Pair {
  server: net.Server;
  client: net.Socket;
  /** The server's side of the connection. */
  accepted: net.Socket;
}

/** A connected pair on loopback; both sides half-open capable, nothing auto-closed. */
export async function pair(host: Host = '127.0.0.1'): Promise<Pair> {
  const server = await listening(host, { allowHalfOpen: true });
  const acceptedP = once(server, 'connection') as Promise<[net.Socket]>;
  const client = track(net.connect({ port: portOf(server), host, allowHalfOpen: true }));
  await once(client, 'connect');
  const [accepted] = await acceptedP;
  track(accepted);
  return { server, client, accepted };
}

export interface FourTuple {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

export function tupleOf(socket: net.Socket): FourTuple {
  return {
    localAddress: socket.localAddress!,
    localPort: socket.localPort!,
    remoteAddress: socket.remoteAddress!,
    remotePort: socket.remotePort!,
  };
}

function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The states `ss` reports for exactly this 4-tuple, seen from its local
 * side: a witness outside sockctl. An ephemeral port alone would match
 * unrelated sockets, so the filter names all four parts.
 */
export function ssStates(t: FourTuple): string[] {
  const out = spawnSync(
    'ss',
    ['-H', '-tan', 'src', endpoint(t.localAddress, t.localPort), 'dst', endpoint(t.remoteAddress, t.remotePort)],
    { encoding: 'utf8' },
  );
  if (out.status !== 0) throw new Error(`ss failed: ${out.stderr || out.error}`);
  return out.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim().split(/\s+/)[0]);
}

/** How many descriptors this process has open. */
export function openFdCount(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** A descriptor number that is certainly closed right now. */
export function closedFd(): number {
  const fd = fs.openSync('/dev/null', 'r');
  fs.closeSync(fd);
  return fd;
}

/** Reads and discards everything the socket receives, so a close is not turned into RST by unread data. */
export function drain(socket: net.Socket): void {
  socket.on('data', () => {});
}

export function expectCode(fn: () => unknown, code: string): Error {
  try {
    fn();
  } catch (err) {
    if ((err as { code?: string }).code !== code) {
      throw new Error(`expected ${code}, got ${(err as { code?: string }).code}: ${(err as Error).message}`);
    }
    return err as Error;
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}
