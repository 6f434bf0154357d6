// Each option's phase (lib/options/table.ts) is the point after which the
// kernel no longer honours it, and only past it does setOption refuse the
// option. Measured on Linux, on loopback: where the kernel still acts on an
// option set late, setOption takes it and a witness outside sockctl shows
// the kernel's value (ss on the exact 4-tuple, getsockopt on a duplicate of
// the descriptor in another process); where the kernel refuses or ignores
// it, the raw call shows that, and setOption refuses it. The phase table in
// docs/api.md records the same facts, and must agree with the option table.
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  constants,
  fdOf,
  features,
  openBoundSocket,
  optionNames,
  optionTable,
  setOption,
  type OptionName,
  type TooLateError,
} from '../../lib';
import { onCleanup, track } from '../helpers/cleanup';
import { expectCode } from '../helpers/errors';
import { emulator, hasNetPrivilege } from '../helpers/platform';
import { listening, pair, portOf, tupleOf, waitFor, type Host } from '../helpers/sockets';
import { sockoptOnDup } from '../witness/dup';
import { parseSs, ssOf } from '../witness/ss';

const linux = process.platform === 'linux';
const TOO_LATE = 'ERR_SOCKET_OPTION_TOO_LATE';
const { IPPROTO_TCP, IPPROTO_IPV6 } = constants as Record<string, number>;

/**
 * setOption of a privileged option, or the refusal this run gets instead:
 * EPERM without the capability; qemu-user does not translate SO_MARK.
 */
function setPrivileged(target: net.Socket | net.Server, name: 'mark' | 'transparent', value: never): boolean {
  if (emulator === 'qemu') {
    // qemu-user passes neither SO_MARK nor IP_TRANSPARENT through: its setsockopt answers ENOPROTOOPT, or its
    // getsockopt already did at sockctl's probe, and the option is then unavailable.
    expectCode(
      () => setOption(target, name, value),
      features[name] ? 'ENOPROTOOPT' : 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
    );
    return false;
  }
  if (!hasNetPrivilege()) {
    expectCode(() => setOption(target, name, value), 'EPERM');
    return false;
  }
  setOption(target, name, value);
  return true;
}

/** A listener, and the server side of one connection it accepts after `before` ran on it. */
async function acceptAfter(
  before: (server: net.Server) => void,
  host: Host = '127.0.0.1',
): Promise<{ client: net.Socket; accepted: net.Socket }> {
  const server = await listening(host);
  before(server);
  const acceptedP = once(server, 'connection') as Promise<[net.Socket]>;
  const client = track(net.connect(portOf(server), host));
  await once(client, 'connect');
  const [accepted] = await acceptedP;
  return { client, accepted: track(accepted) };
}

/** The window scale shifts ss shows, `snd,rcv`. */
function wscale(detail: string): string | undefined {
  return /\bwscale:(\d+,\d+)/.exec(detail)?.[1];
}

/** The MSS this side sends with (ss `mss:`). */
function mss(detail: string): number {
  return Number(/\bmss:(\d+)/.exec(detail)?.[1]);
}

function expectTooLate(fn: () => unknown, phase: string): void {
  const err = expectCode(fn, TOO_LATE) as TooLateError;
  expect(err.phase).toBe(phase);
}

describe.runIf(linux)(
  'set past the connect, listen or bind it used to wait for, the kernel still honours (Linux)',
  () => {
    it('recvBufferBytes on a connected socket: ss shows the buffer; the window scale stays what the handshake chose', async () => {
      const { client } = await pair();
      const before = ssOf(tupleOf(client));
      setOption(client, 'recvBufferBytes', 30_000);
      const after = ssOf(tupleOf(client));
      expect(parseSs(after).rb, after).toBe(60_000); // Linux doubles it
      expect(wscale(after), after).toBe(wscale(before));
    });

    it('recvBufferBytes on a listener after listen(): the sockets it accepts inherit it', async () => {
      const { accepted } = await acceptAfter((server) => setOption(server, 'recvBufferBytes', 30_000));
      const detail = ssOf(tupleOf(accepted));
      expect(parseSs(detail).rb, detail).toBe(60_000);
    });

    it('sendBufferBytes on a connected socket: ss shows the buffer', async () => {
      const { client } = await pair();
      setOption(client, 'sendBufferBytes', 50_000);
      const detail = ssOf(tupleOf(client));
      expect(parseSs(detail).tb, detail).toBe(100_000);
    });

    it('bindToDevice on a connected socket: ss shows the device on its local address', async () => {
      const { client } = await pair();
      setOption(client, 'bindToDevice', 'lo');
      const detail = ssOf(tupleOf(client));
      expect(parseSs(detail).local, detail).toBe(`127.0.0.1%lo:${client.localPort}`);
    });

    it('mark on a connected socket: ss shows its fwmark', async () => {
      const { client } = await pair();
      if (!setPrivileged(client, 'mark', 0x77 as never)) return;
      const detail = ssOf(tupleOf(client));
      expect(parseSs(detail).fwmark, detail).toBe(0x77);
    });

    it('mark on a listener after listen(): the sockets it accepts carry it', async () => {
      let set = false;
      const { accepted } = await acceptAfter((server) => {
        set = setPrivileged(server, 'mark', 0x78 as never);
      });
      if (!set) return;
      const detail = ssOf(tupleOf(accepted));
      expect(parseSs(detail).fwmark, detail).toBe(0x78);
    });

    it('maxSegBytes on a listener after listen(): the connections it accepts announce it', async () => {
      const { client, accepted } = await acceptAfter((server) => setOption(server, 'maxSegBytes', 1000));
      // 1000 less the 12 bytes of the timestamp option.
      const server = ssOf(tupleOf(accepted));
      expect(parseSs(server).advmss, server).toBeLessThanOrEqual(1000);
      // The client learnt it from the SYN-ACK and sends no larger segments.
      const detail = ssOf(tupleOf(client));
      expect(mss(detail), detail).toBeLessThanOrEqual(1000);
    });

    it('synRetries on a listener after listen(): the kernel holds it (getsockopt on a duplicate)', async () => {
      const server = await listening();
      setOption(server, 'synRetries', 2);
      expect(sockoptOnDup(fdOf(server), [[IPPROTO_TCP, constants.TCP_SYNCNT!]])).toEqual([2]);
    });

    it('freeBind on a connected socket: ss shows the flag', async () => {
      const { client } = await pair('::1');
      setOption(client, 'freeBind', true);
      const detail = ssOf(tupleOf(client));
      expect(parseSs(detail).inetFlags, detail).toContain('freebind');
    });

    it('transparent on a connected socket: ss shows the flag', async () => {
      const { client } = await pair();
      if (!setPrivileged(client, 'transparent', true as never)) return;
      const detail = ssOf(tupleOf(client));
      expect(parseSs(detail).inetFlags, detail).toContain('transparent');
    });
  },
);

describe.runIf(linux)('past its phase the kernel refuses or ignores it, and setOption refuses it first (Linux)', () => {
  it('ipv6Only after bind: the kernel answers EINVAL', () => {
    const fd = openBoundSocket({ type: 'tcp', address: '::1' });
    onCleanup(() => fs.closeSync(fd));
    expect(sockoptOnDup(fd, [[IPPROTO_IPV6, constants.IPV6_V6ONLY!, 1]])).toEqual(['EINVAL']);
    expectTooLate(() => setOption(fd, 'ipv6Only', true), 'bind');
  });

  it('fastOpenQueue on a connected socket: the kernel answers EINVAL', async () => {
    const { client } = await pair();
    expect(sockoptOnDup(fdOf(client), [[IPPROTO_TCP, constants.TCP_FASTOPEN!, 5]])).toEqual(['EINVAL']);
    expectTooLate(() => setOption(client, 'fastOpenQueue', 5), 'listener');
  });

  it('fastOpenConnect after connect and on a listener: the kernel refuses it', async () => {
    if (!features.fastOpenConnect) return;
    // EOPNOTSUPP at any stage where the client side of Fast Open is off.
    const clientOn = (Number(fs.readFileSync('/proc/sys/net/ipv4/tcp_fastopen', 'utf8')) & 1) !== 0;
    const { server, client } = await pair();
    for (const target of [client, server]) {
      const answer = sockoptOnDup(fdOf(target), [[IPPROTO_TCP, constants.TCP_FASTOPEN_CONNECT!, 1]]);
      expect(answer).toEqual([clientOn ? 'EINVAL' : 'EOPNOTSUPP']);
      expectTooLate(() => setOption(target, 'fastOpenConnect', true), 'connect');
    }
  });

  it('maxSegBytes on a connected socket: the kernel takes it and goes on sending larger segments', async () => {
    const { client, accepted } = await pair();
    expect(sockoptOnDup(fdOf(client), [[IPPROTO_TCP, constants.TCP_MAXSEG!, 1000]])).toEqual(['ok']);
    let received = 0;
    accepted.on('data', (chunk: Buffer) => (received += chunk.length));
    client.write(Buffer.alloc(256 * 1024));
    await waitFor('the peer to receive it all', () => received === 256 * 1024);
    const detail = ssOf(tupleOf(client));
    expect(mss(detail), detail).toBeGreaterThan(1000);
    expectTooLate(() => setOption(client, 'maxSegBytes', 1000), 'listener');
  });
});

describe('the phase table of docs/api.md', () => {
  it('names every option with the phase the option table gives it', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'api.md'), 'utf8');
    const section = doc.slice(doc.indexOf('<!-- phases:start -->'), doc.indexOf('<!-- phases:end -->'));
    const rows = [...section.matchAll(/^\| `(\w+)` \| `(\w+)` \|/gm)].map(([, name, phase]) => [name, phase]);
    const audited = optionNames.filter((name: OptionName) => optionTable[name].phase !== 'any');
    expect(rows.length).toBeGreaterThan(0);
    // Every row of the table, and every option whose phase is not 'any', is there once, with its phase.
    expect(Object.fromEntries(rows)).toEqual(
      Object.fromEntries(rows.map(([name]) => [name, optionTable[name as OptionName]?.phase])),
    );
    for (const name of audited) expect(rows.map(([n]) => n)).toContain(name);
    expect(new Set(rows.map(([n]) => n)).size).toBe(rows.length);
  });
});
