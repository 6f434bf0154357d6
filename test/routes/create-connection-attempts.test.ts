// createConnection's attempts: a name is resolved and its addresses walked,
// each with a fresh socket carrying the policy; a failed or hung attempt
// gives way to the next, and every error reaches the caller.
import { spawn } from 'node:child_process';
import type dns from 'node:dns';
import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createConnection, fdOf, features, type ApplyResult } from '../../lib';
import { onCleanup, track } from '../helpers/cleanup';
import { openFdCount, waitFor } from '../helpers/sockets';
import {
  closedPort,
  descriptorName,
  expectPolicyOn,
  httpServer,
  linux,
  openDescriptorNames,
  policy,
  recorder,
} from './fixtures';

describe('createConnection', () => {
  it.runIf(features.bindHelpers)('a host name: each address gets a fresh socket with the policy (POSIX)', async () => {
    const { port } = await httpServer();
    // Nothing listens on [::1]:port, so the first attempt is refused.
    const lookup = ((_host: string, _options: unknown, callback: (...args: unknown[]) => void) =>
      callback(null, [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ])) as unknown as typeof dns.lookup;
    const seen = recorder();
    const connect = createConnection(policy, { onApply: seen.onApply });
    const socket = await new Promise<net.Socket>((resolve, reject) =>
      connect({ host: 'example.invalid', port, lookup }, (err, s) => (err ? reject(err) : resolve(s!))),
    );
    track(socket);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(seen.results.map(([r]) => r.applied)).toEqual([
      ['keepAlive', 'keepAliveIdleSecs', 'recvBufferBytes', 'noDelay'],
      ['keepAlive', 'keepAliveIdleSecs', 'recvBufferBytes', 'noDelay'],
    ]);
    expect((seen.results[0][1] as net.Socket).destroyed).toBe(true);
    expect(seen.results[1][1]).toBe(socket);
    await expectPolicyOn(socket, 'before connect');
  });

  it.runIf(features.bindHelpers)('every address refused: the last error, and no descriptor left (POSIX)', async () => {
    const port = await closedPort();
    const lookup = ((_h: string, _o: unknown, callback: (...args: unknown[]) => void) =>
      callback(null, [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ])) as unknown as typeof dns.lookup;
    // Each attempt's socket, by what the descriptor names (socket:[inode]).
    const attempts: string[] = [];
    const onApply = (_r: ApplyResult, s: net.Socket): void => {
      attempts.push(descriptorName((s as unknown as { _handle: { fd: number } })._handle.fd));
    };
    const err = await new Promise<NodeJS.ErrnoException>((resolve) =>
      createConnection(policy, { onApply })({ host: 'example.invalid', port, lookup }, (e) =>
        resolve(e as NodeJS.ErrnoException),
      ),
    );
    expect(err.code).toBe('ECONNREFUSED');
    expect((err as { address?: string }).address).toBe('::1');
    expect(attempts).toHaveLength(2);
    // Each failed attempt's socket is destroyed, and its descriptor closes with it.
    await waitFor('the attempts to close', () => attempts.every((name) => !openDescriptorNames().includes(name)));
  });

  it.runIf(features.bindHelpers)('an address that fails at bind is passed over for the next (POSIX)', async () => {
    const { port } = await httpServer();
    // [::1]:taken is held, so the IPv6 attempt's bind fails; 0.0.0.0:taken is
    // free. taken lies below the ephemeral range, where no outgoing
    // connection of a parallel test can hold 127.0.0.1:taken meanwhile.
    const holder = track(net.createServer());
    let taken = 0;
    for (let port = 20000 + Math.floor(Math.random() * 10000); taken === 0; port++) {
      holder.listen(port, '::1');
      const [event] = await Promise.race([once(holder, 'listening').then(() => ['ok']), once(holder, 'error')]);
      if (event === 'ok') taken = port;
    }
    const lookup = ((_h: string, _o: unknown, callback: (...args: unknown[]) => void) =>
      callback(null, [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ])) as unknown as typeof dns.lookup;
    const socket = await new Promise<net.Socket>((resolve, reject) =>
      createConnection(policy)({ host: 'example.invalid', port, lookup, localPort: taken }, (err, s) =>
        err ? reject(err) : resolve(s!),
      ),
    );
    track(socket);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(socket.localPort).toBe(taken);
  });

  // Where no socket is adopted (Windows, Bun, Deno), Node walks the addresses itself and options.timeout is its idle timeout.
  it.runIf(linux && features.bindHelpers)(
    'options.timeout ends an attempt that hangs, and the next address is tried (Linux)',
    async () => {
      const { port } = await httpServer();
      // On 127.0.0.2, the same port: a listener that never accepts, with a
      // backlog of 0. One connection fills its queue; the kernel then drops
      // further SYNs, so a connect there hangs for minutes.
      const child = spawn('python3', [
        '-c',
        'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.2",int(sys.argv[1])))\ns.listen(0)\nprint("ok",flush=True)\ntime.sleep(60)',
        String(port),
      ]);
      onCleanup(() => child.kill());
      await once(child.stdout!, 'data');
      const filler = track(net.connect(port, '127.0.0.2'));
      await once(filler, 'connect');
      const lookup = ((_h: string, _o: unknown, callback: (...args: unknown[]) => void) =>
        callback(null, [
          { address: '127.0.0.2', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ])) as unknown as typeof dns.lookup;
      const started = Date.now();
      const socket = await new Promise<net.Socket>((resolve, reject) =>
        createConnection(policy)({ host: 'example.invalid', port, lookup, timeout: 300 }, (err, s) =>
          err ? reject(err) : resolve(s!),
        ),
      );
      track(socket);
      expect(socket.remoteAddress).toBe('127.0.0.1');
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    },
  );

  it("rejects a bad timeout; a throwing onApply is the socket's 'error' and leaves no socket behind", async () => {
    const { port } = await httpServer();
    expect(() => createConnection(policy)({ host: '127.0.0.1', port, timeout: '5s' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    const boom = new Error('boom');
    // Linux: the socket onApply saw, by inode (the http server's side of it may close later, on its own).
    let ours: string | undefined;
    const connect = createConnection(policy, {
      onApply: (_, socket) => {
        if (linux) ours = descriptorName(fdOf(socket));
        throw boom;
      },
    });
    // As net.createConnection's own failures: 'error' on the socket it returned (on Windows the policy, and so
    // onApply, waits for 'connect'), never a throw into the caller.
    const before = openFdCount();
    const socket = connect({ host: '127.0.0.1', port })!;
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const failure = await new Promise((resolve) => socket.once('error', resolve));
    expect(failure).toBe(boom);
    await closed;
    if (ours !== undefined) await waitFor('our socket closed', () => !openDescriptorNames().includes(ours!));
    else await waitFor('no descriptor left', () => openFdCount() === before);
    if (!features.bindHelpers) return;
    const lookup = ((_h: string, _o: unknown, callback: (...args: unknown[]) => void) =>
      callback(null, [{ address: '127.0.0.1', family: 4 }])) as unknown as typeof dns.lookup;
    const err = await new Promise<Error | null>((resolve) =>
      connect({ host: 'example.invalid', port, lookup }, (e) => resolve(e)),
    );
    expect(err).toBe(boom);
  });

  it('bad TLS options reach the caller or the callback, not the event loop', async () => {
    const { port } = await httpServer();
    const connect = createConnection(policy, { tls: { minVersion: 'TLSv9' as never } });
    expect(() => connect({ host: '127.0.0.1', port })).toThrow(
      expect.objectContaining({ code: 'ERR_TLS_INVALID_PROTOCOL_VERSION' }),
    );
    // A name is resolved and connected first (POSIX; on Windows Node resolves, and the throw is the caller's).
    if (!features.bindHelpers) return;
    const lookup = ((_h: string, _o: unknown, callback: (...args: unknown[]) => void) =>
      callback(null, [{ address: '127.0.0.1', family: 4 }])) as unknown as typeof dns.lookup;
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      connect({ host: 'example.invalid', port, lookup }, (e) => resolve(e as NodeJS.ErrnoException)),
    );
    expect(err?.code).toBe('ERR_TLS_INVALID_PROTOCOL_VERSION');
  });
});
