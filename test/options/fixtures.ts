// What the option tests share: this OS's row of each option, what this run
// can set and read back, sockets at each stage, and the values each option
// is set to. The tests of test/options/ prove every named option of the table
// (lib/options/table.ts) against the real kernel, on loopback only.
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { expect } from 'vitest';
import {
  features,
  getOption,
  MAX_LINGER_SECONDS,
  openBoundSocket,
  optionNames,
  optionTable,
  setOption,
  type OptionInput,
  type OptionName,
  type OptionRow,
  type Policy,
} from '../../lib';
import { onCleanup, track } from '../helpers/cleanup';
import { expectCode } from '../helpers/errors';
import { openUnboundTcp } from '../helpers/native';
import { emulator, hasNetPrivilege, under } from '../helpers/platform';
import { closeFd, listening, type Host } from '../helpers/sockets';

export const linux = process.platform === 'linux';
export const hosts: Host[] = ['127.0.0.1', '::1'];
export const UNAVAILABLE = 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM';
export const TOO_LATE = 'ERR_SOCKET_OPTION_TOO_LATE';
export const platform = process.platform as 'linux' | 'darwin' | 'win32';
/** One OS's row of an option: its level, name and bounds there. */
type OsOption = NonNullable<OptionRow['linux']>;

export function rowOf(name: OptionName): OptionRow {
  return optionTable[name] as OptionRow;
}
export function osRow(name: OptionName): OsOption | undefined {
  return rowOf(name)[platform];
}
/** This OS's bounds for an integer option (or linger's seconds). */
export function bounds(name: OptionName): { min: number; max: number } {
  const row = rowOf(name);
  const os = osRow(name);
  return {
    min: os?.min ?? row.min ?? 0,
    max: name === 'linger' ? MAX_LINGER_SECONDS : (os?.max ?? row.max ?? 0),
  };
}
export const supported = optionNames.filter((name) => features[name]);

/** Linux: a value read from /proc/sys, e.g. net/core/rmem_max. */
export function sysctl(name: string): string {
  return fs.readFileSync(`/proc/sys/${name}`, 'utf8').trim();
}

export const netPrivileged = linux && hasNetPrivilege();
export const qemu = emulator === 'qemu';

/**
 * Supported options this run cannot set, with the error it gets instead,
 * asserted wherever the option would be set. CI runs as root; without
 * CAP_NET_ADMIN/CAP_NET_RAW, mark and transparent get EPERM. qemu-user
 * translates getsockopt(SO_MARK), so `features` (which only reads) has
 * mark, but not setsockopt(SO_MARK).
 */
export const cannotSet = new Map<OptionName, string>();
if (linux && !netPrivileged) for (const name of ['mark', 'transparent'] as const) cannotSet.set(name, 'EPERM');
if (qemu && under('qemu', 'qemu-user translates getsockopt(SO_MARK) but not setsockopt: ENOPROTOOPT')) {
  cannotSet.set('mark', 'ENOPROTOOPT');
}
/** Options this run sets but cannot read back once set. */
const cannotReadBack = new Set<OptionName>(
  qemu && under('qemu', 'qemu-user answers getsockopt(SO_BINDTODEVICE) of a bound device with EINVAL')
    ? ['bindToDevice']
    : [],
);
/** The supported options this run can set, and of those, read back. */
export const settable = supported.filter((name) => !cannotSet.has(name));
export const readable = settable.filter((name) => !cannotReadBack.has(name));
/** A policy without what this run lacks or cannot set. */
export function allowed(policy: Policy): Policy {
  return Object.fromEntries(
    Object.entries(policy).filter(([name, value]) => value !== undefined && settable.includes(name as OptionName)),
  );
}

// --- sockets ----------------------------------------------------------------

/** A fresh TCP socket, neither bound nor connected. `own`: closed after the test (not when Node adopts it). */
export function unboundTcp(host: Host, own = true): number {
  const fd = openUnboundTcp(host === '::1');
  if (own) onCleanup(() => closeFd(fd));
  return fd;
}

export function boundTcp(host: Host): number {
  const fd = openBoundSocket({ type: 'tcp', address: host });
  onCleanup(() => closeFd(fd));
  return fd;
}

export function udp(host: Host): number {
  const fd = openBoundSocket({ type: 'udp', address: host });
  onCleanup(() => closeFd(fd));
  return fd;
}

/**
 * Linux: hands a socket sockctl made (options already set) to Node and
 * connects it — with `localAddress`, Node binds it first.
 */
export async function connectFrom(fd: number, host: Host, port: number, localAddress?: string): Promise<net.Socket> {
  let socket: net.Socket;
  try {
    socket = new net.Socket({ fd, readable: true, writable: true, manualStart: true } as net.SocketConstructorOpts);
  } catch (err) {
    closeFd(fd);
    throw err;
  }
  track(socket);
  socket.connect(localAddress === undefined ? { host, port } : { host, port, localAddress });
  await once(socket, 'connect');
  return socket;
}

/** A listener whose accepted sockets are closed after the test. */
export async function server(host: Host): Promise<net.Server> {
  const s = await listening(host);
  s.on('connection', (c: net.Socket) => track(c));
  return s;
}

/** A congestion algorithm this kernel has that is not `current`: reno unless that is the default. */
export function otherCongestion(current: string): string {
  const available = sysctl('net/ipv4/tcp_available_congestion_control').split(/\s+/);
  const other = ['reno', ...available].find((name) => name !== current && available.includes(name));
  if (other === undefined) throw new Error(`only ${current} is available`);
  return other;
}

// --- values -----------------------------------------------------------------

/**
 * The value each option is set to in the read-back test, and what the
 * kernel then reads back. Every option has a row (a new option without one
 * fails the type check). `initial` is what a fresh socket reads, when the
 * test must compute the value from it.
 */
export interface ReadBack<K extends OptionName> {
  set: (initial: OptionInput[K]) => OptionInput[K];
  /** Checks the value read back; default: equal to what was set. */
  check?: (got: unknown, set: OptionInput[K]) => void;
}
type ReadBacks = { [K in OptionName]: ReadBack<K> };

export const readBacks: ReadBacks = {
  keepAlive: { set: () => true },
  keepAliveIdleSecs: { set: () => 77 },
  keepAliveIntervalSecs: { set: () => 13 },
  keepAliveCount: { set: () => 4 },
  // Milliseconds, exactly.
  userTimeoutMs: { set: () => 12_345 },
  // Linux stores (and reads back) the double. 40000 rather than 65536: the
  // default (tcp_rmem's middle, 131072) is twice 65536 and would look untouched.
  recvBufferBytes: { set: () => 40_000, check: (got, set) => expect(got).toBe(set * 2) },
  sendBufferBytes: { set: () => 40_000, check: (got, set) => expect(got).toBe(set * 2) },
  // DSCP AF11 (0x28); TCP keeps the two ECN bits to itself (tested below).
  tos: { set: () => 0x28 },
  noDelay: { set: () => true },
  bindAddressNoPort: { set: () => true },
  ipv6Only: { set: (initial) => !initial },
  bindToDevice: { set: () => 'lo' },
  // Above 2^31: the unsigned option reads back unsigned.
  mark: { set: () => 0xfffffffe },
  notSentLowatBytes: { set: () => 16_384 },
  fastOpenQueue: { set: () => 5 },
  fastOpenConnect: { set: () => true },
  // A fresh socket is out of pingpong (delayed-ACK) mode, so it reads true;
  // false enters it. Not sticky on a live connection, so only set-and-read here.
  quickAck: { set: () => false },
  congestion: { set: (initial) => otherCongestion(initial) },
  maxSegBytes: { set: () => 1000 },
  // Read back rounded up to the SYN-ACK retransmission steps: 10 s reads 15.
  deferAcceptSecs: { set: () => 10, check: (got, set) => expect(got).toBeGreaterThanOrEqual(set) },
  freeBind: { set: () => true },
  transparent: { set: () => true },
  priority: { set: () => 5 },
  synRetries: { set: (initial) => (initial === 3 ? 4 : 3) },
  linger: { set: () => ({ enabled: true, seconds: 7 }) },
  reuseAddress: { set: () => true },
  reusePort: { set: () => true },
};

/**
 * A valid value of the right type for each option, accepted by every OS
 * that has it (Windows counts userTimeoutMs in whole seconds, from 1 s).
 */
export const samples: OptionInput = {
  keepAlive: true,
  keepAliveIdleSecs: 60,
  keepAliveIntervalSecs: 10,
  keepAliveCount: 5,
  userTimeoutMs: 30_000,
  recvBufferBytes: 65_536,
  sendBufferBytes: 65_536,
  tos: 0x28,
  noDelay: true,
  bindAddressNoPort: true,
  ipv6Only: true,
  bindToDevice: process.platform === 'darwin' ? 'lo0' : 'lo',
  mark: 7,
  notSentLowatBytes: 65_536,
  fastOpenQueue: 8,
  fastOpenConnect: true,
  quickAck: true,
  congestion: 'reno',
  maxSegBytes: 1200,
  deferAcceptSecs: 5,
  freeBind: true,
  transparent: true,
  priority: 3,
  synRetries: 5,
  linger: { enabled: false, seconds: 0 },
  reuseAddress: true,
  reusePort: true,
};

export const typeOf = { boolean: 'boolean', integer: 'number', string: 'string', linger: 'object' } as const;

/**
 * True, having asserted the refusal, when this platform lacks one of
 * `names`: a test of an option then proves ERR_FEATURE_UNAVAILABLE_ON_PLATFORM
 * instead of being skipped.
 */
export function unavailable(...names: OptionName[]): boolean {
  const missing = names.filter((name) => !features[name]);
  for (const name of missing) {
    const fd = unboundTcp(osRow(name)?.level === 'IPPROTO_IPV6' ? '::1' : '127.0.0.1');
    expectCode(() => setOption(fd, name, samples[name] as never), UNAVAILABLE);
    expectCode(() => getOption(fd, name), UNAVAILABLE);
  }
  return missing.length > 0;
}
