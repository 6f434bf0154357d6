// Real loopback sockets for the tests, the descriptors behind them, and the
// bounded waits they need.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fdOf, openBoundSocket } from '../../lib';
import { onCleanup, track } from './cleanup';
import { errnoOf } from './errors';
import { closeSocket, socketTypeAnswer } from './native';
import { emulator, runtime, windows } from './platform';

// Under Wine a census asks wineserver for each socket (about 150 ms for 20),
// and with the other test files running beside it a watchdog's few samples
// can take seconds: the default bound is longer there, never unbounded.
const WAIT_MS = emulator === 'wine' ? 15_000 : 3000;

/** Polls `check` every 10 ms until it returns a truthy value, or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => T, ms = WAIT_MS): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export type Host = '127.0.0.1' | '::1';

/** A bound dgram.Socket, closed at the end of the test. */
export async function boundDgram(host: Host = '127.0.0.1'): Promise<dgram.Socket> {
  const socket = track(dgram.createSocket(host === '::1' ? 'udp6' : 'udp4'));
  socket.bind(0, host);
  await once(socket, 'listening');
  return socket;
}

export async function listening(host: Host = '127.0.0.1', options: net.ServerOpts = {}): Promise<net.Server> {
  const server = track(net.createServer(options));
  server.listen(0, host);
  await once(server, 'listening');
  return server;
}

export function portOf(target: net.Server | net.Socket): number {
  // A socket, by its own port; anything else by its address: Bun's http.Server is no net.Server.
  if (target instanceof net.Socket) return target.localPort!;
  return (target.address() as net.AddressInfo).port;
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

/** A self-signed certificate for localhost, for TLS servers on loopback. */
export const tlsOptions = {
  key: fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'key.pem')),
  cert: fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'cert.pem')),
};

/** A TLS connection on loopback, handshake done: the client and the server's side. */
export async function tlsPair(): Promise<{ server: tls.Server; client: tls.TLSSocket; accepted: tls.TLSSocket }> {
  const server = track(tls.createServer(tlsOptions));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const secured = once(server, 'secureConnection') as Promise<[tls.TLSSocket]>;
  const client = track(tls.connect({ port: portOf(server), host: '127.0.0.1', rejectUnauthorized: false }));
  await once(client, 'secureConnect');
  const [accepted] = await secured;
  return { server, client, accepted: track(accepted) };
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

/** Reads and discards everything the socket receives, so a close is not turned into RST by unread data. */
export function drain(socket: net.Socket): void {
  socket.on('data', () => {});
}

/**
 * Closes a descriptor no Node object owns (one from openBoundSocket): a
 * SOCKET on Windows. Deno's fs takes its own resource ids, not descriptors.
 */
export function closeFd(fd: number): void {
  if (windows || runtime === 'Deno') closeSocket(fd);
  else fs.closeSync(fd);
}

// Node shows Windows handles to no one, so the Windows helpers below look
// at handle values directly, up to a bound well past what a test process
// uses; Winsock tells sockets (getsockopt works), other open handles
// (ENOTSOCK) and unused values (EBADF) apart.
const HANDLE_SCAN_END = 1 << 16;

function handlesAnswering(rc: (answer: number) => boolean): Set<number> {
  const found = new Set<number>();
  for (let h = 4; h < HANDLE_SCAN_END; h += 4) {
    if (rc(socketTypeAnswer(h))) found.add(h);
  }
  return found;
}

/**
 * How many descriptors this process has open; on Windows, how many sockets.
 * On Bun and Deno, how many sockets: their runtimes open descriptors of
 * their own (event loops, threads) on first use.
 */
export function openFdCount(): number {
  if (windows) return handlesAnswering((rc) => rc === 0).size;
  const fds = fs.readdirSync(process.platform === 'darwin' ? '/dev/fd' : '/proc/self/fd');
  if (runtime === undefined || process.platform !== 'linux') return fds.length;
  return fds.filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false; // the directory's own descriptor, closed by now
    }
  }).length;
}

/** A descriptor number (a SOCKET on Windows) that is certainly closed right now. */
export function closedFd(): number {
  // Deno's fs.openSync gives a resource id, not a descriptor.
  if (windows || runtime === 'Deno') {
    const socket = openBoundSocket({ type: 'tcp', address: '127.0.0.1' });
    closeSocket(socket);
    return socket;
  }
  const fd = fs.openSync('/dev/null', 'r');
  fs.closeSync(fd);
  return fd;
}

/**
 * Windows: the handle values that `open` adds to this process, other than
 * sockets — a file's or a pipe's handle, which Node never shows (its fs
 * descriptors are the C runtime's numbers).
 */
export function newHandles(open: () => void): number[] {
  const notSocket = (rc: number): boolean => rc === errnoOf('ENOTSOCK');
  const before = handlesAnswering(notSocket);
  open();
  return [...handlesAnswering(notSocket)].filter((h) => !before.has(h));
}

/**
 * A second descriptor of `socket`'s OS socket in this process: the socket
 * sent to a child over IPC and back (the copy and the child go after the
 * test). Deno, whose handle passing over IPC often never answers, makes one
 * itself: its handles' fdForIpc() returns a new dup() on each call, closed
 * here after the test.
 */
export async function secondDescriptor(socket: net.Socket): Promise<number> {
  if (runtime === 'Deno') {
    const fd = (socket as unknown as { _handle: { fdForIpc(): number } })._handle.fdForIpc();
    onCleanup(() => closeFd(fd));
    return fd;
  }
  const child = spawn(process.execPath, ['-e', `process.on('message', (m, h) => process.send('back', h));`], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  onCleanup(() => child.kill());
  const back = once(child, 'message');
  child.send('there', socket, { keepOpen: true });
  const [, copy] = (await back) as [string, net.Socket];
  return fdOf(track(copy));
}
