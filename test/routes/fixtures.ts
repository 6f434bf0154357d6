// What the route tests share: the policy they set, an HTTP server on
// loopback, and the check that a socket carries the policy. The policy
// routes run on real loopback traffic; the witness is `ss` on Linux
// (keepalive timer, skmem), and the kernel's read-back elsewhere.
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { expect } from 'vitest';
import { features, getOption, type ApplyResult, type Policy } from '../../lib';
import { track } from '../helpers/cleanup';
import { windows } from '../helpers/platform';
import { portOf, tupleOf, waitFor } from '../helpers/sockets';
import { parseSs, ssOf } from '../witness/ss';
import type { Syscall } from '../witness/strace';

export const linux = process.platform === 'linux';
// Node's own default is 2 h; the agent's keepalive is 1 s: 77 s is neither.
const IDLE = 77;
// Linux reads SO_RCVBUF back doubled, and the default (tcp_rmem's middle,
// 131072) is twice 65536: 40000 reads 80000, unlike any default.
export const RCVBUF = 40000;
export const policy: Policy = { keepAlive: true, keepAliveIdleSecs: IDLE, recvBufferBytes: RCVBUF, noDelay: true };

export async function httpServer(handler?: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = track(http.createServer(handler ?? ((_, res) => res.end('ok'))));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: portOf(server) };
}

/** GETs `url` and returns the socket the response came on, body read. */
export function get(options: http.RequestOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const req = http.get(options, (res) => {
      // A keep-alive agent unsets res.socket before 'end'.
      const socket = res.socket;
      res.resume();
      res.on('end', () => resolve(socket));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/**
 * When a route's policy reaches its socket: before connect where the
 * runtime adopts the socket sockctl made, at connect where none is adopted
 * (Windows, Bun, Deno).
 */
export const policyAt = features.bindHelpers ? 'before connect' : 'after connect';

/**
 * The policy, read back from the kernel (and on Linux seen by ss). Before
 * connect, the locked 80000-byte receive buffer also bounds the window
 * scale the SYN offers (to 1 at most); after connect the scale stays what
 * the system's limits gave the handshake.
 */
export async function expectPolicyOn(socket: net.Socket, when: 'before connect' | 'after connect'): Promise<void> {
  expect(getOption(socket, 'keepAlive')).toBe(true);
  expect(getOption(socket, 'noDelay')).toBe(true);
  // Windows before 1709 (and Wine 8) set the idle time through an ioctl that cannot be read back.
  if (features.keepAliveIdleSecs && !windows) expect(getOption(socket, 'keepAliveIdleSecs')).toBe(IDLE);
  if (linux) {
    expect(getOption(socket, 'recvBufferBytes')).toBe(2 * RCVBUF);
    // ss shows one timer: while data is in flight (a TLS handshake's last
    // write), the retransmission timer stands in the keepalive's place.
    let detail = '';
    await waitFor('ss to show a timer other than retransmission', () => {
      detail = ssOf(tupleOf(socket));
      return !/\btimer:\(on,/.test(detail);
    });
    const timer = parseSs(detail).keepaliveSecs;
    // The timer counts down from the idle time: well above the agent's 1 s.
    expect(timer, detail).toBeGreaterThan(IDLE - 10);
    expect(timer, detail).toBeLessThanOrEqual(IDLE);
    expect(parseSs(detail).rb).toBe(2 * RCVBUF);
    if (when === 'before connect')
      expect(Number(/\bwscale:\d+,(\d+)/.exec(detail)?.[1]), detail).toBeLessThanOrEqual(1);
  }
}

/** A loopback port nothing listens on: one just released. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = portOf(server);
  server.close();
  await once(server, 'close');
  return port;
}

/** What a descriptor of this process names: socket:[inode] (Linux), else its number. */
export function descriptorName(fd: number): string {
  return linux ? fs.readlinkSync(`/proc/self/fd/${fd}`) : String(fd);
}
export function openDescriptorNames(): string[] {
  if (!linux) return fs.readdirSync('/dev/fd');
  return fs.readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [fs.readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return [];
    }
  });
}

/** What every onApply saw. */
export function recorder(): { results: [ApplyResult, unknown][]; onApply: (r: ApplyResult, s: unknown) => void } {
  const results: [ApplyResult, unknown][] = [];
  return { results, onApply: (r, s) => results.push([r, s]) };
}

/**
 * In an strace of a client bound to 127.0.0.1 with bindAddressNoPort, the
 * descriptor that got IP_BIND_ADDRESS_NO_PORT had every one of `options`
 * set before its bind, and the bind before its connect.
 */
export function expectSetBeforeBindAndConnect(traced: Syscall[], options: RegExp[]): void {
  const fd = traced.find((c) => c.call === 'setsockopt' && /^SOL_IP, IP_BIND_ADDRESS_NO_PORT/.test(c.args))?.fd;
  expect(fd, traced.map((c) => c.line).join('\n')).toBeDefined();
  const calls = traced.filter((c) => c.fd === fd).map((c) => c.line);
  const at = (re: RegExp): number => calls.findIndex((l) => re.test(l));
  const bind = at(/bind\(\d+, \{sa_family=AF_INET, sin_port=htons\(0\), sin_addr=inet_addr\("127\.0\.0\.1"\)/);
  const connect = at(/connect\(\d+, \{sa_family=AF_INET, sin_port=htons\(\d+\), sin_addr=inet_addr\("127\.0\.0\.1"\)/);
  expect(bind, calls.join('\n')).toBeGreaterThan(0);
  expect(connect).toBeGreaterThan(bind);
  for (const option of options) {
    const i = at(option);
    expect(i, `${option} in\n${calls.join('\n')}`).toBeGreaterThanOrEqual(0);
    expect(i).toBeLessThan(bind);
  }
}
