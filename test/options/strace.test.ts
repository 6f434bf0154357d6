// Linux: strace of a child process for the order of system calls: an option
// that must precede bind or connect does, and one that is too late, or part
// of an invalid policy, makes no system call at all.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_ADOPTION, runtime, under } from '../helpers/platform';
import { apply, constants, features, getOption, optionNames, type OptionName, type Policy } from '../../lib';
import { BINDING_PATH } from '../helpers/native';
import { portOf, type Host } from '../helpers/sockets';
import { straceNode, straceWorks, type Syscall } from '../witness/strace';
import { allowed, hosts, linux, osRow, otherCongestion, server, unboundTcp } from './fixtures';

/** The child: makes a socket, sets a policy, lets Node bind and connect it, and sets more. */
const CHILD = `
const net = require('node:net');
const [root, binding, host, port, before, after] = process.argv.slice(2);
const sockctl = require(root);
const { native } = require(binding);
const [fd] = native.openSocket(0, host.includes(':') ? 1 : 0);
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
  const root = path.join(__dirname, '..', '..');
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

  it.skipIf(runtime !== undefined && under(runtime, NO_ADOPTION))(
    'sets every pre-bind and pre-connect option before bind and connect, and nothing too late',
    async () => {
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
    },
    60_000,
  );
});
