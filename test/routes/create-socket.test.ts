// createSocket: an unconnected net.Socket for clients that connect it
// themselves (node-postgres's `stream`). The policy goes on before Node
// binds or connects it, on a socket of the family of the address; the
// owner's own setNoDelay/setKeepAlive do not undo it; failures come as the
// socket's 'error' with no descriptor left behind.
import type dns from 'node:dns';
import { once } from 'node:events';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSocket, fdOf, features, listSockets, trackSockets } from '../../lib';
import { tempDir, track } from '../helpers/cleanup';
import { QEMU_CENSUS, under, windows } from '../helpers/platform';
import { openFdCount, portOf, waitFor } from '../helpers/sockets';
import { tcpKeepAliveOnDup } from '../witness/dup';
import { straceNode } from '../witness/strace';
import {
  closedPort,
  expectPolicyOn,
  expectSetBeforeBindAndConnect,
  httpServer,
  linux,
  policy,
  policyAt,
  RCVBUF,
  recorder,
} from './fixtures';

const ALL = ['keepAlive', 'keepAliveIdleSecs', 'recvBufferBytes', 'noDelay'];

/** A client as node-postgres makes its own: setNoDelay before connect, setKeepAlive(true, 10 s) once connected. */
async function connectAsPg(socket: net.Socket, port: number, host: string): Promise<net.Socket> {
  track(socket);
  socket.setNoDelay(true);
  socket.connect(port, host);
  await once(socket, 'connect');
  socket.setKeepAlive(true, 10_000);
  return socket;
}

/** The error the socket fails with, once it has closed. */
async function failure(socket: net.Socket): Promise<Error> {
  const [err] = (await once(socket, 'error')) as [Error];
  await waitFor('the socket to be destroyed', () => socket.destroyed);
  return err;
}

const ipv6 = Object.values(os.networkInterfaces())
  .flat()
  .some((i) => i?.address === '::1');

describe('createSocket', () => {
  it('to an address: set before connect, and held after the owner sets keepalive', async () => {
    const { port } = await httpServer();
    const seen = recorder();
    const socket = createSocket(policy, { onApply: seen.onApply });
    expect(socket).toBeInstanceOf(net.Socket);
    expect(socket.pending).toBe(true);
    await connectAsPg(socket, port, '127.0.0.1');
    expect(seen.results).toHaveLength(1);
    expect(seen.results[0][1]).toBe(socket);
    expect(seen.results[0][0]).toEqual({ applied: ALL, skipped: [] });
    await expectPolicyOn(socket, policyAt);
    if (linux) expect(tcpKeepAliveOnDup(fdOf(socket)).idle).toBe(77);
  });

  it.runIf(ipv6)('to a name: the family is the address it resolved to (::1)', async () => {
    const server = track(net.createServer((s) => s.resume()));
    server.listen(0, '::1');
    await once(server, 'listening');
    // Node asks for every address where it may walk them itself (autoSelectFamily: Windows, where the socket is Node's).
    const lookup = ((_h: string, o: dns.LookupOptions, cb: (...a: unknown[]) => void) =>
      o.all ? cb(null, [{ address: '::1', family: 6 }]) : cb(null, '::1', 6)) as unknown as typeof dns.lookup;
    const seen = recorder();
    const socket = track(createSocket(policy, { onApply: seen.onApply }));
    socket.connect({ host: 'db.example.invalid', port: portOf(server), lookup });
    await once(socket, 'connect');
    expect(socket.remoteAddress).toBe('::1');
    expect(seen.results.map(([r]) => r.applied)).toEqual([ALL]);
    await expectPolicyOn(socket, policyAt);
  });

  it('localhost through the system resolver, with a connect callback and a local address', async () => {
    const { port } = await httpServer();
    const socket = track(createSocket(policy));
    await new Promise<void>((resolve) =>
      socket.connect({ host: 'localhost', port, family: 4, localAddress: '127.0.0.1' }, resolve),
    );
    expect(socket.localAddress).toBe('127.0.0.1');
    await expectPolicyOn(socket, policyAt);
  });

  it('connects again after it was destroyed, with the policy again', async () => {
    const { port } = await httpServer();
    const seen = recorder();
    const socket = track(createSocket(policy, { onApply: seen.onApply }));
    socket.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.destroy();
    await once(socket, 'close');
    socket.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    expect(seen.results).toHaveLength(2);
    await expectPolicyOn(socket, policyAt);
  });

  it.runIf(!windows)('a Unix path: connected as Node would, every option reported unsupported', async () => {
    const dir = tempDir();
    const where = path.join(dir, 's');
    const server = track(net.createServer((s) => s.resume()));
    server.listen(where);
    await once(server, 'listening');
    const seen = recorder();
    const socket = track(createSocket(policy, { onApply: seen.onApply }));
    socket.connect(where);
    await once(socket, 'connect');
    expect(seen.results[0][0]).toEqual({ applied: [], skipped: ALL.map((name) => ({ name, reason: 'unsupported' })) });
  });

  it('a refused connection, a failed lookup and a throwing onApply are the socket’s own error, no descriptor left', async () => {
    const { port } = await httpServer();
    const before = openFdCount();
    const refused = createSocket(policy);
    refused.connect(await closedPort(), '127.0.0.1');
    expect((await failure(refused)) as NodeJS.ErrnoException).toMatchObject({
      code: 'ECONNREFUSED',
      syscall: 'connect',
    });

    const notFound = createSocket(policy);
    const lookup = ((host: string, _o: unknown, cb: (...a: unknown[]) => void) =>
      cb(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }),
      )) as unknown as typeof dns.lookup;
    notFound.connect({ host: 'nowhere.invalid', port, lookup });
    expect(await failure(notFound)).toMatchObject({ code: 'ENOTFOUND' });

    for (const host of ['127.0.0.1', 'localhost']) {
      const thrown = new Error('onApply says no');
      const socket = createSocket(policy, {
        onApply: () => {
          throw thrown;
        },
      });
      socket.connect({ host, port, family: 4 });
      expect(await failure(socket)).toBe(thrown);
    }
    await waitFor('every descriptor to be closed', () => openFdCount() <= before);
  });

  it.skipIf(under('qemu', QEMU_CENSUS))('the census names the socket it made', async () => {
    trackSockets();
    const { port } = await httpServer();
    const socket = track(createSocket(policy));
    socket.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    expect(listSockets().find((e) => e.fd === fdOf(socket))?.socket).toBe(socket);
  });

  it('refuses a bad policy or options when made', () => {
    expect(() => createSocket({ keepAliveIdleSecs: 0 })).toThrow(RangeError);
    expect(() => createSocket({ noDelay: 'yes' } as never)).toThrow(TypeError);
    expect(() => createSocket(policy, { onApply: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => createSocket(policy, { tls: true } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
    expect(() => createSocket(policy, { socket: { fd: 3 } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
    expect(() => createSocket(policy, { precedence: 'mine' } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
  });

  it.runIf(linux && features.bindHelpers)(
    'strace: the policy is on the socket before bind and connect (Linux)',
    async () => {
      if (under('qemu', 'strace would trace the emulator, not the program')) return;
      const script = `
      const net = require('node:net');
      const s = require(${JSON.stringify(path.join(__dirname, '..', '..'))});
      const server = net.createServer((c) => c.end()).listen(0, '127.0.0.1', () => {
        const socket = s.createSocket({ recvBufferBytes: ${RCVBUF}, bindAddressNoPort: true, synRetries: 3 });
        socket.connect({ host: 'localhost', family: 4, port: server.address().port, localAddress: '127.0.0.1' });
        socket.on('connect', () => { socket.destroy(); server.close(); });
      });`;
      const traced = (await straceNode(script, [], ['setsockopt', 'bind', 'connect'])).calls;
      expectSetBeforeBindAndConnect(traced, [
        /SO_RCVBUF, \[40000\]/,
        /IP_BIND_ADDRESS_NO_PORT, \[1\]/,
        /TCP_SYNCNT, \[3\]/,
      ]);
    },
  );
});
