// fdOf resolves every kind of target to the socket behind it.
import dgram from 'node:dgram';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { constants, fdOf, getsockopt, getTcpInfo, listen, setLinger } from '../lib';
import { onCleanup } from './helpers/cleanup';
import { errnoOf, expectCode } from './helpers/errors';
import { findSocket } from './helpers/native';
import { QEMU_TCP_INFO, under, windows } from './helpers/platform';
import { listening, pair, portOf, secondDescriptor, tlsOptions, tlsPair } from './helpers/sockets';

const noTcpInfo = under('qemu', QEMU_TCP_INFO);
const wineStateOnly = windows && under('wine', 'Wine 8 has no SIO_TCP_INFO, only the state');

/** The socket inode behind a descriptor: proves two numbers name one socket. */
function inode(fd: number): string {
  // The link under /proc where there is one: Deno's fstat takes its own resource ids, not descriptors.
  if (process.platform === 'linux') return fs.readlinkSync(`/proc/self/fd/${fd}`);
  const st = fs.fstatSync(fd);
  return st.isSocket() ? `socket:[${st.ino}]` : `not a socket (mode ${st.mode.toString(8)})`;
}

/** What findSocket is asked for a connected net.Socket. */
function findConnected(socket: net.Socket): number {
  const ipv6 = net.isIP(socket.localAddress!) === 6 ? 1 : 0;
  return findSocket(0, ipv6, socket.localPort!, socket.remotePort!, socket.localAddress!, socket.remoteAddress!);
}

async function listenOn<T extends net.Server>(server: T): Promise<T> {
  onCleanup(() => server.close());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe('fdOf', () => {
  it('returns a descriptor number as is', () => {
    expect(fdOf(0)).toBe(0);
    expect(fdOf(12345)).toBe(12345);
  });

  it.skipIf(noTcpInfo)('finds both ends of a TCP connection', async () => {
    const { client, accepted } = await pair();
    if (windows) {
      // No /proc: the witness is Node closing the very SOCKET fdOf found.
      const socket = fdOf(client);
      expect(socket).not.toBe(fdOf(accepted));
      expect(getTcpInfo(socket).state).toBe('ESTABLISHED');
      client.destroy();
      expectCode(() => getsockopt(socket, constants.SOL_SOCKET, constants.SO_TYPE), 'EBADF');
      return;
    }
    expect(inode(fdOf(client))).toMatch(/^socket:\[\d+\]$/);
    expect(inode(fdOf(client))).not.toBe(inode(fdOf(accepted)));
    expect(getTcpInfo(fdOf(client)).state).toBe('ESTABLISHED');
  });

  it.skipIf(noTcpInfo).each([
    ['net.Server', () => net.createServer()],
    ['http.Server', () => http.createServer()],
    ['https.Server', () => https.createServer(tlsOptions)],
    ['tls.Server', () => tls.createServer(tlsOptions)],
    ['http2 server', () => http2.createServer()],
    ['http2 secure server', () => http2.createSecureServer(tlsOptions)],
  ])('finds the listening socket of a %s', async (_, make) => {
    const server = await listenOn(make() as net.Server);
    expect(getTcpInfo(server).state).toBe('LISTEN');
    expect(getsockopt(server, constants.SOL_SOCKET, constants.SO_ACCEPTCONN).readInt32LE()).toBe(1);
  });

  it.skipIf(noTcpInfo)('finds both ends of a TLS connection', async () => {
    const { client, accepted } = await tlsPair();
    expect(getTcpInfo(client).state).toBe('ESTABLISHED');
    expect(getTcpInfo(accepted).state).toBe('ESTABLISHED');
    if (!wineStateOnly) expect(getTcpInfo(client).mss).toBeGreaterThan(0);
  });

  it.skipIf(noTcpInfo)('finds an http request’s socket on both sides', async () => {
    const server = await listenOn(
      http.createServer((req, res) => {
        res.end(getTcpInfo(req.socket).state);
      }),
    );
    // Keep-alive, so neither side has closed when we look.
    const agent = new http.Agent({ keepAlive: true });
    onCleanup(() => agent.destroy());
    const { clientState, body } = await new Promise<{ clientState: string; body: string }>((resolve, reject) => {
      http
        .get({ port: portOf(server), host: '127.0.0.1', agent }, (res) => {
          const clientState = getTcpInfo(res.socket).state;
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ clientState, body }));
        })
        .on('error', reject);
    });
    expect(clientState).toBe('ESTABLISHED');
    expect(body).toBe('ESTABLISHED');
  });

  it('finds a bound dgram socket without the DEP0112 warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }): void => void warnings.push(w.code ?? w.name);
    process.on('warning', onWarning);
    onCleanup(() => process.off('warning', onWarning));

    const socket = dgram.createSocket('udp6');
    onCleanup(() => socket.close());
    socket.bind(0, '::1');
    await once(socket, 'listening');
    const fd = fdOf(socket);
    expect(getsockopt(fd, constants.SOL_SOCKET, constants.SO_TYPE).readInt32LE()).toBe(constants.SOCK_DGRAM);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);

    // Control: where the deprecated accessor exists it does warn, so the
    // listener above works. Node 25 removed it (DEP0112 reached End-of-Life).
    const legacy = socket as unknown as { _handle?: unknown };
    if (Object.getOwnPropertyDescriptor(dgram.Socket.prototype, '_handle')) {
      void legacy._handle;
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual(['DEP0112']);
    } else {
      expect(legacy._handle).toBeUndefined();
    }
  });
});

describe('fdOf by endpoints: Windows, and a runtime that gives out no descriptor', () => {
  it('finds a connected socket and a listener, and caches them per Node handle', async () => {
    const { server, client, accepted } = await pair();
    const socket = fdOf(client);
    expect(findConnected(client)).toBe(socket);
    expect(fdOf(client)).toBe(socket);
    expect(fdOf(accepted)).toBe(findConnected(accepted));
    const listener = fdOf(server);
    expect(getsockopt(listener, constants.SOL_SOCKET, constants.SO_ACCEPTCONN).readInt32LE()).toBe(1);
    expect(findSocket(0, 0, portOf(server), 0, '127.0.0.1', null)).toBe(listener);
    // A listener's port with a peer that does not exist matches nothing.
    expect(findSocket(0, 0, portOf(server), 1, '127.0.0.1', '127.0.0.1')).toBe(errnoOf('EBADF'));
  });

  // Deno's TCP and UDP handles have no `fd`: a handle whose `fd` reads
  // undefined is searched for, as there. The witness: the inode behind the
  // descriptor Node itself holds, read before it is hidden.
  // On Deno itself no handle has an fd to read the witness from: there the rest of the suite is this test.
  it.skipIf(windows || process.versions.deno !== undefined)(
    'finds each kind of target whose handle has no fd, as on Deno',
    async () => {
      const hide = (handle: object): string => {
        const real = inode((handle as { fd: number }).fd);
        Object.defineProperty(handle, 'fd', { value: undefined, configurable: true });
        return real;
      };
      const handleOf = (x: object): object => (x as { _handle: object })._handle;
      const { server, client, accepted } = await pair();
      const tcp = [client, accepted, server].map((t) => [t, hide(handleOf(t))] as const);
      const udp = dgram.createSocket('udp4');
      onCleanup(() => udp.close());
      udp.bind(0, '127.0.0.1');
      await once(udp, 'listening');
      const state = Object.getOwnPropertySymbols(udp).find((k) => k.description === 'state symbol')!;
      const udpReal = hide((udp as unknown as Record<symbol, { handle: object }>)[state].handle);
      for (const [target, real] of tcp) expect(inode(fdOf(target))).toBe(real);
      expect(inode(fdOf(udp))).toBe(udpReal);
      setLinger(client, { enabled: true, seconds: 0 });
      const reset = once(accepted, 'error');
      client.destroy();
      expect(((await reset)[0] as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    },
  );

  it.skipIf(windows)(
    'takes two descriptors of one socket as one, and refuses to guess between two sockets',
    async () => {
      const { server, client } = await pair();
      const copy = await secondDescriptor(client);
      // One of the two, flagged as one of several (native/socket.h, kFindShared): never cached for a handle.
      const found = findConnected(client);
      expect(found).toBeGreaterThanOrEqual(2 ** 30);
      expect([fdOf(client), copy]).toContain(found - 2 ** 30);
      expect(inode(copy)).toBe(inode(fdOf(client)));

      // Two listeners on one port (SO_REUSEPORT): which one is meant, the endpoints cannot say.
      const one = net.createServer();
      const two = net.createServer();
      for (const s of [one, two]) onCleanup(() => s.close());
      await listen(one, { host: '127.0.0.1', port: 0, reusePort: true });
      await listen(two, { host: '127.0.0.1', port: portOf(one), reusePort: true });
      expect(findSocket(0, 0, portOf(one), 0, '127.0.0.1', null)).toBe(errnoOf('EEXIST'));
      expect(portOf(server)).not.toBe(portOf(one));
    },
  );

  it.runIf(windows)('never hands out a SOCKET Node has closed, and follows a reconnect to the new one', async () => {
    const server = await listening();
    const port = portOf(server);
    const c = new net.Socket();
    onCleanup(() => c.destroy());
    c.connect(port, '127.0.0.1');
    await once(c, 'connect');
    expect(fdOf(c)).toBe(findConnected(c)); // now cached
    c.destroy();
    await once(c, 'close');
    expectCode(() => fdOf(c), 'EBADF');
    // Windows hands the freed handle value to the next socket at once; the
    // cached number must not come back for the new connection.
    c.connect(port, '127.0.0.1');
    await once(c, 'connect');
    expect(fdOf(c)).toBe(findConnected(c));
  });

  it.runIf(windows)('finds both ends of a TLS connection: linger 0 set through it resets the peer', async () => {
    const { client, accepted } = await tlsPair();
    expect(fdOf(client)).toBe(findConnected(client));
    expect(fdOf(accepted)).not.toBe(fdOf(client));
    const reset = once(client, 'error');
    setLinger(accepted, { enabled: true, seconds: 0 });
    accepted.destroy();
    const [err] = await reset;
    expect((err as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });
});
