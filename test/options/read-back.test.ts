// Linux: read-back from an initial value that differs, socket2 style
// (initial, set, get, compare), and the bounds the kernel keeps or clamps.
import { describe, expect, it } from 'vitest';
import { apply, getOption, setOption, type OptionName } from '../../lib';
import { errnoOf, expectCode } from '../helpers/errors';
import { pair } from '../helpers/sockets';
import {
  bounds,
  cannotSet,
  hosts,
  linux,
  netPrivileged,
  readable,
  readBacks,
  rowOf,
  server,
  settable,
  sysctl,
  unavailable,
  unboundTcp,
  type ReadBack,
} from './fixtures';

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
