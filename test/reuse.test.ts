import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { connect, getReuseAddress, getReusePort, listen, openBoundSocket, setReuseAddress, setReusePort } from '../lib';
import { native } from '../lib/native';
import {
  expectCode,
  listening,
  onCleanup,
  openFdCount,
  portOf,
  ssStates,
  track,
  tupleOf,
  waitFor,
  type Host,
} from './helpers';

const hosts: Host[] = ['127.0.0.1', '::1'];

describe.each(hosts)('SO_REUSEADDR / SO_REUSEPORT read back what was set on %s', (host) => {
  for (const type of ['tcp', 'udp'] as const) {
    it(`${type}: starts off, then follows set`, () => {
      const fd = openBoundSocket({ type, address: host });
      onCleanup(() => native.close(fd));
      expect(getReuseAddress(fd)).toBe(false);
      expect(getReusePort(fd)).toBe(false);
      setReuseAddress(fd, true);
      setReusePort(fd, true);
      expect(getReuseAddress(fd)).toBe(true);
      expect(getReusePort(fd)).toBe(true);
      setReuseAddress(fd, false);
      setReusePort(fd, false);
      expect(getReuseAddress(fd)).toBe(false);
      expect(getReusePort(fd)).toBe(false);
    });
  }

  it('a Node listener already has SO_REUSEADDR (libuv sets it on Unix)', async () => {
    const server = await listening(host);
    expect(getReuseAddress(server)).toBe(true);
    expect(getReusePort(server)).toBe(false);
  });

  it('openBoundSocket sets the options before bind', () => {
    const fd = openBoundSocket({ type: 'tcp', address: host, reuseAddress: true, reusePort: true });
    onCleanup(() => native.close(fd));
    expect(getReuseAddress(fd)).toBe(true);
    expect(getReusePort(fd)).toBe(true);
  });
});

describe.each(hosts)('listen() with reusePort on %s', (host) => {
  it('lets two servers share one port, and Linux spreads connections across them', async () => {
    const a = track(net.createServer());
    const b = track(net.createServer());
    await listen(a, { host, port: 0, reusePort: true });
    const port = portOf(a);
    await listen(b, { host, port, reusePort: true });
    expect(portOf(b)).toBe(port);
    expect(getReusePort(a)).toBe(true);
    expect(getReusePort(b)).toBe(true);

    const counts = { a: 0, b: 0 };
    a.on('connection', (s) => (counts.a++, s.destroy()));
    b.on('connection', (s) => (counts.b++, s.destroy()));
    // The kernel picks a listener by a hash of the 4-tuple: with 40 source
    // ports, one server taking all of them has a chance of 2^-39.
    const total = 40;
    for (let i = 0; i < total; i++) {
      const c = track(net.connect({ port, host }));
      c.on('error', () => {});
      await once(c, 'connect');
    }
    await waitFor('every connection accepted', () => counts.a + counts.b === total);
    expect(counts.a).toBeGreaterThan(0);
    expect(counts.b).toBeGreaterThan(0);
  });

  it('control: without reusePort the second listen fails with EADDRINUSE and leaks nothing', async () => {
    const a = track(net.createServer());
    await listen(a, { host, port: 0 });
    const before = openFdCount();
    const b = track(net.createServer());
    const err = await listen(b, { host, port: portOf(a) }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err).toMatchObject({ code: 'EADDRINUSE', syscall: 'bind', port: portOf(a), address: host });
    expect(b.listening).toBe(false);
    expect(openFdCount()).toBe(before);
  });
});

/** A server, and a local port that our closed connection to it holds in TIME_WAIT. */
async function portInTimeWait(host: Host): Promise<{ server: net.Server; localPort: number }> {
  const server = await listening(host);
  server.on('connection', (s) => s.on('data', () => {}));
  const first = track(await connect({ host, port: portOf(server), reuseAddress: true }));
  const localPort = first.localPort!;
  const tuple = tupleOf(first);
  // We close first, so TIME_WAIT stays on our side, holding localPort.
  first.end();
  await once(first, 'close');
  await waitFor('TIME_WAIT on the first connection', () => ssStates(tuple).includes('TIME-WAIT'));
  return { server, localPort };
}

describe.each(hosts)('connect() from a fixed local port on %s', (host) => {
  it('reconnects from the same port while the first connection sits in TIME_WAIT', async () => {
    const { server, localPort } = await portInTimeWait(host);
    const second = track(await connect({ host, port: portOf(server), localPort, reuseAddress: true }));
    expect(second.localPort).toBe(localPort);
    expect(second.remotePort).toBe(portOf(server));
    second.write('still works');
  });

  it('control: without reuseAddress the same port is refused with EADDRINUSE', async () => {
    const { server, localPort } = await portInTimeWait(host);
    const before = openFdCount();
    await expect(connect({ host, port: portOf(server), localPort })).rejects.toMatchObject({
      code: 'EADDRINUSE',
      syscall: 'bind',
    });
    expect(openFdCount()).toBe(before);
  });
});

describe('error paths of the reuse options', () => {
  it('rejects a non-boolean', async () => {
    const server = await listening();
    expectCode(() => setReusePort(server, 1 as never), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => setReuseAddress(server, 'yes' as never), 'ERR_INVALID_ARG_TYPE');
  });
});
