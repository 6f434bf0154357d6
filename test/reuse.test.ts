import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  connect,
  constants,
  features,
  getReuseAddress,
  getReusePort,
  getsockopt,
  listen,
  openBoundSocket,
  setReuseAddress,
  setReusePort,
  setsockopt,
  type Target,
} from '../lib';
import { onCleanup, track } from './helpers/cleanup';
import { errnoOf, expectCode } from './helpers/errors';
import { runtime, windows } from './helpers/platform';
import { closeFd, listening, openFdCount, portOf, tupleOf, waitFor, type Host } from './helpers/sockets';
import { ssStates } from './witness/ss';

const hosts: Host[] = ['127.0.0.1', '::1'];
const unavailable = { code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM' };

// SO_REUSEPORT where the OS has it; elsewhere (Windows) both calls refuse.
function expectReusePort(target: Target, value: boolean): void {
  if (features.reusePort) expect(getReusePort(target)).toBe(value);
  else expectCode(() => getReusePort(target), unavailable.code);
}
function setReusePortIfAny(target: Target, value: boolean): void {
  if (features.reusePort) setReusePort(target, value);
  else expectCode(() => setReusePort(target, value), unavailable.code);
}

describe.each(hosts)('SO_REUSEADDR / SO_REUSEPORT read back what was set on %s', (host) => {
  for (const type of ['tcp', 'udp'] as const) {
    it(`${type}: starts off, then follows set`, () => {
      const fd = openBoundSocket({ type, address: host });
      onCleanup(() => closeFd(fd));
      expect(getReuseAddress(fd)).toBe(false);
      expectReusePort(fd, false);
      setReuseAddress(fd, true);
      setReusePortIfAny(fd, true);
      expect(getReuseAddress(fd)).toBe(true);
      expectReusePort(fd, true);
      setReuseAddress(fd, false);
      setReusePortIfAny(fd, false);
      expect(getReuseAddress(fd)).toBe(false);
      expectReusePort(fd, false);
    });
  }

  it('a Node listener already has SO_REUSEADDR (libuv sets it on Unix)', async () => {
    const server = await listening(host);
    // Not on Windows, where SO_REUSEADDR would let another socket take the port.
    expect(getReuseAddress(server)).toBe(!windows);
    expectReusePort(server, false);
  });

  it('openBoundSocket sets the options before bind', () => {
    if (!features.reusePort) {
      expectCode(() => openBoundSocket({ type: 'tcp', address: host, reusePort: true }), unavailable.code);
    }
    const fd = openBoundSocket({ type: 'tcp', address: host, reuseAddress: true, reusePort: features.reusePort });
    onCleanup(() => closeFd(fd));
    expect(getReuseAddress(fd)).toBe(true);
    expectReusePort(fd, true);
  });

  it('SO_EXCLUSIVEADDRUSE exists on Windows only, and reads back what was set', () => {
    const fd = openBoundSocket({ type: 'tcp', address: host });
    onCleanup(() => closeFd(fd));
    if (!windows) {
      expect(constants.SO_EXCLUSIVEADDRUSE).toBeUndefined();
      return;
    }
    const { SOL_SOCKET } = constants;
    const SO_EXCLUSIVEADDRUSE = constants.SO_EXCLUSIVEADDRUSE!;
    expect(SO_EXCLUSIVEADDRUSE).toBeLessThan(0); // ~SO_REUSEADDR: the raw API takes negative names
    expect(getsockopt(fd, SOL_SOCKET, SO_EXCLUSIVEADDRUSE).readInt32LE()).toBe(0);
    setsockopt(fd, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, true);
    expect(getsockopt(fd, SOL_SOCKET, SO_EXCLUSIVEADDRUSE).readInt32LE()).toBe(1);
    setsockopt(fd, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, false);
    expect(getsockopt(fd, SOL_SOCKET, SO_EXCLUSIVEADDRUSE).readInt32LE()).toBe(0);
  });
});

describe.each(hosts)('listen() with reusePort on %s', (host) => {
  it('lets two servers share one port, and Linux spreads connections across them', async () => {
    const a = track(net.createServer());
    const b = track(net.createServer());
    if (!features.reusePort) {
      // Windows: no SO_REUSEPORT, refused before anything is bound. (Bun's and Deno's own listen() take it.)
      await expect(listen(a, { host, port: 0, reusePort: true })).rejects.toMatchObject(unavailable);
      expect(a.listening).toBe(false);
      return;
    }
    await listen(a, { host, port: 0, reusePort: true });
    const port = portOf(a);
    await listen(b, { host, port, reusePort: true });
    expect(portOf(b)).toBe(port);
    if (runtime === 'Deno') {
      // Deno gives out no descriptor, and two listeners on one port cannot be told apart by their endpoints.
      expect(() => getReusePort(a)).toThrow(
        expect.objectContaining({ code: 'EBADF', option: expect.stringMatching(/more than one socket/) }),
      );
    } else {
      expect(getReusePort(a)).toBe(true);
      expect(getReusePort(b)).toBe(true);
    }

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
    // Windows: Node's own listen, and libuv reports a failed bind there from listen().
    const syscall = features.bindHelpers ? 'bind' : 'listen';
    expect(err).toMatchObject({ code: 'EADDRINUSE', syscall, port: portOf(a), address: host });
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

/**
 * Windows: connect() cannot set SO_REUSEADDR before bind and says so; a
 * fixed local port alone goes through Node's own connect.
 */
async function fixedPortOnWindows(host: Host): Promise<void> {
  const server = await listening(host);
  await expect(connect({ host, port: portOf(server), localPort: 0, reuseAddress: true })).rejects.toMatchObject(
    unavailable,
  );
  const spare = await listening(host);
  const localPort = portOf(spare);
  await new Promise((resolve) => spare.close(resolve));
  const socket = track(await connect({ host, port: portOf(server), localPort }));
  expect(socket.localPort).toBe(localPort);
}

describe.each(hosts)('connect() from a fixed local port on %s', (host) => {
  it('reconnects from the same port while the first connection sits in TIME_WAIT', async () => {
    if (!features.bindHelpers) return fixedPortOnWindows(host);
    const { server, localPort } = await portInTimeWait(host);
    const second = track(await connect({ host, port: portOf(server), localPort, reuseAddress: true }));
    expect(second.localPort).toBe(localPort);
    expect(second.remotePort).toBe(portOf(server));
    second.write('still works');
  });

  it('control: without reuseAddress the same port is refused with EADDRINUSE', async () => {
    if (!features.bindHelpers) {
      // Windows, through Node's own connect: the port held by an open connection.
      const first = track(await connect({ host, port: portOf(await listening(host)) }));
      const other = await listening(host);
      const before = openFdCount();
      await expect(connect({ host, port: portOf(other), localPort: first.localPort })).rejects.toMatchObject({
        code: 'EADDRINUSE',
        errno: errnoOf('EADDRINUSE'),
      });
      expect(openFdCount()).toBe(before);
      return;
    }
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
    // Where there is no SO_REUSEPORT (Windows) the option is refused by name first.
    expectCode(
      () => setReusePort(server, 1 as never),
      features.reusePort ? 'ERR_INVALID_ARG_TYPE' : 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
    );
    expectCode(() => setReuseAddress(server, 'yes' as never), 'ERR_INVALID_ARG_TYPE');
  });
});
