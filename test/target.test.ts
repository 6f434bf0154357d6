// fdOf resolves every kind of target to the socket behind it.
import dgram from 'node:dgram';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { constants, fdOf, getsockopt, getTcpInfo } from '../lib';
import { onCleanup, pair, portOf } from './helpers';
import { QEMU_TCP_INFO, under } from './platform';

const fixtures = path.join(__dirname, 'fixtures');
const tlsOptions = {
  key: fs.readFileSync(path.join(fixtures, 'key.pem')),
  cert: fs.readFileSync(path.join(fixtures, 'cert.pem')),
};
const noTcpInfo = under('qemu', QEMU_TCP_INFO);

/** The socket inode behind a descriptor: proves two numbers name one socket. */
function inode(fd: number): string {
  return fs.readlinkSync(`/proc/self/fd/${fd}`);
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
    const server = await listenOn(tls.createServer(tlsOptions));
    const secured = once(server, 'secureConnection');
    const client = tls.connect({ port: portOf(server), host: '127.0.0.1', rejectUnauthorized: false });
    onCleanup(() => client.destroy());
    await once(client, 'secureConnect');
    const [accepted] = (await secured) as [tls.TLSSocket];
    onCleanup(() => accepted.destroy());
    expect(getTcpInfo(client).state).toBe('ESTABLISHED');
    expect(getTcpInfo(accepted).state).toBe('ESTABLISHED');
    expect(getTcpInfo(client).mss).toBeGreaterThan(0);
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
