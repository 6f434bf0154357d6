// Real loopback sockets for the tests, and the bounded waits they need.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import util from 'node:util';
import { afterEach } from 'vitest';
import { constants, openBoundSocket } from '../lib';
import { native } from '../lib/native/binding';
import { under } from './helpers/platform';

/** Windows: targets are SOCKETs, witnesses are netstat and Winsock's answers, not /proc. */
export const windows = process.platform === 'win32';

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

/** A self-signed certificate for localhost, for TLS servers on loopback. */
export const tlsOptions = {
  key: fs.readFileSync(path.join(__dirname, 'fixtures', 'key.pem')),
  cert: fs.readFileSync(path.join(__dirname, 'fixtures', 'cert.pem')),
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

function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The states `ss` reports for exactly this 4-tuple, seen from its local
 * side: a witness outside sockctl (`netstat` on Windows). An ephemeral port
 * alone would match unrelated sockets, so the filter names all four parts.
 */
export function ssStates(t: FourTuple): string[] {
  if (windows) return netstatStates(t);
  if (process.platform === 'darwin') return bsdNetstatStates(t);
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

/**
 * ssStates on Windows: netstat's lines for the 4-tuple, its state names
 * spelled as ss spells them (TIME_WAIT → TIME-WAIT).
 */
function netstatStates(t: FourTuple): string[] {
  const family = t.localAddress.includes(':') ? 'TCPv6' : 'TCP';
  const out = spawnSync('netstat', ['-an', '-p', family], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`netstat failed: ${out.stderr || out.error}`);
  const local = endpoint(t.localAddress, t.localPort);
  const remote = endpoint(t.remoteAddress, t.remotePort);
  return out.stdout
    .split(/\r?\n/)
    .map((line) => line.trim().split(/\s+/))
    .filter(([proto, from, to]) => proto === 'TCP' && from === local && to === remote)
    .map((columns) => columns[3].replace(/_/g, '-'));
}

/**
 * ssStates on macOS: BSD netstat writes an endpoint as address.port
 * (127.0.0.1.5000, ::1.5000).
 */
function bsdNetstatStates(t: FourTuple): string[] {
  const out = spawnSync('netstat', ['-an', '-p', 'tcp'], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`netstat failed: ${out.stderr || out.error}`);
  const local = `${t.localAddress}.${t.localPort}`;
  const remote = `${t.remoteAddress}.${t.remotePort}`;
  return out.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([proto, , , from, to]) => proto?.startsWith('tcp') && from === local && to === remote)
    .map((columns) => columns[5].replace(/_/g, '-'));
}

/** True where ssStates has no witness for this address: Wine 8's netstat lists no IPv6 connection. */
export function noStateWitness(address: string): boolean {
  return address.includes(':') && under('wine', "Wine 8's netstat lists no IPv6 connection");
}

// Node shows Windows handles to no one, so the Windows helpers below look
// at handle values directly, up to a bound well past what a test process
// uses; Winsock tells sockets (getsockopt works), other open handles
// (ENOTSOCK) and unused values (EBADF) apart.
const HANDLE_SCAN_END = 1 << 16;

function handlesAnswering(rc: (answer: number) => boolean): Set<number> {
  const found = new Set<number>();
  for (let h = 4; h < HANDLE_SCAN_END; h += 4) {
    if (rc(native.getInt(h, constants.SOL_SOCKET, constants.SO_TYPE))) found.add(h);
  }
  return found;
}

/** How many descriptors this process has open; on Windows, how many sockets. */
export function openFdCount(): number {
  if (windows) return handlesAnswering((rc) => rc === 0).size;
  return fs.readdirSync(process.platform === 'darwin' ? '/dev/fd' : '/proc/self/fd').length;
}

/** A descriptor number (a SOCKET on Windows) that is certainly closed right now. */
export function closedFd(): number {
  if (windows) {
    const socket = openBoundSocket({ type: 'tcp', address: '127.0.0.1' });
    native.close(socket);
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

const errnoByCode = new Map([...util.getSystemErrorMap()].map(([errno, [code]]) => [code, errno]));

/** Node's own (negative) number for an error code on this OS: EBADF is -9 on Linux, -4083 on Windows. */
export function errnoOf(code: string): number {
  const errno = errnoByCode.get(code);
  if (errno === undefined) throw new Error(`no errno for ${code} here`);
  return errno;
}

/** Reads and discards everything the socket receives, so a close is not turned into RST by unread data. */
export function drain(socket: net.Socket): void {
  socket.on('data', () => {});
}

/** An int option as the OS wrote it: Winsock answers some BOOL options (TCP_NODELAY, IPV6_V6ONLY) with one byte. */
export function readInt(option: Buffer): number {
  return windows && option.length === 1 ? option[0] : option.readInt32LE();
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

/**
 * Linux: what `ss` shows of exactly one connection — timers, skmem, marks,
 * the congestion algorithm, tos, inet flags — a witness outside sockctl.
 */
export function ssOf(t: FourTuple): string {
  const out = spawnSync(
    'ss',
    [
      '-H',
      '-atnoeim',
      '--tos',
      '--inet-sockopt',
      'src',
      endpoint(t.localAddress, t.localPort),
      'dst',
      endpoint(t.remoteAddress, t.remotePort),
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (out.status !== 0) throw new Error(`ss failed: ${out.stderr || out.error}`);
  const sockets = out.stdout.split('\n').filter((line) => /^\S/.test(line));
  if (sockets.length !== 1) throw new Error(`ss matched ${sockets.length} sockets, not 1:\n${out.stdout}`);
  return out.stdout.replace(/\s+/g, ' ').trim();
}

export interface SsView {
  state: string;
  local: string;
  /** Seconds left on the keepalive timer; undefined without one. */
  keepaliveSecs?: number;
  fwmark?: number;
  rb: number;
  tb: number;
  tokens: string[];
  tos?: number;
  tclass?: number;
  classId?: number;
  inetFlags: string[];
  advmss: number;
}

export function parseSs(line: string): SsView {
  const [state, , , local] = line.split(' ');
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(line);
    return m ? Number(m[1]) : undefined;
  };
  // ss writes 3min19sec, 9sec, 976ms, and (iproute2 6.x) 4.976ms for 4 s and 976 ms.
  const timer = /timer:\(keepalive,(?:(\d+)min)?(?:(\d+(?:\.\d+)?)sec|(\d+)\.)?(?:(\d+)ms)?,/.exec(line);
  const skmem = /skmem:\(([^)]*)\)/.exec(line)?.[1] ?? '';
  return {
    state,
    local,
    keepaliveSecs: timer
      ? Number(timer[1] ?? 0) * 60 + Number(timer[2] ?? timer[3] ?? 0) + Number(timer[4] ?? 0) / 1000
      : undefined,
    fwmark: num(/\bfwmark:(0x[0-9a-f]+)/),
    rb: Number(/\brb(\d+)/.exec(skmem)?.[1]),
    tb: Number(/\btb(\d+)/.exec(skmem)?.[1]),
    tokens: line.split(' '),
    tos: num(/\btos:(0x[0-9a-f]+|\d+)/),
    tclass: num(/\btclass:(0x[0-9a-f]+|\d+)/),
    classId: num(/\bclass_id:(0x[0-9a-f]+|\d+)/),
    inetFlags: (/inet-sockopt: \(([^)]*)\)/.exec(line)?.[1] ?? '').trim().split(/\s+/),
    advmss: Number(/\badvmss:(\d+)/.exec(line)?.[1]),
  };
}

const DUP_SCRIPT = `
import errno, json, socket, sys
s = socket.socket(fileno=3)
out = []
for level, name, *value in json.loads(sys.argv[1]):
    try:
        if value:
            s.setsockopt(level, name, value[0])
            out.append('ok')
        else:
            out.append(s.getsockopt(level, name))
    except OSError as e:
        out.append(errno.errorcode[e.errno])
s.detach()
print(json.dumps(out))
`;

/**
 * Linux: int socket options on a duplicate of `fd`, in another process
 * (python3, which gets the descriptor as its fd 3): the kernel's own
 * answers, a witness outside sockctl. Each call is `[level, name]`, read
 * as an int, or `[level, name, value]`, set, answering 'ok' or the errno's
 * name ('EINVAL').
 */
export function sockoptOnDup(
  fd: number,
  calls: Array<[number, number] | [number, number, number]>,
): Array<number | string> {
  const out = spawnSync('python3', ['-c', DUP_SCRIPT, JSON.stringify(calls)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', fd],
    timeout: 10_000,
  });
  if (out.status !== 0) throw new Error(`python3 failed: ${out.stderr || out.error}`);
  return JSON.parse(out.stdout) as Array<number | string>;
}
