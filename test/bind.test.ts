import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bindDgram,
  connect,
  fdOf,
  features,
  getReuseAddress,
  getReusePort,
  getsockopt,
  constants,
  listen,
  openBoundSocket,
} from '../lib';
import { onCleanup, track } from './helpers/cleanup';
import { errnoOf, expectCode } from './helpers/errors';
import { readInt, runtime, under, windows } from './helpers/platform';
import { closeFd, listening, openFdCount, portOf, waitFor } from './helpers/sockets';

function closeLater(fd: number): number {
  onCleanup(() => closeFd(fd));
  return fd;
}

describe('openBoundSocket', () => {
  it('returns a bound descriptor of the requested kind', () => {
    const tcp = closeLater(openBoundSocket({ type: 'tcp', address: '127.0.0.1' }));
    const udp6 = closeLater(openBoundSocket({ type: 'udp', address: '::1', ipv6Only: true }));
    expect(getsockopt(tcp, constants.SOL_SOCKET, constants.SO_TYPE).readInt32LE()).toBe(constants.SOCK_STREAM);
    expect(getsockopt(udp6, constants.SOL_SOCKET, constants.SO_TYPE).readInt32LE()).toBe(constants.SOCK_DGRAM);
    // SO_DOMAIN is Linux's; elsewhere IPV6_V6ONLY, an IPv6-only option, shows the family.
    if (constants.SO_DOMAIN !== undefined) {
      expect(getsockopt(udp6, constants.SOL_SOCKET, constants.SO_DOMAIN).readInt32LE()).toBe(constants.AF_INET6);
    }
    expect(readInt(getsockopt(udp6, constants.IPPROTO_IPV6, constants.IPV6_V6ONLY))).toBe(1);
  });

  it('sets ipv6Only both ways, and leaves the OS default when not given', () => {
    const off = closeLater(openBoundSocket({ type: 'tcp', address: '::', ipv6Only: false }));
    expect(readInt(getsockopt(off, constants.IPPROTO_IPV6, constants.IPV6_V6ONLY))).toBe(0);
    const on = closeLater(openBoundSocket({ type: 'tcp', address: '::1', ipv6Only: true }));
    expect(readInt(getsockopt(on, constants.IPPROTO_IPV6, constants.IPV6_V6ONLY))).toBe(1);
  });

  it('fails with a typed error and leaves no descriptor open', async () => {
    const server = await listening();
    const port = portOf(server);
    const before = openFdCount();
    const err = expectCode(() => openBoundSocket({ type: 'tcp', address: '127.0.0.1', port }), 'EADDRINUSE');
    expect(err).toMatchObject({ syscall: 'bind', address: '127.0.0.1', port, errno: errnoOf('EADDRINUSE') });
    expect(err.message).toBe(`bind EADDRINUSE 127.0.0.1:${port}`);
    expect(openFdCount()).toBe(before);
  });

  it('refuses addresses this host does not have with EADDRNOTAVAIL', () => {
    // 192.0.2.1 (TEST-NET-1) is never assigned to a local interface.
    expectCode(() => openBoundSocket({ type: 'tcp', address: '192.0.2.1' }), 'EADDRNOTAVAIL');
    if (!under('wine', 'Wine binds a UDP socket to any address, to filter by interface itself')) {
      expectCode(() => openBoundSocket({ type: 'udp', address: '192.0.2.1' }), 'EADDRNOTAVAIL');
    }
  });

  it('validates its options', () => {
    expectCode(() => openBoundSocket(undefined as never), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => openBoundSocket({ type: 'sctp' as never }), 'ERR_INVALID_ARG_VALUE');
    expectCode(() => openBoundSocket({ type: 'tcp', address: 'localhost' }), 'ERR_INVALID_ARG_VALUE');
    expectCode(() => openBoundSocket({ type: 'tcp', address: 7 as never }), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => openBoundSocket({ type: 'tcp', port: 65536 }), 'ERR_SOCKET_BAD_PORT');
    expectCode(() => openBoundSocket({ type: 'tcp', port: -1 }), 'ERR_SOCKET_BAD_PORT');
    expectCode(() => openBoundSocket({ type: 'tcp', port: 1.5 }), 'ERR_SOCKET_BAD_PORT');
    expectCode(() => openBoundSocket({ type: 'tcp', port: '80' as never }), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => openBoundSocket({ type: 'tcp', reusePort: 1 as never }), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => openBoundSocket({ type: 'tcp', address: '127.0.0.1', ipv6Only: true }), 'ERR_INVALID_ARG_VALUE');
    expectCode(() => openBoundSocket({ type: 'tcp', address: '::1%lo' }), 'ERR_INVALID_ARG_VALUE');
  });
});

describe('listen()', () => {
  it('listens on the requested address and accepts connections', async () => {
    const server = track(net.createServer((s) => s.end('hi')));
    expect(await listen(server, { host: '127.0.0.1', backlog: 8 })).toBe(server);
    expect(server.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    const c = track(net.connect(portOf(server), '127.0.0.1'));
    const [data] = await once(c, 'data');
    expect(String(data)).toBe('hi');
  });

  it('resolves a host name and defaults to SO_REUSEADDR like Node does', async () => {
    const server = track(net.createServer());
    await listen(server, { host: 'localhost' });
    expect(fdOf(server)).toBeGreaterThan(2);
    // libuv sets SO_REUSEADDR on its listeners on Unix only; Windows has no SO_REUSEPORT.
    expect(getReuseAddress(server)).toBe(!windows);
    if (features.reusePort) expect(getReusePort(server)).toBe(false);
    else expectCode(() => getReusePort(server), 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM');
  });

  it('refuses options it cannot set before bind where no socket is adopted (Windows, Bun, Deno)', async () => {
    expect(features.bindHelpers).toBe(!windows && runtime === undefined);
    const server = track(net.createServer());
    const u = dgram.createSocket('udp6');
    onCleanup(() => u.close());
    if (features.bindHelpers) {
      await listen(server, { host: '127.0.0.1', reuseAddress: true });
      expect(getReuseAddress(server)).toBe(true);
      await bindDgram(u, { address: '::1', ipv6Only: true });
      expect(readInt(getsockopt(u, constants.IPPROTO_IPV6, constants.IPV6_V6ONLY))).toBe(1);
      return;
    }
    const unavailable = { code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM' };
    await expect(listen(server, { host: '127.0.0.1', reuseAddress: true })).rejects.toMatchObject(unavailable);
    // Windows has no SO_REUSEPORT; Bun's and Deno's own listen() take it (test/reuse.test.ts).
    if (windows)
      await expect(listen(server, { host: '127.0.0.1', reusePort: true })).rejects.toMatchObject(unavailable);
    await expect(connect({ host: '127.0.0.1', port: 9, localPort: 0, reuseAddress: true })).rejects.toMatchObject(
      unavailable,
    );
    await expect(bindDgram(u, { address: '::1', ipv6Only: true })).rejects.toMatchObject(unavailable);
    expect(server.listening).toBe(false);
    // What Node's own listen and bind take still works.
    await listen(server, { host: '::1', ipv6Only: true });
    expect(server.address()).toMatchObject({ address: '::1' });
    await bindDgram(u, { address: '::1' });
    expect(u.address().address).toBe('::1');
  });

  it('refuses a server that is already listening', async () => {
    const server = await listening();
    await expect(listen(server, {})).rejects.toMatchObject({ code: 'ERR_SERVER_ALREADY_LISTEN' });
    await expect(listen({} as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(listen(net.createServer(), { host: '127.0.0.1', backlog: '5' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });
});

describe('connect()', () => {
  it('connects to a host name and exchanges data', async () => {
    const server = track(net.createServer((s) => s.pipe(s)));
    await listen(server, { host: '127.0.0.1' });
    const socket = track(await connect({ host: '127.0.0.1', port: portOf(server) }));
    socket.write('echo');
    const [data] = await once(socket, 'data');
    expect(String(data)).toBe('echo');
  });

  it('rejects with ECONNREFUSED and leaks no descriptor', async () => {
    const server = await listening();
    const port = portOf(server);
    await new Promise((resolve) => server.close(resolve));
    const before = openFdCount();
    await expect(connect({ host: '127.0.0.1', port })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
      syscall: 'connect',
    });
    // Node closes the descriptor when it destroys the socket (Bun may close one of an earlier test's meanwhile).
    expect(openFdCount()).toBeLessThanOrEqual(before);
  });

  it('validates its options', async () => {
    await expect(connect({ port: 'x' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(connect({ port: 70000 })).rejects.toMatchObject({ code: 'ERR_SOCKET_BAD_PORT' });
    await expect(connect(null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(connect({ host: '', port: 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(listen(net.createServer(), { host: '' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  });
});

describe('bindDgram()', () => {
  it('binds two UDP sockets to one port with reusePort, and both receive', async () => {
    const a = dgram.createSocket('udp4');
    const b = dgram.createSocket('udp4');
    onCleanup(() => a.close());
    onCleanup(() => b.close());
    if (!features.reusePort || !features.bindHelpers) {
      // Windows: no SO_REUSEPORT; Bun, Deno: no socket bound first is adopted. Refused before anything is bound.
      await expect(bindDgram(a, { address: '127.0.0.1', reusePort: true })).rejects.toMatchObject({
        code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
      });
      expect(() => a.address()).toThrow();
      return;
    }
    await bindDgram(a, { address: '127.0.0.1', reusePort: true });
    const port = a.address().port;
    await bindDgram(b, { address: '127.0.0.1', port, reusePort: true });
    expect(b.address().port).toBe(port);

    const got = { a: 0, b: 0 };
    a.on('message', () => got.a++);
    b.on('message', () => got.b++);
    // Linux picks the receiver by a hash of the source address and port: send
    // from 40 different source ports.
    const senders = Array.from({ length: 40 }, () => dgram.createSocket('udp4'));
    onCleanup(() => senders.forEach((s) => s.close()));
    for (const s of senders) s.send('x', port, '127.0.0.1');
    await waitFor('every datagram', () => got.a + got.b === senders.length);
    expect(got.a).toBeGreaterThan(0);
    expect(got.b).toBeGreaterThan(0);
  });

  it('binds a udp6 socket to the IPv6 wildcard by default', async () => {
    const s = dgram.createSocket('udp6');
    onCleanup(() => s.close());
    await bindDgram(s);
    expect(s.address().address).toBe('::');
  });

  it('refuses an address of the other family, and a second bind without reusePort', async () => {
    const s = dgram.createSocket('udp4');
    onCleanup(() => s.close());
    await expect(bindDgram(s, { address: '::1' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await bindDgram(s, { address: '127.0.0.1' });
    const t = dgram.createSocket('udp4');
    onCleanup(() => t.close());
    const before = openFdCount();
    await expect(bindDgram(t, { address: '127.0.0.1', port: s.address().port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    // Windows: Node's own bind made the socket, and keeps it until close().
    if (windows) await new Promise<void>((resolve) => t.close(resolve));
    expect(openFdCount()).toBe(before);
    await expect(bindDgram({} as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });
});

describe.runIf(features.bindHelpers && process.platform === 'linux')('in a cluster worker', () => {
  it('listen() refuses up front and leaks nothing; bindDgram() binds in the worker', () => {
    const script = `
      const cluster = require('node:cluster');
      const dgram = require('node:dgram');
      const fs = require('node:fs');
      const net = require('node:net');
      const sockctl = require(${JSON.stringify(path.join(__dirname, '..'))});
      if (cluster.isPrimary) {
        cluster.fork().on('message', (m) => { console.log(JSON.stringify(m)); process.exit(0); });
      } else {
        // Sockets only: Node 26 may close a descriptor of its own meanwhile.
        const count = () => fs.readdirSync('/proc/self/fd').filter((fd) => {
          try { return fs.readlinkSync('/proc/self/fd/' + fd).startsWith('socket:'); } catch { return false; }
        }).length;
        (async () => {
          const before = count();
          const code = await sockctl.listen(net.createServer(), { host: '127.0.0.1', reusePort: true }).then(() => 'ok', (e) => e.code);
          const leaked = count() - before;
          const u = dgram.createSocket('udp4');
          await sockctl.bindDgram(u, { address: '127.0.0.1', reusePort: true });
          process.send({ code, leaked, dgramReusePort: sockctl.getReusePort(u) });
        })();
      }`;
    // cluster.fork() re-runs the main script, so it must be a file.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-')), 'cluster.js');
    fs.writeFileSync(file, script);
    onCleanup(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }));
    const out = execFileSync(process.execPath, [file], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', leaked: 0, dgramReusePort: true });
  });
});
