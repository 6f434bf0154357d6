// ioredis and node-redis against a real Redis from Debian, plain and on its
// TLS port. ioredis calls setKeepAlive(true, 30000) (its default keepAlive)
// on 'connect' / 'secureConnect' and reconnects by itself; node-redis
// connects with keepAlive in net.connect's options, which Node writes at
// connect. Both declare Node 20 or later, and run on 18.20 all the same.
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abort, listSockets, trackSockets } from '../../lib';
import { onCleanup } from '../helpers/cleanup';
import { QEMU_CENSUS, under } from '../helpers/platform';
import { serversRun, startRedis, type RunningServer } from '../helpers/servers';
import {
  expectHeldAfterOwner,
  expectOwnerKept,
  expectPolicyHeld,
  install,
  stuckInCloseWait,
  watchdogAborts,
} from './fixtures';

const run = serversRun();
let server: RunningServer;
beforeAll(async () => {
  if (run) server = await startRedis();
}, 60_000);
afterAll(() => server?.stop());

async function ioredis(secure: boolean): Promise<Redis> {
  const client = new Redis({
    host: '127.0.0.1',
    port: secure ? server.tlsPort : server.port,
    tls: secure ? { rejectUnauthorized: false } : undefined,
    maxRetriesPerRequest: 1,
  });
  onCleanup(() => client.disconnect());
  await once(client, 'ready');
  return client;
}

const streamOf = (client: Redis) => (client as unknown as { stream: net.Socket }).stream;

describe.runIf(run)('ioredis against Redis', () => {
  it.each([false, true])(
    "installPolicy (tls: %s): commands run and the kernel holds the policy after ioredis' setKeepAlive",
    async (secure) => {
      const r = install();
      const client = await ioredis(secure);
      expect(await client.set('k', 'v')).toBe('OK');
      expect(await client.get('k')).toBe('v');
      const stream = streamOf(client);
      expect(stream instanceof tls.TLSSocket).toBe(secure);
      expectHeldAfterOwner(r, stream, { client: 'ioredis', route: 'installPolicy', tls: secure });
    },
  );

  it("precedence 'owner': ioredis' 30 s stands", async () => {
    install({ precedence: 'owner' });
    const client = await ioredis(false);
    await client.ping();
    expectOwnerKept(streamOf(client), 30, {
      client: 'ioredis',
      route: 'installPolicy',
      tls: false,
      precedence: 'owner',
    });
  });

  it.skipIf(under('qemu', QEMU_CENSUS))(
    'the census maps the descriptor to the stream ioredis holds, TLS included',
    async () => {
      trackSockets();
      for (const secure of [false, true]) {
        const client = await ioredis(secure);
        const stream = streamOf(client);
        const entry = listSockets().find((e) => e.localPort === stream.localPort);
        expect(entry?.state).toBe('ESTABLISHED');
        expect(entry?.socket).toBe(stream);
      }
    },
  );

  it.skipIf(under('qemu', QEMU_CENSUS)).each([false, true])(
    'the watchdog aborts the stream stuck in CLOSE_WAIT (tls: %s): ioredis reconnects, with the policy',
    async (secure) => {
      const r = install();
      const client = await ioredis(secure);
      const admin = await ioredis(false);
      const id = await client.client('ID');
      const first = streamOf(client);
      const { tuple, unreadFailed } = await stuckInCloseWait(
        first,
        () => client.ping(),
        () => admin.client('KILL', 'ID', String(id)),
      );
      const reconnected = once(client, 'ready');
      await watchdogAborts(first, tuple);
      // ioredis retries the command on the new connection, or fails it (maxRetriesPerRequest).
      await reconnected;
      await unreadFailed;
      expect(await client.ping()).toBe('PONG');
      const second = streamOf(client);
      expect(second).not.toBe(first);
      expect(r.applied.some(([, s]) => s === second)).toBe(true);
      expectPolicyHeld(second);
    },
  );

  it('abort() on its socket: ioredis takes its own reconnect path and the next command works', async () => {
    const r = install();
    const client = await ioredis(false);
    const first = streamOf(client);
    abort(first);
    await once(client, 'reconnecting');
    await once(client, 'ready');
    expect(await client.ping()).toBe('PONG');
    const second = streamOf(client);
    expect(second).not.toBe(first);
    // The new connection got the policy too.
    expect(r.applied.some(([, s]) => s === second)).toBe(true);
    expectPolicyHeld(second);
  });
});

/** A connected node-redis client, destroyed after the test; its errors collected (node-redis throws without a listener). */
function nodeRedis(secure: boolean, errors: Error[] = []) {
  const client = createClient({
    socket: secure
      ? { host: '127.0.0.1', port: server.tlsPort, tls: true, rejectUnauthorized: false }
      : { host: '127.0.0.1', port: server.port },
  });
  client.on('error', (err: Error) => errors.push(err));
  onCleanup(() => void client.destroy());
  return client.connect();
}

describe.runIf(run)('node-redis against Redis', () => {
  it.skipIf(under('qemu', QEMU_CENSUS)).each([false, true])(
    'the watchdog aborts its socket stuck in CLOSE_WAIT (tls: %s): node-redis reconnects and the next command works',
    async (secure) => {
      trackSockets();
      const errors: Error[] = [];
      const client = await nodeRedis(secure, errors);
      const port = secure ? server.tlsPort : server.port;
      const id = await client.clientId();
      // Its socket is private: found through the census, while it is the only one to the server.
      const [entry, ...more] = listSockets({ state: 'ESTABLISHED' }).filter((e) => e.remotePort === port);
      expect(more).toEqual([]);
      const socket = entry.socket!;
      const admin = await nodeRedis(false);
      const ready = new Promise((resolve) => client.once('ready', resolve));
      const { tuple, unreadFailed } = await stuckInCloseWait(
        socket,
        () => client.ping(),
        () => admin.sendCommand(['CLIENT', 'KILL', 'ID', String(id)]),
      );
      await watchdogAborts(socket, tuple);
      await ready;
      await unreadFailed;
      expect(await client.ping()).toBe('PONG');
      expect(errors.length).toBeGreaterThan(0);
    },
  );

  it.skipIf(under('qemu', QEMU_CENSUS))(
    'the census maps its connection to a Node socket, TLS included, and abort() takes its reconnect path',
    async () => {
      trackSockets();
      for (const secure of [false, true]) {
        const errors: Error[] = [];
        const client = await nodeRedis(secure, errors);
        const port = secure ? server.tlsPort : server.port;
        // node-redis keeps its socket private: the census is how an operator finds it.
        const [entry, ...more] = listSockets({ state: 'ESTABLISHED' }).filter((e) => e.remotePort === port);
        expect(more).toEqual([]);
        expect(entry.socket instanceof tls.TLSSocket).toBe(secure);
        expect(entry.socket!.localPort).toBe(entry.localPort);
        // (events.once would reject on the 'error' node-redis emits first.)
        const ready = new Promise((resolve) => client.once('ready', resolve));
        abort(entry.socket!);
        await ready;
        expect(await client.ping()).toBe('PONG');
        expect(errors.length).toBeGreaterThan(0);
        const [again] = listSockets({ state: 'ESTABLISHED' }).filter((e) => e.remotePort === port);
        expect(again.localPort).not.toBe(entry.localPort);
      }
    },
  );

  it.each([false, true])('installPolicy (tls: %s): commands run and the kernel holds the policy', async (secure) => {
    const r = install();
    const client = createClient({
      socket: secure
        ? { host: '127.0.0.1', port: server.tlsPort, tls: true, rejectUnauthorized: false }
        : { host: '127.0.0.1', port: server.port },
    });
    onCleanup(() => void client.destroy());
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    expect(r.errors).toEqual([]);
    const sockets = r.applied
      .map(([, s]) => s)
      .filter(
        (s): s is net.Socket => s instanceof net.Socket && s.remotePort === (secure ? server.tlsPort : server.port),
      );
    expect(sockets).toHaveLength(1);
    expect(sockets[0] instanceof tls.TLSSocket).toBe(secure);
    expectPolicyHeld(sockets[0], { client: 'redis (node-redis)', route: 'installPolicy', tls: secure });
  });
});
