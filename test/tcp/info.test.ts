import { once } from 'node:events';
import dgram from 'node:dgram';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { constants, getsockopt, getTcpInfo, openBoundSocket, type TcpInfo } from '../../lib';
import { native } from '../../lib/native/binding';
import { TCP_INFO_FIELDS } from '../../lib/tcp/fields';
import { toTcpInfo } from '../../lib/tcp/info';
import { numberingFor, tcpStateNumbers } from '../../lib/tcp/state';
import { onCleanup } from '../helpers/cleanup';
import { errnoOf, expectCode } from '../helpers/errors';
import { emulator, QEMU_TCP_INFO, under, windows } from '../helpers/platform';
import { closeFd, listening, pair, tupleOf, waitFor, type Host } from '../helpers/sockets';
import { noStateWitness, ssStates } from '../witness/ss';

const noTcpInfo = under('qemu', QEMU_TCP_INFO);
// Wine 8 fails SIO_TCP_INFO: only the state is known there, from the TCP table.
const wineStateOnly = (): boolean => windows && under('wine', 'Wine 8 has no SIO_TCP_INFO, only the state');

/** Windows (SIO_TCP_INFO): bytes rather than segments, no ACK counter, fields Linux lacks. */
async function expectWindowsEstablished(client: net.Socket, accepted: net.Socket, sent: number): Promise<void> {
  const info = await waitFor('all bytes acknowledged', () => {
    const i = getTcpInfo(client);
    return i.bytesSent === sent && i.bytesInFlight === 0 ? i : undefined;
  });
  expect(info.state).toBe('ESTABLISHED');
  expect(info.rttUs).toBeGreaterThanOrEqual(0);
  expect(info.rttUs).toBeLessThan(1_000_000); // loopback: well under a second
  expect(info.minRttUs).toBeLessThanOrEqual(info.rttUs!);
  expect(info.mss).toBeGreaterThan(500);
  expect(info.cwndBytes).toBeGreaterThan(0);
  expect(info.sndWndBytes).toBeGreaterThan(0);
  expect(info.connectionTimeMs).toBeGreaterThanOrEqual(0);
  expect(info.timeoutEpisodes).toBe(0);
  expect(info.options.timestamps).toBeTypeOf('boolean');
  expect(getTcpInfo(accepted).bytesReceived).toBe(sent);
  // Windows has no such fields: absent, not 0 or false.
  expect(info.bytesAcked).toBeUndefined();
  expect(info.cwndSegs).toBeUndefined();
  expect(info.segsOut).toBeUndefined();
  expect(info.options.sack).toBeUndefined();
}

describe.skipIf(noTcpInfo).each<Host>(['127.0.0.1', '::1'])('getTcpInfo on %s', (host) => {
  it.skipIf(wineStateOnly())('describes an established connection with units that make sense', async () => {
    const { client, accepted } = await pair(host);
    const payload = Buffer.alloc(10_000, 1);
    const got = new Promise<void>((resolve) => {
      let n = 0;
      accepted.on('data', (chunk) => {
        n += chunk.length;
        if (n === payload.length) resolve();
      });
    });
    client.write(payload);
    await got;
    if (windows) return expectWindowsEstablished(client, accepted, payload.length);
    // bytesAcked lags the peer's read by one ACK: wait for the kernel, bounded.
    const info = await waitFor('all bytes acknowledged', () => {
      const i = getTcpInfo(client);
      return (i.bytesAcked ?? 0) >= payload.length ? i : undefined;
    });
    expect(info.state).toBe('ESTABLISHED');
    expect(info.rttUs).toBeGreaterThan(0);
    expect(info.rttUs).toBeLessThan(1_000_000); // loopback: well under a second
    expect(info.mss).toBeGreaterThan(500);
    expect(info.cwndBytes).toBe(info.cwndSegs! * info.mss!);
    expect(info.options.sack).toBe(true);
    expect(info.options.timestamps).toBe(true);
    expect(info.bytesSent).toBe(payload.length);
    expect(getTcpInfo(accepted).bytesReceived).toBe(payload.length);
    expect(info.segsOut).toBeGreaterThan(0);
    expect(info.totalRetransSegs).toBe(0);
    // Linux has no such fields: absent, not 0.
    expect(info.connectionTimeMs).toBeUndefined();
    expect(info.bytesInFlight).toBeUndefined();
  });

  it("sees CLOSE_WAIT on our side after the peer's FIN", async () => {
    const { client, accepted } = await pair(host);
    client.end();
    await once(accepted, 'end');
    await waitFor('CLOSE_WAIT', () => getTcpInfo(accepted).state === 'CLOSE_WAIT');
    await waitFor('FIN_WAIT_2 on the peer', () => getTcpInfo(client).state === 'FIN_WAIT_2');
    if (!noStateWitness(host)) expect(ssStates(tupleOf(accepted))).toEqual(['CLOSE-WAIT']);
  });

  it('sees FIN_WAIT_2 then TIME_WAIT on the side that closes first, the passive side ends clean', async () => {
    const { client, accepted } = await pair(host);
    const tuple = tupleOf(accepted);
    const peerTuple = tupleOf(client);
    accepted.end();
    await once(client, 'end');
    await waitFor('FIN_WAIT_2 on the closing side', () => getTcpInfo(accepted).state === 'FIN_WAIT_2');
    expect(getTcpInfo(client).state).toBe('CLOSE_WAIT');
    client.end();
    await once(accepted, 'close');
    // Our socket is gone from Node, the kernel keeps the connection.
    if (noStateWitness(host)) return;
    await waitFor('TIME_WAIT on the closing side', () => ssStates(tuple).includes('TIME-WAIT'));
    await waitFor('nothing left on the passive side', () => ssStates(peerTuple).length === 0);
  });

  it('reports LISTEN, with the accept queue, for a listening server', async () => {
    const server = await listening(host);
    const info = getTcpInfo(server);
    expect(info.state).toBe('LISTEN');
    if (windows) {
      expect(info.unackedSegs).toBeUndefined(); // Windows reports no queues
      return;
    }
    expect(info.unackedSegs).toBe(0); // accept queue
    expect(info.sackedSegs).toBeGreaterThan(0); // backlog
  });
});

describe('getTcpInfo errors', () => {
  it("refuses a UDP socket with the kernel's error", async () => {
    const socket = dgram.createSocket('udp4');
    onCleanup(() => socket.close());
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    // Linux answers EOPNOTSUPP (95), which libuv and Node name ENOTSUP; so
    // does sockctl on Windows, for any socket that is not TCP.
    const err = expectCode(() => getTcpInfo(socket), 'ENOTSUP');
    expect(err).toMatchObject({
      errno: errnoOf('ENOTSUP'),
      syscall: 'getsockopt',
      option: 'TCP_INFO',
      message: 'getsockopt ENOTSUP (TCP_INFO): not a TCP socket',
    });
  });

  it.skipIf(noTcpInfo)('reports CLOSED for a bound TCP socket that is neither listening nor connected', () => {
    const fd = openBoundSocket({ type: 'tcp', address: '127.0.0.1' });
    onCleanup(() => closeFd(fd));
    expect(getTcpInfo(fd).state).toBe('CLOSED');
  });

  it.skipIf(noTcpInfo)('gives every field a number or undefined, never NaN', async () => {
    const { client } = await pair();
    const info: TcpInfo = getTcpInfo(client);
    for (const [key, value] of Object.entries(info)) {
      if (key === 'state' || key === 'options' || key === 'congestionState') continue;
      if (value !== undefined) expect(Number.isNaN(value), key).toBe(false);
    }
  });
});

// Linux TCPI_OPT_* values, as the options slot carries them on every OS.
const OPT = { timestamps: 1, sack: 2, windowScaling: 4, ecn: 8, ecnSeen: 16, synData: 32 } as const;

describe('which TCP options each OS reports', () => {
  it('the native side names the option bits of this OS: XNU has four, Windows only timestamps', () => {
    // Linux: every TCPI_OPT_* the object names; macOS: TCPCI_OPT_* of
    // <netinet/tcp.h> (tcp_connection_info); Windows: TCP_INFO_v0's
    // TimestampsEnabled.
    const expected: Record<string, number> = {
      linux: OPT.timestamps | OPT.sack | OPT.windowScaling | OPT.ecn | OPT.ecnSeen | OPT.synData,
      darwin: OPT.timestamps | OPT.sack | OPT.windowScaling | OPT.ecn,
      win32: OPT.timestamps,
    };
    expect(native.tcpInfoOptionBits).toBe(expected[process.platform]);
  });

  it('an option bit the OS does not report reads undefined, never false, even when set', () => {
    const slots = new Float64Array(TCP_INFO_FIELDS.length).fill(NaN);
    slots[TCP_INFO_FIELDS.indexOf('rawState')] = tcpStateNumbers(numberingFor(process.platform), 'ESTABLISHED')[0];
    slots[TCP_INFO_FIELDS.indexOf('options')] = 0;
    // macOS's set: ecnSeen and synData are unknown there, the rest are off.
    const off = toTcpInfo(slots, 0, OPT.timestamps | OPT.sack | OPT.windowScaling | OPT.ecn).options;
    expect(off).toEqual({
      timestamps: false,
      sack: false,
      windowScaling: false,
      ecn: false,
      ecnSeen: undefined,
      synData: undefined,
    });
    // Windows' set, with bits it never reports set anyway.
    slots[TCP_INFO_FIELDS.indexOf('options')] = 63;
    expect(toTcpInfo(slots, 0, OPT.timestamps).options).toEqual({
      timestamps: true,
      sack: undefined,
      windowScaling: undefined,
      ecn: undefined,
      ecnSeen: undefined,
      synData: undefined,
    });
  });

  it.runIf(process.platform === 'linux' && !noTcpInfo)(
    'Linux reports all six, so none reads undefined on a connection',
    async () => {
      const { client } = await pair();
      const { options } = getTcpInfo(client);
      for (const [name, value] of Object.entries(options)) expect(value, name).toBeTypeOf('boolean');
      // No data rides on the SYN without TCP Fast Open.
      expect(options.synData).toBe(false);
    },
  );
});

describe('getTcpInfo under qemu-user', () => {
  // qemu-user hands back 4 bytes: getTcpInfo must say so, not report zeros.
  // If the emulator ever copies the whole struct, the length check fails and
  // the skips for QEMU_TCP_INFO can go.
  it.runIf(emulator === 'qemu')('refuses the truncated struct instead of reporting zeros', async () => {
    const { client } = await pair();
    expect(getsockopt(client, constants.IPPROTO_TCP, constants.TCP_INFO!, 4096)).toHaveLength(4);
    expectCode(() => getTcpInfo(client), 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM');
  });
});
