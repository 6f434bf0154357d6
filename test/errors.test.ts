// Bad input throws the documented error, never crashes, never succeeds.
import dgram from 'node:dgram';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import * as sockctl from '../lib';
import { onCleanup } from './helpers/cleanup';
import { errnoOf, expectCode } from './helpers/errors';
import { under, windows } from './helpers/platform';
import { closeFd, closedFd, listening, newHandles, pair } from './helpers/sockets';

const {
  getLinger,
  setLinger,
  getReuseAddress,
  setReuseAddress,
  setReusePort,
  getTcpInfo,
  getsockopt,
  setsockopt,
  fdOf,
  constants,
  features,
} = sockctl;

// Every call that takes a target, with otherwise valid arguments.
const calls: Record<string, (target: never) => unknown> = {
  fdOf: (t) => fdOf(t),
  getLinger: (t) => getLinger(t),
  setLinger: (t) => setLinger(t, 1),
  getReuseAddress: (t) => getReuseAddress(t),
  // Where there is no SO_REUSEPORT (Windows), setReusePort refuses before it
  // looks at the target; setReuseAddress stands in.
  ...(features.reusePort
    ? { setReusePort: (t: never) => setReusePort(t, true) }
    : { setReuseAddress: (t: never) => setReuseAddress(t, true) }),
  getTcpInfo: (t) => getTcpInfo(t),
  getsockopt: (t) => getsockopt(t, constants.SOL_SOCKET, constants.SO_TYPE),
  setsockopt: (t) => setsockopt(t, constants.SOL_SOCKET, constants.SO_KEEPALIVE, 1),
};

describe.each(Object.entries(calls))('%s', (name, call) => {
  it.each([
    ['a string', 'x'],
    ['null', null],
    ['undefined', undefined],
    ['an object', {}],
    ['a bigint', 3n],
    ['a symbol', Symbol('s')],
  ])('throws ERR_INVALID_ARG_TYPE for %s', (_, target) => {
    const err = expectCode(() => call(target as never), 'ERR_INVALID_ARG_TYPE');
    expect(err).toBeInstanceOf(TypeError);
  });

  it.each([-1, 1.5, NaN, Infinity, -Infinity, 2 ** 31])('throws ERR_OUT_OF_RANGE for the descriptor %s', (fd) => {
    const err = expectCode(() => call(fd as never), 'ERR_OUT_OF_RANGE');
    expect(err).toBeInstanceOf(RangeError);
  });

  if (name === 'fdOf') return;

  it('throws EBADF for a closed descriptor', () => {
    const err = expectCode(() => call(closedFd() as never), 'EBADF');
    expect(err).toMatchObject({ errno: errnoOf('EBADF') });
    expect(['getsockopt', 'setsockopt']).toContain((err as sockctl.SystemError).syscall);
  });

  const wineSetsOnHandles =
    windows &&
    name.startsWith('set') &&
    under('wine', 'Wine answers setsockopt on a handle that is no socket with WSAEOPNOTSUPP, not WSAENOTSOCK');
  it.skipIf(wineSetsOnHandles)('throws ENOTSOCK for a regular file and a pipe', () => {
    if (windows) return notSocketsOnWindows(call, name);
    const fd = fs.openSync(__filename, 'r');
    onCleanup(() => fs.closeSync(fd));
    expect(expectCode(() => call(fd as never), 'ENOTSOCK')).toMatchObject({ errno: -88 });
    const stdinLike = fs.openSync('/dev/null', 'r');
    onCleanup(() => fs.closeSync(stdinLike));
    expectCode(() => call(stdinLike as never), 'ENOTSOCK');
  });
});

/**
 * Windows: fs descriptors are the C runtime's numbers, not handles, so the
 * handles that opening a file and a named pipe add to the process stand in
 * for them. The file's handle answers EBADF once the file is closed.
 */
function notSocketsOnWindows(call: (target: never) => unknown, name: string): void {
  let fd = -1;
  const file = newHandles(() => (fd = fs.openSync(__filename, 'r')));
  expect(file.length).toBeGreaterThan(0);
  for (const h of file) {
    expect(expectCode(() => call(h as never), 'ENOTSOCK')).toMatchObject({ errno: errnoOf('ENOTSOCK') });
  }
  fs.closeSync(fd);
  for (const h of file) expectCode(() => call(h as never), 'EBADF');

  const server = net.createServer();
  onCleanup(() => server.close());
  const pipe = newHandles(() => server.listen(`\\\\.\\pipe\\sockctl-errors-${process.pid}-${name}`));
  expect(pipe.length).toBeGreaterThan(0);
  for (const h of pipe) expectCode(() => call(h as never), 'ENOTSOCK');
}

describe('error numbers', () => {
  it('are Node’s own for this OS, not another’s', () => {
    const expected: Record<string, number> =
      process.platform === 'win32'
        ? { EBADF: -4083, ENOTSOCK: -4050, EADDRINUSE: -4091, ENOTSUP: -4049 }
        : process.platform === 'linux'
          ? { EBADF: -9, ENOTSOCK: -88, EADDRINUSE: -98, ENOTSUP: -95 }
          : {};
    for (const [code, errno] of Object.entries(expected)) expect(errnoOf(code), code).toBe(errno);
  });
});

describe('system errors look like Node’s own', () => {
  it('names the call, the code and the option', () => {
    const err = expectCode(() => getLinger(closedFd()), 'EBADF') as sockctl.SystemError;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('getsockopt EBADF (SO_LINGER)');
    expect(err).toMatchObject({ code: 'EBADF', errno: errnoOf('EBADF'), syscall: 'getsockopt', option: 'SO_LINGER' });
    // Same shape as an fs error for the same failure.
    let fsErr: NodeJS.ErrnoException | undefined;
    try {
      fs.fstatSync(closedFd());
    } catch (e) {
      fsErr = e as NodeJS.ErrnoException;
    }
    expect(fsErr).toMatchObject({ code: err.code, errno: err.errno });
  });

  it('ENOPROTOOPT for an option the kernel does not know', async () => {
    const { client } = await pair();
    const err = expectCode(() => getsockopt(client, constants.SOL_SOCKET, 9999), 'ENOPROTOOPT');
    expect(err.message).toBe(`getsockopt ENOPROTOOPT (level ${constants.SOL_SOCKET}, option 9999)`);
    expectCode(() => setsockopt(client, constants.IPPROTO_TCP, 9999, 1), 'ENOPROTOOPT');
  });
});

function bareTcp(): number {
  const fd = sockctl.openBoundSocket({ type: 'tcp', address: '127.0.0.1' });
  onCleanup(() => closeFd(fd));
  return fd;
}

describe('linger validation', () => {
  it.each([
    ['a string', 'x'],
    ['true', true],
    ['null', null],
    ['a bad object', { enabled: 'yes', seconds: 1 }],
    ['a partial object', { enabled: true }],
  ])('TypeError for %s', async (_, linger) => {
    const { client } = await pair();
    expectCode(() => setLinger(client, linger as never), 'ERR_INVALID_ARG_TYPE');
  });

  it.each([-1, 1.5, NaN, Infinity, sockctl.MAX_LINGER_SECONDS + 1])('RangeError for %s seconds', async (seconds) => {
    // A linger above 0 on Windows: only on a bare SOCKET (see windows-linger.test.ts).
    const client = windows ? bareTcp() : (await pair()).client;
    setLinger(client, 5);
    expectCode(() => setLinger(client, seconds), 'ERR_OUT_OF_RANGE');
    expectCode(() => setLinger(client, { enabled: true, seconds }), 'ERR_OUT_OF_RANGE');
    // Nothing reached the kernel.
    expect(getLinger(client)).toEqual({ enabled: true, seconds: 5 });
  });
});

describe('targets without a live socket throw EBADF, never a stale number', () => {
  it('a destroyed socket', async () => {
    const { client } = await pair();
    client.destroy();
    const err = expectCode(() => getLinger(client), 'EBADF');
    expect(err).toMatchObject({ syscall: 'fdOf', errno: errnoOf('EBADF') });
    expect(err.message).toMatch(/socket is closed or not yet open/);
  });

  it.runIf(process.platform !== 'win32')(
    'a destroyed socket whose descriptor number now belongs to a new file',
    async () => {
      const { client } = await pair();
      const old = fdOf(client);
      client.destroy();
      await once(client, 'close');
      // Open files until the kernel hands out the old number again (it reuses
      // the lowest free one, so this takes a few tries at most).
      const opened: number[] = [];
      onCleanup(() => opened.forEach((fd) => fs.closeSync(fd)));
      while (!opened.includes(old) && opened.length < 64) opened.push(fs.openSync(__filename, 'r'));
      expect(opened).toContain(old);
      expectCode(() => fdOf(client), 'EBADF');
      expectCode(() => setLinger(client, 0), 'EBADF');
      // The file behind the number is untouched and still readable.
      expect(fs.readSync(old, Buffer.alloc(2), 0, 2, 0)).toBe(2);
    },
  );

  it('a socket that was never connected', () => {
    expectCode(() => fdOf(new net.Socket()), 'EBADF');
  });

  it('a socket still resolving its host has no OS socket yet', async () => {
    const server = await listening();
    const s = net.connect({ port: (server.address() as net.AddressInfo).port, host: 'localhost' });
    onCleanup(() => s.destroy());
    s.on('error', () => {});
    // The lookup is asynchronous, so right now Node has no descriptor to give.
    expectCode(() => fdOf(s), 'EBADF');
  });

  it('a closed server and an unbound or closed dgram socket', async () => {
    const server = await listening();
    await new Promise((resolve) => server.close(resolve));
    expectCode(() => fdOf(server), 'EBADF');
    const u = dgram.createSocket('udp4');
    expectCode(() => fdOf(u), 'EBADF');
    u.bind(0, '127.0.0.1');
    await new Promise((resolve) => u.once('listening', resolve));
    expect(fdOf(u)).toBeGreaterThan(2);
    await new Promise<void>((resolve) => u.close(resolve));
    expectCode(() => fdOf(u), 'EBADF');
  });

  it('abort refuses anything but a net.Socket, and never throws for one (see abort.test.ts)', async () => {
    const server = await listening();
    expectCode(() => sockctl.abort(server as never), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => sockctl.abort(3 as never), 'ERR_INVALID_ARG_TYPE');
    const { client } = await pair();
    client.destroy();
    expect(sockctl.abort(client)).toBe(false);
  });
});
