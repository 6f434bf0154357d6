// Every named option of the table (lib/options/table.ts) against the real
// kernel, on loopback only. On Linux each option has a witness outside
// sockctl wherever one exists:
// - `ss -tnoeim --tos --inet-sockopt` for what the kernel shows of exactly
//   one connection: keepalive timer, fwmark, skmem, congestion algorithm,
//   bound device, tos/tclass and priority, inet flags, advertised MSS;
// - strace of a child process for the order of system calls: an option
//   that must precede bind or connect does, and one that is too late, or
//   part of an invalid policy, makes no system call at all;
// - the kernel's own answers: bind refusing an IPv4-mapped address
//   (ipv6Only), a deferred accept held in SYN-RECV (deferAcceptSecs);
// and read-back from an initial value that differs for the rest. The
// socket's stage (unbound, bound, listening, connected) decides too-late.
// Elsewhere (macOS, Windows, Wine): what `features` and the table promise.
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  apply,
  constants,
  features,
  getOption,
  MAX_LINGER_SECONDS,
  openBoundSocket,
  optionNames,
  optionTable,
  setOption,
  setsockopt,
  type ApplyError,
  type OptionInput,
  type OptionName,
  type OptionRow,
  type Phase,
  type Policy,
  type TooLateError,
} from '../lib';
import { onCleanup, track } from './helpers/cleanup';
import { errnoOf, expectCode } from './helpers/errors';
import { BINDING_PATH, openUnboundTcp } from './helpers/native';
import { emulator, hasNetPrivilege, under } from './helpers/platform';
import { closedFd, closeFd, type Host, listening, pair, portOf, tupleOf, waitFor } from './helpers/sockets';
import { bindOnDup } from './witness/dup';
import { parseSs, ssOf } from './witness/ss';
import { straceNode, straceWorks, type Syscall } from './witness/strace';

const linux = process.platform === 'linux';
const hosts: Host[] = ['127.0.0.1', '::1'];
const UNAVAILABLE = 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM';
const TOO_LATE = 'ERR_SOCKET_OPTION_TOO_LATE';
const platform = process.platform as 'linux' | 'darwin' | 'win32';
/** One OS's row of an option: its level, name and bounds there. */
type OsOption = NonNullable<OptionRow['linux']>;

function rowOf(name: OptionName): OptionRow {
  return optionTable[name] as OptionRow;
}
function osRow(name: OptionName): OsOption | undefined {
  return rowOf(name)[platform];
}
/** This OS's bounds for an integer option (or linger's seconds). */
function bounds(name: OptionName): { min: number; max: number } {
  const row = rowOf(name);
  const os = osRow(name);
  return {
    min: os?.min ?? row.min ?? 0,
    max: name === 'linger' ? MAX_LINGER_SECONDS : (os?.max ?? row.max ?? 0),
  };
}
const supported = optionNames.filter((name) => features[name]);

/** Linux: a value read from /proc/sys, e.g. net/core/rmem_max. */
function sysctl(name: string): string {
  return fs.readFileSync(`/proc/sys/${name}`, 'utf8').trim();
}

const netPrivileged = linux && hasNetPrivilege();
const qemu = emulator === 'qemu';

/**
 * Supported options this run cannot set, with the error it gets instead,
 * asserted wherever the option would be set. CI runs as root; without
 * CAP_NET_ADMIN/CAP_NET_RAW, mark and transparent get EPERM. qemu-user
 * translates getsockopt(SO_MARK), so `features` (which only reads) has
 * mark, but not setsockopt(SO_MARK).
 */
const cannotSet = new Map<OptionName, string>();
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
const settable = supported.filter((name) => !cannotSet.has(name));
const readable = settable.filter((name) => !cannotReadBack.has(name));
/** A policy without what this run lacks or cannot set. */
function allowed(policy: Policy): Policy {
  return Object.fromEntries(
    Object.entries(policy).filter(([name, value]) => value !== undefined && settable.includes(name as OptionName)),
  );
}

// --- sockets ----------------------------------------------------------------

/** A fresh TCP socket, neither bound nor connected. `own`: closed after the test (not when Node adopts it). */
function unboundTcp(host: Host, own = true): number {
  const fd = openUnboundTcp(host === '::1');
  if (own) onCleanup(() => closeFd(fd));
  return fd;
}

function boundTcp(host: Host): number {
  const fd = openBoundSocket({ type: 'tcp', address: host });
  onCleanup(() => closeFd(fd));
  return fd;
}

function udp(host: Host): number {
  const fd = openBoundSocket({ type: 'udp', address: host });
  onCleanup(() => closeFd(fd));
  return fd;
}

/**
 * Linux: hands a socket sockctl made (options already set) to Node and
 * connects it — with `localAddress`, Node binds it first.
 */
async function connectFrom(fd: number, host: Host, port: number, localAddress?: string): Promise<net.Socket> {
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
async function server(host: Host): Promise<net.Server> {
  const s = await listening(host);
  s.on('connection', (c: net.Socket) => track(c));
  return s;
}

/** A congestion algorithm this kernel has that is not `current`: reno unless that is the default. */
function otherCongestion(current: string): string {
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
interface ReadBack<K extends OptionName> {
  set: (initial: OptionInput[K]) => OptionInput[K];
  /** Checks the value read back; default: equal to what was set. */
  check?: (got: unknown, set: OptionInput[K]) => void;
}
type ReadBacks = { [K in OptionName]: ReadBack<K> };

const readBacks: ReadBacks = {
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
const samples: OptionInput = {
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

const typeOf = { boolean: 'boolean', integer: 'number', string: 'string', linger: 'object' } as const;

/**
 * True, having asserted the refusal, when this platform lacks one of
 * `names`: a test of an option then proves ERR_FEATURE_UNAVAILABLE_ON_PLATFORM
 * instead of being skipped.
 */
function unavailable(...names: OptionName[]): boolean {
  const missing = names.filter((name) => !features[name]);
  for (const name of missing) {
    const fd = unboundTcp(osRow(name)?.level === 'IPPROTO_IPV6' ? '::1' : '127.0.0.1');
    expectCode(() => setOption(fd, name, samples[name] as never), UNAVAILABLE);
    expectCode(() => getOption(fd, name), UNAVAILABLE);
  }
  return missing.length > 0;
}

// --- features and the table, on every OS -----------------------------------

describe('features', () => {
  it('has a boolean for every option name, plus tcpInfo and bindHelpers, and nothing else', () => {
    expect(Object.keys(features).sort()).toEqual([...optionNames, 'tcpInfo', 'bindHelpers'].sort());
    for (const [name, value] of Object.entries(features)) expect(typeof value, name).toBe('boolean');
    expect(Object.isFrozen(features)).toBe(true);
  });

  it('supports no option that has no row for this OS', () => {
    const withoutRow = optionNames.filter((name) => osRow(name) === undefined);
    for (const name of withoutRow) expect(features[name], name).toBe(false);
    // Linux has a row for every option; macOS and Windows lack some.
    if (linux) expect(withoutRow).toEqual([]);
    else expect(withoutRow.length).toBeGreaterThan(0);
  });

  // Linux 4.11+ has every option; qemu-user answers some options it cannot
  // translate with ENOPROTOOPT, and features then reports them missing.
  it.runIf(linux)('on Linux, supports every option natively (under qemu, what qemu translates)', () => {
    const missing = optionNames.filter((name) => !features[name]);
    if (emulator === 'qemu') console.log(`under qemu, features lacks: ${missing.join(', ') || 'nothing'}`);
    else expect(missing).toEqual([]);
    // The options of every OS are there even under emulation.
    for (const name of ['keepAlive', 'recvBufferBytes', 'noDelay', 'linger', 'reuseAddress'] as const) {
      expect(features[name], name).toBe(true);
    }
  });

  describe.each(optionNames)('%s', (name) => {
    const row = rowOf(name);
    // The family the load-time probe asked: IPv6 for an IPv6-level option.
    const host: Host = osRow(name)?.level === 'IPPROTO_IPV6' ? '::1' : '127.0.0.1';

    it(`either works or throws ${UNAVAILABLE}, as features says`, () => {
      const fd = unboundTcp(host);
      const value = samples[name];
      if (!features[name]) {
        for (const call of [() => setOption(fd, name, value as never), () => getOption(fd, name)]) {
          const err = expectCode(call, UNAVAILABLE);
          expect(err).toBeInstanceOf(TypeError);
          expect(err.message).toContain(name);
        }
        // Skipped by name, whatever its value: nothing is validated or set.
        expect(apply(fd, { [name]: value })).toEqual({ applied: [], skipped: [{ name, reason: 'unsupported' }] });
        expect(apply(fd, { [name]: Symbol('not even a value') } as Policy).skipped).toEqual([
          { name, reason: 'unsupported' },
        ]);
        return;
      }
      // Windows before build 1709 sets the keepalive times through a
      // write-only ioctl: supported, but not readable.
      try {
        expect(typeof getOption(fd, name)).toBe(typeOf[row.value]);
      } catch (err) {
        expect(platform === 'win32' && /^keepAlive(Idle|Interval)Secs$/.test(name), String(err)).toBe(true);
        expect((err as { code?: string }).code).toBe(UNAVAILABLE);
      }
      // An unbound socket: every phase is still in time.
      if (settable.includes(name)) expect(apply(fd, { [name]: value })).toEqual({ applied: [name], skipped: [] });
      else expectCode(() => apply(fd, { [name]: value }), cannotSet.get(name)!);
    });
  });
});

describe.runIf(qemu)('under qemu-user', () => {
  it('the exceptions taken are qemu’s own: mark reads but does not set, bindToDevice sets but does not read back', () => {
    const fd = unboundTcp('127.0.0.1');
    expect(features.mark).toBe(true);
    expect(getOption(fd, 'mark')).toBe(0);
    expectCode(() => setOption(fd, 'mark', 1), 'ENOPROTOOPT');
    expect(getOption(fd, 'bindToDevice')).toBe('');
    setOption(fd, 'bindToDevice', 'lo');
    expectCode(() => getOption(fd, 'bindToDevice'), 'EINVAL');
  });
});

// --- read-back, socket2 style: initial, set, get, compare ------------------

describe.runIf(linux).each(hosts)('read-back on %s', (host) => {
  const v6 = host === '::1';

  it.each(readable)('%s: reads back what was set, from an initial value that differs', (name) => {
    const fd = unboundTcp(host);
    if (name === 'ipv6Only' && !v6) {
      // An IPv6 option on an IPv4 socket: the kernel's refusal, as a system error.
      const get = expectCode(() => getOption(fd, name), 'ENOTSUP') as NodeJS.ErrnoException;
      expect(get.syscall).toBe('getsockopt');
      const set = expectCode(() => setOption(fd, name, true), 'ENOPROTOOPT') as NodeJS.ErrnoException;
      expect(set.syscall).toBe('setsockopt');
      expect(set.errno).toBe(errnoOf('ENOPROTOOPT'));
      return;
    }
    const { set, check } = readBacks[name] as ReadBack<OptionName>;
    const initial = getOption(fd, name);
    const value = set(initial as never);
    expect(initial).not.toEqual(value);
    setOption(fd, name, value as never);
    const got = getOption(fd, name);
    if (check) check(got, value as never);
    else expect(got).toEqual(value);
    expect(got).not.toEqual(initial);
  });

  it('reads the listener options back from a Node listener', async () => {
    const s = await server(host);
    if (!unavailable('fastOpenQueue')) {
      expect(getOption(s, 'fastOpenQueue')).toBe(0);
      setOption(s, 'fastOpenQueue', 16);
      expect(getOption(s, 'fastOpenQueue')).toBe(16);
    }
    if (!unavailable('deferAcceptSecs')) {
      expect(getOption(s, 'deferAcceptSecs')).toBe(0);
      setOption(s, 'deferAcceptSecs', 1);
      expect(getOption(s, 'deferAcceptSecs')).toBeGreaterThanOrEqual(1);
    }
  });

  it('takes every bound of every integer option, and the kernel keeps or clamps it as documented', () => {
    const rmemMax = Number(sysctl('net/core/rmem_max'));
    const wmemMax = Number(sysctl('net/core/wmem_max'));
    const somaxconn = Number(sysctl('net/core/somaxconn'));
    for (const name of settable) {
      if (rowOf(name).value !== 'integer') continue;
      const { min, max } = bounds(name);
      for (const value of [min, max]) {
        const fd = unboundTcp(host);
        if (name === 'priority' && value > 6 && !netPrivileged) {
          expectCode(() => setOption(fd, name, value), 'EPERM');
          continue;
        }
        setOption(fd, name, value as never);
        const got = getOption(fd, name) as number;
        const where = `${name} = ${value}`;
        switch (name) {
          case 'recvBufferBytes':
          case 'sendBufferBytes':
            // Doubled and capped at twice net.core.[rw]mem_max; 1 reads the
            // kernel's floor (a few kB).
            if (value === max) expect(got, where).toBe(2 * (name === 'recvBufferBytes' ? rmemMax : wmemMax));
            else expect(got, where).toBeGreaterThan(2 * value);
            break;
          case 'tos':
            // TCP keeps the ECN bits (the low two) to itself: 255 reads 252.
            expect(got, where).toBe(value & ~3);
            break;
          case 'maxSegBytes':
            // 0 means the default, which an unconnected socket reads as 536.
            expect(got, where).toBe(value === 0 ? 536 : value);
            break;
          case 'fastOpenQueue':
            // The queue is capped at net.core.somaxconn.
            expect(got, where).toBe(Math.min(value, somaxconn));
            break;
          case 'deferAcceptSecs':
            // Counted in SYN-ACK retransmissions, at most 255 of them (29887 s
            // with the 120 s RTO cap): a huge value reads back smaller.
            if (value === 0) expect(got, where).toBe(0);
            else expect(got, where).toBeGreaterThan(0);
            break;
          default:
            expect(got, where).toBe(value);
        }
      }
    }
  });

  it('lets TCP keep the ECN bits of tos to itself', () => {
    if (unavailable('tos')) return;
    const fd = unboundTcp(host);
    setOption(fd, 'tos', 0x2b);
    expect(getOption(fd, 'tos')).toBe(0x28);
  });

  it('keeps the priority a policy sets with tos: IPv4 tos rewrites the priority, and the table sets priority after it', () => {
    if (unavailable('tos', 'priority')) return;
    const first = unboundTcp(host);
    setOption(first, 'priority', 5);
    setOption(first, 'tos', 0x28);
    // IP_TOS maps the tos to a priority (0x28: 2, bulk); IPV6_TCLASS does not.
    expect(getOption(first, 'priority')).toBe(v6 ? 5 : 2);
    const both = unboundTcp(host);
    apply(both, { priority: 5, tos: 0x28 });
    expect(getOption(both, 'priority')).toBe(5);
    expect(getOption(both, 'tos')).toBe(0x28);
  });

  it('reads a linger and a quickAck back on a connected socket too', async () => {
    const { client } = await pair(host);
    setOption(client, 'linger', 3);
    expect(getOption(client, 'linger')).toEqual({ enabled: true, seconds: 3 });
    setOption(client, 'linger', false);
    expect(getOption(client, 'linger')).toEqual({ enabled: false, seconds: 0 });
    if (!unavailable('quickAck')) {
      // Quick-ack mode is the kernel's to leave again; setting it works.
      setOption(client, 'quickAck', true);
      expect(typeof getOption(client, 'quickAck')).toBe('boolean');
    }
  });

  it('needs CAP_NET_ADMIN (or CAP_NET_RAW) for mark and transparent, which this process has or has not', () => {
    for (const [name, value] of [
      ['mark', 1],
      ['transparent', true],
    ] as const) {
      if (unavailable(name)) continue;
      const fd = unboundTcp(host);
      const refusal = cannotSet.get(name);
      expect(refusal === 'EPERM').toBe(!netPrivileged);
      if (refusal) {
        expectCode(() => setOption(fd, name, value as never), refusal);
      } else {
        setOption(fd, name, value as never);
        expect(getOption(fd, name)).toBe(value);
      }
    }
  });
});

// --- witnesses outside sockctl: ss ------------------------------------------

describe.runIf(linux).each(hosts)('what ss shows on %s', (host) => {
  const v6 = host === '::1';
  // Every option ss shows, set on an unbound socket before Node connects it.
  const policyFor = (congestion: string): Policy => {
    const all: Policy = {
      keepAlive: true,
      keepAliveIdleSecs: 77,
      mark: 0x5eed,
      recvBufferBytes: 40_000,
      sendBufferBytes: 40_000,
      congestion,
      bindToDevice: 'lo',
      tos: 0x28,
      priority: 5,
      maxSegBytes: 1000,
      freeBind: true,
      transparent: true,
      bindAddressNoPort: true,
    };
    return allowed(all);
  };

  it('shows each option set before connect on exactly that connection, and none on a plain one', async () => {
    const s = await server(host);
    const control = ssOf(tupleOf((await pair(host)).client));
    const plain = parseSs(control);
    const defaultCongestion = features.congestion ? getOption(unboundTcp(host), 'congestion') : '';
    const policy = policyFor(features.congestion ? otherCongestion(defaultCongestion) : '');

    const fd = unboundTcp(host, false);
    let result;
    try {
      result = apply(fd, policy);
    } catch (err) {
      closeFd(fd);
      throw err;
    }
    expect(result).toEqual({ applied: optionNames.filter((n) => n in policy), skipped: [] });
    // With a local address, Node binds it first (bindAddressNoPort needs a bind).
    const client = await connectFrom(fd, host, portOf(s), host);
    const line = ssOf(tupleOf(client));
    const seen = parseSs(line);
    const why = `ss: ${line}\ncontrol: ${control}`;

    expect(seen.state, why).toBe('ESTAB');
    if (policy.keepAlive) {
      // The keepalive timer runs down from the idle time, not the default 2 h.
      expect(plain.keepaliveSecs, why).toBeUndefined();
      expect(seen.keepaliveSecs, why).toBeGreaterThan(60);
      expect(seen.keepaliveSecs, why).toBeLessThanOrEqual(77);
    }
    if (policy.mark) {
      expect(plain.fwmark, why).toBeUndefined();
      expect(seen.fwmark, why).toBe(0x5eed);
    }
    if (policy.recvBufferBytes) {
      // The kernel's double of what was set; the receive window scale with it.
      expect(plain.rb, why).not.toBe(80_000);
      expect(seen.rb, why).toBe(80_000);
    }
    if (policy.sendBufferBytes) {
      expect(plain.tb, why).not.toBe(80_000);
      expect(seen.tb, why).toBe(80_000);
    }
    if (policy.congestion) {
      expect(plain.tokens, why).toContain(defaultCongestion);
      expect(plain.tokens, why).not.toContain(policy.congestion);
      expect(seen.tokens, why).toContain(policy.congestion);
      expect(seen.tokens, why).not.toContain(defaultCongestion);
    }
    if (policy.bindToDevice) {
      expect(plain.local, why).not.toContain('%');
      expect(seen.local, why).toBe(`${v6 ? `[${host}]` : host}%lo:${client.localPort}`);
    }
    if (policy.tos !== undefined) {
      // IPV6_TCLASS on an IPv6 socket; ss shows it as tclass.
      expect(v6 ? plain.tclass : plain.tos, why).toBe(0);
      expect(v6 ? seen.tclass : seen.tos, why).toBe(0x28);
    }
    if (policy.priority) {
      // ss reports the priority as class_id where no net_cls class is set.
      expect(plain.classId ?? 0, why).toBe(0);
      expect(seen.classId, why).toBe(5);
    }
    if (policy.maxSegBytes) {
      // The SYN announced at most 1000 (less the timestamp option), not the
      // loopback's ~65 kB.
      expect(plain.advmss, why).toBeGreaterThan(1000);
      expect(seen.advmss, why).toBeLessThanOrEqual(1000);
      expect(seen.advmss, why).toBeGreaterThanOrEqual(1000 - 40);
    }
    const flags = { freeBind: 'freebind', transparent: 'transparent', bindAddressNoPort: 'bind_addr_no_port' } as const;
    for (const [name, flag] of Object.entries(flags)) {
      if (!policy[name as OptionName]) continue;
      expect(plain.inetFlags, why).not.toContain(flag);
      expect(seen.inetFlags, why).toContain(flag);
    }
  });

  it('shows keepAlive set after connect as a keepalive timer of the idle time', async () => {
    const { client } = await pair(host);
    const tuple = tupleOf(client);
    expect(parseSs(ssOf(tuple)).keepaliveSecs).toBeUndefined();
    apply(client, { keepAliveIdleSecs: 77, keepAlive: true });
    const seen = parseSs(ssOf(tuple));
    expect(seen.keepaliveSecs).toBeGreaterThan(60);
    expect(seen.keepaliveSecs).toBeLessThanOrEqual(77);
  });

  it('deferAcceptSecs: the listener holds a connection in SYN-RECV until data arrives', async () => {
    if (unavailable('deferAcceptSecs')) return;
    const s = await server(host);
    setOption(s, 'deferAcceptSecs', 10);
    let accepted = 0;
    s.on('connection', () => accepted++);
    const client = track(net.connect({ host, port: portOf(s) }));
    await once(client, 'connect');
    const ours = tupleOf(client);
    const theirs = {
      localAddress: ours.remoteAddress,
      localPort: ours.remotePort,
      remoteAddress: ours.localAddress,
      remotePort: ours.localPort,
    };
    // The client is established; the listener dropped its bare ACK.
    expect(parseSs(ssOf(ours)).state).toBe('ESTAB');
    expect(parseSs(ssOf(theirs)).state).toBe('SYN-RECV');
    expect(accepted).toBe(0);
    const connection = once(s, 'connection');
    client.write('x');
    await connection;
    await waitFor('the accepted side established', () => parseSs(ssOf(theirs)).state === 'ESTAB');
  });

  it('deferAcceptSecs control: without it, the listener accepts a silent connection', async () => {
    const s = await server(host);
    const connection = once(s, 'connection');
    const client = track(net.connect({ host, port: portOf(s) }));
    await once(client, 'connect');
    await connection;
  });
});

describe.runIf(linux)('what the kernel answers with ipv6Only', () => {
  it('refuses to bind an IPv6 socket to an IPv4-mapped address', () => {
    if (unavailable('ipv6Only')) return;
    for (const only of [false, true]) {
      const fd = unboundTcp('::1');
      setOption(fd, 'ipv6Only', only);
      const answer = bindOnDup(fd, '::ffff:127.0.0.1');
      expect(answer, `ipv6Only ${only}`).toBe(only ? 'EINVAL' : 'ok');
    }
  });
});

// --- witnesses outside sockctl: strace ---------------------------------------

/** The child: makes a socket, sets a policy, lets Node bind and connect it, and sets more. */
const CHILD = `
const net = require('node:net');
const [root, binding, host, port, before, after] = process.argv.slice(2);
const sockctl = require(root);
const { native } = require(binding);
const [fd] = native.openBound(0, host.includes(':') ? 1 : 0, 0, 0, 0, 0, -1, null);
if (fd < 0) throw new Error('socket failed: ' + fd);
const report = { fd, invalid: [] };
report.before = sockctl.apply(fd, JSON.parse(before));
// Invalid policies: refused in full before any system call (tos 17 is never set).
for (const bad of [{ tos: 17, synRetries: 300 }, { tos: 17, nope: 1 }, { tos: 17, congestion: 'x'.repeat(16) }]) {
  try {
    sockctl.apply(fd, bad);
    report.invalid.push('accepted');
  } catch (err) {
    report.invalid.push(err.code);
  }
}
const socket = new net.Socket({ fd, readable: true, writable: true, manualStart: true });
socket.on('error', (err) => {
  console.error(err);
  process.exit(2);
});
socket.connect({ host, port: Number(port), localAddress: host }, () => {
  report.after = sockctl.apply(socket, JSON.parse(after));
  process.stdout.write(JSON.stringify(report));
  socket.destroy();
  process.exit(0);
});
`;

interface ChildReport {
  fd: number;
  before: ReturnType<typeof apply>;
  after: ReturnType<typeof apply>;
  invalid: string[];
}

/** Runs the child under strace; returns its report and its socket calls, in order. */
async function straced(host: Host, port: number, before: Policy, after: Policy): Promise<[ChildReport, Syscall[]]> {
  const root = path.join(__dirname, '..');
  const args = [root, BINDING_PATH, host, String(port), JSON.stringify(before), JSON.stringify(after)];
  const { stdout, calls } = await straceNode(CHILD, args, ['setsockopt', 'bind', 'connect']);
  const report = JSON.parse(stdout) as ChildReport;
  return [report, calls.filter((c) => c.fd === report.fd)];
}

const STRACE_LEVELS: Record<string, string> = {
  SOL_SOCKET: 'SOL_SOCKET',
  IPPROTO_IP: 'SOL_IP',
  IPPROTO_IPV6: 'SOL_IPV6',
  IPPROTO_TCP: 'SOL_TCP',
};

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * How strace prints setsockopt(level, name, value) for an option, by name
 * or number (an older strace knows fewer names); a 4-byte string prints as
 * the int with its bytes.
 */
function straceArgs(name: OptionName, value: unknown, v6: boolean): RegExp {
  const os = osRow(name)!;
  const [level, option] = v6 && os.v6 ? os.v6 : [os.level, os.name];
  const either = (symbol: string, n: number) => `(?:${escapeRe(symbol)}|${n})`;
  let shown: string;
  if (typeof value === 'boolean') shown = `\\[${value ? 1 : 0}\\]`;
  else if (typeof value === 'number') shown = `\\[${value | 0}\\]`;
  else {
    const bytes = Buffer.from(value as string);
    shown = bytes.length === 4 ? `\\[${bytes.readInt32LE()}\\]` : `"${escapeRe(value as string)}", ${bytes.length}`;
  }
  return new RegExp(
    `^${either(STRACE_LEVELS[level], constants[level]!)}, ${either(option, constants[option]!)}, ${shown}(?:, \\d+)?$`,
  );
}

describe.runIf(linux).each(hosts)('the system calls strace sees on %s', (host) => {
  const v6 = host === '::1';

  it('strace is there to watch (CI installs it)', () => {
    expect(straceWorks()).toBe(true);
  });

  it('sets every pre-bind and pre-connect option before bind and connect, and nothing too late', async () => {
    const s = await server(host);
    const congestion = features.congestion ? otherCongestion(getOption(unboundTcp(host), 'congestion')) : undefined;
    const wanted: Policy = {
      recvBufferBytes: 40_000,
      sendBufferBytes: 40_000,
      tos: 0x28,
      bindAddressNoPort: true,
      ipv6Only: v6 ? true : undefined,
      bindToDevice: 'lo',
      mark: 0x5eed,
      fastOpenConnect: true,
      congestion,
      maxSegBytes: 1000,
      freeBind: true,
      transparent: true,
      synRetries: 3,
    };
    const before = allowed(wanted);
    const tooLate = (['bindAddressNoPort', 'maxSegBytes', 'synRetries'] as const).filter((name) => features[name]);
    const after = allowed({ tos: 0x10, bindAddressNoPort: true, maxSegBytes: 1200, synRetries: 4 });

    const [report, calls] = await straced(host, portOf(s), before, after);
    const trace = calls.map((c) => c.line).join('\n');

    const names = optionNames.filter((name) => name in before);
    expect(report.before).toEqual({ applied: names, skipped: [] });
    expect(report.invalid).toEqual(['ERR_OUT_OF_RANGE', 'ERR_INVALID_ARG_VALUE', 'ERR_OUT_OF_RANGE']);
    expect(report.after).toEqual({
      applied: features.tos ? ['tos'] : [],
      skipped: tooLate.map((name) => ({ name, reason: 'too-late' })),
    });

    const bindAt = calls.findIndex((c) => c.call === 'bind');
    const connectAt = calls.findIndex((c) => c.call === 'connect');
    expect(bindAt, trace).toBeGreaterThanOrEqual(0);
    expect(connectAt, trace).toBeGreaterThan(bindAt);
    expect(calls[bindAt].rc, trace).toBe(0);
    // With IP_BIND_ADDRESS_NO_PORT the bind reserves no port.
    if (before.bindAddressNoPort) expect(calls[bindAt].args, trace).toMatch(/htons\(0\)/);

    // Each option of the policy: one setsockopt with its exact value, before
    // bind (and so before connect), in table order, accepted by the kernel.
    let last = -1;
    for (const name of names) {
      const pattern = straceArgs(name, before[name], v6);
      const at = calls.findIndex((c) => c.call === 'setsockopt' && pattern.test(c.args));
      expect(at, `${name}: ${pattern}\n${trace}`).toBeGreaterThan(last);
      expect(at, `${name} before bind\n${trace}`).toBeLessThan(bindAt);
      expect(calls[at].rc, trace).toBe(0);
      last = at;
    }
    // The invalid policies set nothing: no tos 17 anywhere.
    if (features.tos) {
      const tos17 = straceArgs('tos', 17, v6);
      expect(
        calls.filter((c) => c.call === 'setsockopt' && tos17.test(c.args)),
        trace,
      ).toEqual([]);
    }
    // After connect: tos (any time) is set; the too-late ones make no call.
    const afterConnect = calls.slice(connectAt + 1).filter((c) => c.call === 'setsockopt');
    const expectedAfter = features.tos ? [straceArgs('tos', 0x10, v6)] : [];
    expect(afterConnect.length, trace).toBe(expectedAfter.length);
    expectedAfter.forEach((pattern, i) => expect(afterConnect[i].args, trace).toMatch(pattern));
    for (const name of tooLate) {
      const pattern = straceArgs(name, after[name], v6);
      expect(
        afterConnect.some((c) => pattern.test(c.args)),
        `${name} after connect\n${trace}`,
      ).toBe(false);
    }
  }, 60_000);
});

// --- phases: too-late by the socket's stage ----------------------------------

type Stage = 'unbound' | 'bound' | 'listening' | 'connected';
const stages: Stage[] = ['unbound', 'bound', 'listening', 'connected'];

/** Whether an option of this phase still has its effect at this stage (native/sockopt_common.cc, InTime). */
function inTime(phase: Phase, stage: Stage): boolean {
  switch (phase) {
    case 'bind':
      return stage === 'unbound';
    case 'connect':
      return stage === 'unbound' || stage === 'bound';
    case 'listener':
      return stage !== 'connected';
    default:
      return true;
  }
}

async function socketAt(stage: Stage, host: Host): Promise<number | net.Server | net.Socket> {
  switch (stage) {
    case 'unbound':
      return unboundTcp(host);
    case 'bound':
      return boundTcp(host);
    case 'listening':
      return server(host);
    default:
      return (await pair(host)).client;
  }
}

/**
 * The kernel holds the sample just set for `name`: Linux doubles buffer
 * sizes and rounds deferAccept up; quickAck is not sticky.
 */
function expectHolds(target: net.Socket | net.Server | number, name: OptionName): void {
  if (name === 'quickAck' || !readable.includes(name)) return;
  const value = samples[name];
  const got = getOption(target, name);
  if (name === 'recvBufferBytes' || name === 'sendBufferBytes') expect(got, name).toBe((value as number) * 2);
  else if (name === 'deferAcceptSecs') expect(got, name).toBeGreaterThanOrEqual(value as number);
  else expect(got, name).toEqual(value);
}

describe.runIf(linux).each(hosts)('phases on %s', (host) => {
  const v6 = host === '::1';
  // An IPv6 option on an IPv4 socket is in time but refused by the kernel.
  const refused = (name: OptionName): boolean => name === 'ipv6Only' && !v6;

  it.each(stages)('at stage %s: setOption sets what is in time and throws too-late for the rest', async (stage) => {
    const target = await socketAt(stage, host);
    for (const name of supported) {
      const { phase } = rowOf(name);
      const set = () => setOption(target, name, samples[name] as never);
      if (!inTime(phase, stage)) {
        // Refused before any system call, privileged or not.
        const err = expectCode(set, TOO_LATE) as TooLateError;
        expect(err.option, name).toBe(name);
        expect(err.phase, name).toBe(phase);
        expect(err.message, name).toContain(name);
      } else if (refused(name)) {
        expectCode(set, 'ENOPROTOOPT');
      } else if (cannotSet.has(name)) {
        expectCode(set, cannotSet.get(name)!);
      } else {
        set();
        expectHolds(target, name);
      }
    }
  });

  it.each(stages)(
    'at stage %s: apply reports each option applied or skipped too-late, in table order',
    async (stage) => {
      const target = await socketAt(stage, host);
      const policy = Object.fromEntries(settable.filter((n) => !refused(n)).map((n) => [n, samples[n]])) as Policy;
      const names = optionNames.filter((name) => name in policy);
      const result = apply(target, policy);
      expect(result.applied).toEqual(names.filter((name) => inTime(rowOf(name).phase, stage)));
      expect(result.skipped).toEqual(
        names.filter((name) => !inTime(rowOf(name).phase, stage)).map((name) => ({ name, reason: 'too-late' })),
      );
      // What was applied is what the kernel now holds.
      for (const name of result.applied) expectHolds(target, name);
    },
  );

  it('bindAddressNoPort on a connected socket: Linux would take it, the phase check refuses it', async () => {
    if (unavailable('bindAddressNoPort')) return;
    const { client } = await pair(host);
    // The kernel itself accepts IP_BIND_ADDRESS_NO_PORT at any stage...
    setsockopt(client, constants.IPPROTO_IP, constants.IP_BIND_ADDRESS_NO_PORT!, 0);
    // ...but it only matters at bind, so sockctl reports it too late.
    const err = expectCode(() => setOption(client, 'bindAddressNoPort', true), TOO_LATE) as TooLateError;
    expect(err.phase).toBe('bind');
    expect(apply(client, { bindAddressNoPort: true })).toEqual({
      applied: [],
      skipped: [{ name: 'bindAddressNoPort', reason: 'too-late' }],
    });
    expect(getOption(client, 'bindAddressNoPort')).toBe(false);
  });

  it('a socket bound to an address without a port is bound: pre-bind options are too late', () => {
    const fd = unboundTcp(host);
    // IP_BIND_ADDRESS_NO_PORT: bind takes the address and leaves the port to connect.
    if (!unavailable('bindAddressNoPort')) setOption(fd, 'bindAddressNoPort', true);
    expect(bindOnDup(fd, host)).toBe('ok');
    // The phase is checked first, so ipv6Only is too late on an IPv4 socket as
    // well. A bind to ::1 made the IPv6 one v6-only, and so it stays.
    const err = expectCode(() => setOption(fd, 'ipv6Only', false), TOO_LATE) as TooLateError;
    expect(err.phase).toBe('bind');
    if (v6) expect(getOption(fd, 'ipv6Only')).toBe(true);
    setOption(fd, 'maxSegBytes', 1000);
  });
});

// --- errors -------------------------------------------------------------------

/** Values of the wrong type for each kind of option. */
const wrongTypes: Record<OptionRow['value'], unknown[]> = {
  boolean: [1, 0, 'true', null, {}],
  integer: ['1', true, 1n, null, [], {}],
  string: [1, null, true, Buffer.from('lo'), ['lo']],
  linger: ['1', true, null, { enabled: 1, seconds: 0 }, { enabled: true, seconds: '1' }, { enabled: true }],
};

describe('errors', () => {
  describe.each(optionNames)('%s', (name) => {
    const row = rowOf(name);
    // An unsupported option is refused by name before its value is looked at.
    const valueCode = (code: string) => (features[name] ? code : UNAVAILABLE);

    it('throws TypeError ERR_INVALID_ARG_TYPE for a value of the wrong type, and for undefined', () => {
      const fd = unboundTcp('127.0.0.1');
      for (const value of [...wrongTypes[row.value], undefined]) {
        const err = expectCode(() => setOption(fd, name, value as never), valueCode('ERR_INVALID_ARG_TYPE'));
        expect(err).toBeInstanceOf(TypeError);
        if (features[name] && value !== undefined) {
          const inApply = expectCode(() => apply(fd, { [name]: value } as Policy), 'ERR_INVALID_ARG_TYPE');
          expect(inApply.message).toContain(`policy.${name}`);
        }
      }
      // In a policy, an undefined option is left out, not an error.
      expect(apply(fd, { [name]: undefined })).toEqual({ applied: [], skipped: [] });
    });

    it('throws RangeError ERR_OUT_OF_RANGE for a value out of range', () => {
      const fd = unboundTcp('127.0.0.1');
      const { min, max } = bounds(name);
      const bad: unknown[] =
        row.value === 'integer'
          ? [min - 1, max + 1, min + 0.5, NaN, Infinity, -Infinity]
          : row.value === 'linger'
            ? [-1, 1.5, max + 1, { enabled: true, seconds: -1 }, { enabled: false, seconds: NaN }]
            : row.value === 'string'
              ? ['x'.repeat(row.maxBytes! + 1), 'é'.repeat(Math.ceil((row.maxBytes! + 1) / 2))]
              : [];
      for (const value of bad) {
        const err = expectCode(() => setOption(fd, name, value as never), valueCode('ERR_OUT_OF_RANGE'));
        if (features[name]) expect(err).toBeInstanceOf(RangeError);
      }
      if (row.value === 'string') {
        // A NUL byte would cut the name short in the kernel.
        expectCode(() => setOption(fd, name, 'l\0o' as never), valueCode('ERR_INVALID_ARG_VALUE'));
      }
      if (row.value === 'boolean') expect(bad).toEqual([]);
    });
  });

  it('throws ERR_INVALID_ARG_VALUE for an unknown option name, and ERR_INVALID_ARG_TYPE for a name that is no string', () => {
    const fd = unboundTcp('127.0.0.1');
    for (const name of ['nope', '', '__proto__', 'toString', 'constructor', 'KEEPALIVE', 'keepalive']) {
      expect(expectCode(() => setOption(fd, name as never, true as never), 'ERR_INVALID_ARG_VALUE')).toBeInstanceOf(
        TypeError,
      );
      expectCode(() => getOption(fd, name as never), 'ERR_INVALID_ARG_VALUE');
    }
    for (const name of [1, null, undefined, Symbol('keepAlive'), {}, ['keepAlive']]) {
      expectCode(() => setOption(fd, name as never, true as never), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => getOption(fd, name as never), 'ERR_INVALID_ARG_TYPE');
    }
  });

  it('refuses a policy that is not an object', () => {
    const fd = unboundTcp('127.0.0.1');
    for (const policy of [null, undefined, 'tos', 1, true, [], [{ tos: 1 }], () => {}]) {
      expectCode(() => apply(fd, policy as never), 'ERR_INVALID_ARG_TYPE');
    }
    expect(apply(fd, {})).toEqual({ applied: [], skipped: [] });
  });

  it('validates a whole policy before any system call: an unknown key or a bad value sets nothing', () => {
    const fd = unboundTcp('127.0.0.1');
    const first = supported[0];
    const initial = getOption(fd, first);
    const changed = readBacks[first].set(initial as never);
    const err = expectCode(() => apply(fd, { [first]: changed, nope: 1 } as Policy), 'ERR_INVALID_ARG_VALUE');
    expect(err.message).toContain('policy.nope');
    expect(getOption(fd, first)).toEqual(initial);
    // The last option in table order is bad: the first is still not set.
    const lastInteger = [...supported].reverse().find((name) => rowOf(name).value === 'integer' && name !== first)!;
    expectCode(
      () => apply(fd, { [first]: changed, [lastInteger]: bounds(lastInteger).max + 1 } as Policy),
      'ERR_OUT_OF_RANGE',
    );
    expectCode(() => apply(fd, { [first]: changed, [lastInteger]: 'x' } as Policy), 'ERR_INVALID_ARG_TYPE');
    expect(getOption(fd, first)).toEqual(initial);
  });

  it('throws EBADF, as a system error, for a closed descriptor', () => {
    const fd = closedFd();
    const name = supported[0];
    const get = expectCode(() => getOption(fd, name), 'EBADF') as NodeJS.ErrnoException;
    expect(get.syscall).toBe('getsockopt');
    const set = expectCode(() => setOption(fd, name, samples[name] as never), 'EBADF') as NodeJS.ErrnoException;
    expect(set.syscall).toBe('setsockopt');
    expect(set.errno).toBe(errnoOf('EBADF'));
  });

  describe.runIf(linux)('from the kernel (Linux)', () => {
    it('apply stops at a refused option: a Node-style error whose result says what was set before it', () => {
      if (unavailable('congestion')) return;
      const fd = unboundTcp('127.0.0.1');
      const policy: Policy = { tos: 0x28, noDelay: true, congestion: 'nonexistent', reuseAddress: true };
      const err = expectCode(() => apply(fd, policy), 'ENOENT') as ApplyError;
      expect(err).toBeInstanceOf(Error);
      expect(err.errno).toBe(errnoOf('ENOENT'));
      expect(err.syscall).toBe('setsockopt');
      expect(err.option).toBe('TCP_CONGESTION');
      expect(err.message).toBe('setsockopt ENOENT (TCP_CONGESTION)');
      expect(err.result).toEqual({ applied: ['tos', 'noDelay'], skipped: [] });
      // Set before it, and nothing after it.
      expect(getOption(fd, 'tos')).toBe(0x28);
      expect(getOption(fd, 'noDelay')).toBe(true);
      expect(getOption(fd, 'reuseAddress')).toBe(false);
    });

    it('apply of a TCP option on a UDP socket: ENOPROTOOPT, after what the socket took', () => {
      const fd = udp('127.0.0.1');
      const err = expectCode(
        () => apply(fd, { keepAlive: true, tos: 0x28, noDelay: true, reuseAddress: true }),
        'ENOPROTOOPT',
      ) as ApplyError;
      expect(err.errno).toBe(errnoOf('ENOPROTOOPT'));
      expect(err.syscall).toBe('setsockopt');
      expect(err.option).toBe('TCP_NODELAY');
      expect(err.result).toEqual({ applied: ['keepAlive', 'tos'], skipped: [] });
      expect(getOption(fd, 'keepAlive')).toBe(true);
      expect(getOption(fd, 'reuseAddress')).toBe(false);
    });

    it('the error result lists what was skipped too late before the failure as well', async () => {
      if (unavailable('fastOpenQueue', 'congestion')) return;
      const { client } = await pair('127.0.0.1');
      const err = expectCode(
        () => apply(client, { tos: 0x28, fastOpenQueue: 5, congestion: 'nonexistent' }),
        'ENOENT',
      ) as ApplyError;
      expect(err.result).toEqual({ applied: ['tos'], skipped: [{ name: 'fastOpenQueue', reason: 'too-late' }] });
    });

    it('setOption throws the kernel refusal as a system error naming the option', () => {
      const fd = unboundTcp('127.0.0.1');
      const cases: Array<[OptionName, unknown, string, string]> = [
        ['congestion', 'nonexistent', 'ENOENT', 'TCP_CONGESTION'],
        // The table's range is 0 … 32767; Linux takes 0 or 88 … 32767.
        ['maxSegBytes', 50, 'EINVAL', 'TCP_MAXSEG'],
        ['bindToDevice', 'nosuchdev0', 'ENODEV', 'SO_BINDTODEVICE'],
      ];
      for (const [name, value, code, option] of cases) {
        if (unavailable(name)) continue;
        const err = expectCode(() => setOption(fd, name, value as never), code) as ApplyError;
        expect(err.syscall).toBe('setsockopt');
        expect(err.option).toBe(option);
        expect(err.message).toBe(`setsockopt ${code} (${option})`);
      }
      const getUdp = expectCode(() => getOption(udp('127.0.0.1'), 'noDelay'), 'ENOTSUP') as ApplyError;
      expect(getUdp.syscall).toBe('getsockopt');
    });
  });
});

describe('a connected UDP socket', () => {
  it('still takes what must precede connect: its connect only names a default peer', async () => {
    const dgram = await import('node:dgram');
    const peer = dgram.createSocket('udp4');
    onCleanup(() => peer.close());
    peer.bind(0, '127.0.0.1');
    await once(peer, 'listening');
    const socket = dgram.createSocket('udp4');
    onCleanup(() => socket.close());
    socket.connect(peer.address().port, '127.0.0.1');
    await once(socket, 'connect');
    const result = apply(socket, {
      recvBufferBytes: 40000,
      ...(features.bindAddressNoPort ? { bindAddressNoPort: true } : {}),
    });
    expect(result.applied).toEqual(['recvBufferBytes']);
    // Bound, though: what must precede bind is too late.
    expect(result.skipped).toEqual(
      features.bindAddressNoPort ? [{ name: 'bindAddressNoPort', reason: 'too-late' }] : [],
    );
    if (linux) expect(getOption(socket, 'recvBufferBytes')).toBe(80000);
  });
});

describe.runIf(linux)('a dual-stack socket carrying IPv4 (Linux)', () => {
  it('tos marks its packets through IP_TOS, as ss shows, not IPV6_TCLASS', async () => {
    const server = track(net.createServer());
    server.listen(0, '::');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[net.Socket]>;
    const client = track(net.connect(portOf(server), '127.0.0.1'));
    await once(client, 'connect');
    const [socket] = await accepted;
    track(socket);
    expect(socket.localAddress).toBe('::ffff:127.0.0.1');
    expect(apply(socket, { tos: 0x20 })).toEqual({ applied: ['tos'], skipped: [] });
    expect(getOption(socket, 'tos')).toBe(0x20);
    expect(parseSs(ssOf(tupleOf(socket))).tos).toBe(0x20);
  });
});
