// node-postgres against a real PostgreSQL from Debian. pg makes its socket
// with `new net.Socket()`, calls setNoDelay(true) before connect() and
// setKeepAlive(true, keepAliveInitialDelayMillis) on 'connect', and for
// `ssl` wraps it with tls.connect({ socket }).
import tls from 'node:tls';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abort, createSocket, listSockets, trackSockets, type ApplyResult } from '../../lib';
import { onCleanup } from '../helpers/cleanup';
import { QEMU_CENSUS, under } from '../helpers/platform';
import { waitFor } from '../helpers/sockets';
import { serversRun, startPostgres, type RunningServer } from '../helpers/servers';
import {
  expectHeldAfterOwner,
  expectOwnerKept,
  expectPolicyHeld,
  install,
  KEEPALIVE_OPTIONS,
  POLICY,
  type Reports,
  stuckInCloseWait,
  watchdogAborts,
} from './fixtures';

const run = serversRun();
let server: RunningServer;
beforeAll(async () => {
  if (run) server = await startPostgres();
}, 60_000);
afterAll(() => server?.stop());

/** A connected client with pg's own keepalive (10 s), ended after the test. */
async function client(ssl: boolean, extra: pg.ClientConfig = {}): Promise<pg.Client> {
  const c = new pg.Client({
    ...extra,
    host: '127.0.0.1',
    port: server.port,
    user: 'postgres',
    database: 'postgres',
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ssl: ssl ? { rejectUnauthorized: false } : false,
  });
  onCleanup(() => void c.end().catch(() => {}));
  await c.connect();
  return c;
}

const streamOf = (c: pg.Client) =>
  (c as unknown as { connection: { stream: import('node:net').Socket } }).connection.stream;

describe.runIf(run)('pg against PostgreSQL', () => {
  it.each([false, true])(
    "installPolicy (ssl: %s): queries run and the kernel holds the policy after pg's own setKeepAlive",
    async (ssl) => {
      const r = install();
      const c = await client(ssl);
      expect((await c.query('select 1 + 1 as x')).rows).toEqual([{ x: 2 }]);
      const stream = streamOf(c);
      expect(stream instanceof tls.TLSSocket).toBe(ssl);
      if (ssl)
        expect((await c.query('select ssl from pg_stat_ssl where pid = pg_backend_pid()')).rows).toEqual([
          { ssl: true },
        ]);
      // pg's setKeepAlive(true, 10000) on 'connect', after the policy: seen, and undone.
      expectHeldAfterOwner(r, stream, { client: 'pg', route: 'installPolicy', tls: ssl });
    },
  );

  it.each([false, true])(
    "createSocket as pg's stream (ssl: %s): set before pg connects it, held after pg's own setKeepAlive",
    async (ssl) => {
      const r: Reports = { applied: [], overrides: [], errors: [] };
      const stream = () =>
        createSocket(POLICY, {
          onApply: (result, socket) => r.applied.push([result, socket]),
          onOverride: (override, socket) => r.overrides.push([override, socket]),
        });
      const c = await client(ssl, { stream });
      expect((await c.query('select 3 as z')).rows).toEqual([{ z: 3 }]);
      const held = streamOf(c);
      expect(held instanceof tls.TLSSocket).toBe(ssl);
      expect(r.applied).toHaveLength(1);
      expect((r.applied[0][0] as ApplyResult).skipped).toEqual([]);
      // The socket pg was handed; with ssl pg holds the TLSSocket around it.
      if (!ssl) expect(r.applied[0][1]).toBe(held);
      expectHeldAfterOwner(r, held, { client: 'pg', route: 'createSocket', tls: ssl });
    },
  );

  it('createSocket in a pg.Pool: every pooled connection holds the policy', async () => {
    const pool = new pg.Pool({
      host: '127.0.0.1',
      port: server.port,
      user: 'postgres',
      database: 'postgres',
      max: 3,
      stream: () => createSocket(POLICY),
    } as pg.PoolConfig);
    onCleanup(() => void pool.end().catch(() => {}));
    const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    const pids = await Promise.all(
      clients.map(async (c) => (await c.query('select pg_backend_pid() as pid')).rows[0].pid),
    );
    expect(new Set(pids).size).toBe(3);
    for (const c of clients) {
      expectPolicyHeld(streamOf(c as unknown as pg.Client));
      c.release();
    }
  });

  it("precedence 'owner': pg's keepAliveInitialDelayMillis stands, and the override says so", async () => {
    const r = install({ precedence: 'owner' });
    const c = await client(false);
    await c.query('select 1');
    expect(r.overrides.map(([o]) => o)).toContainEqual({
      by: 'setKeepAlive',
      options: KEEPALIVE_OPTIONS,
      kept: 'owner',
    });
    expectOwnerKept(streamOf(c), 10, { client: 'pg', route: 'installPolicy', tls: false, precedence: 'owner' });
  });

  it.skipIf(under('qemu', QEMU_CENSUS)).each([false, true])(
    'the census maps the descriptor to the socket pg holds (ssl: %s)',
    async (ssl) => {
      trackSockets();
      const c = await client(ssl);
      const stream = streamOf(c);
      expect(stream instanceof tls.TLSSocket).toBe(ssl);
      const entry = listSockets().find((e) => e.localPort === stream.localPort && e.remotePort === server.port);
      expect(entry?.state).toBe('ESTABLISHED');
      expect(entry?.socket).toBe(stream);
    },
  );

  it.skipIf(under('qemu', QEMU_CENSUS)).each([false, true])(
    "the watchdog aborts pg's socket stuck in CLOSE_WAIT (ssl: %s): the pending query fails and pg emits 'error'",
    async (ssl) => {
      const c = await client(ssl);
      const errors: Error[] = [];
      c.on('error', (err) => errors.push(err));
      const { pid } = (await c.query('select pg_backend_pid() as pid')).rows[0];
      const other = await client(false);
      const stream = streamOf(c);
      const { tuple, unreadFailed } = await stuckInCloseWait(
        stream,
        () => c.query('select 1'),
        () => other.query('select pg_terminate_backend($1)', [pid]),
      );
      await watchdogAborts(stream, tuple);
      // The query waiting on the socket fails as pg fails it when the connection ends under it.
      expect(((await unreadFailed) as Error).message).toMatch(/Connection terminated unexpectedly/);
      // And the client says so on its own 'error', as it does when the server goes away.
      await waitFor("pg's 'error' event", () => errors.length > 0);
      expect(errors[0].message).toMatch(/Connection terminated unexpectedly/);
    },
  );

  it("abort() on pg's socket: the query fails through pg's own error path, and the process goes on", async () => {
    const c = await client(false);
    const errors: Error[] = [];
    c.on('error', (err) => errors.push(err));
    const query = c.query('select pg_sleep(10)');
    abort(streamOf(c));
    await expect(query).rejects.toThrow(/Connection terminated/);
    await waitFor("pg's own 'error' event", () => errors.length > 0);
    // A new client works: the server is fine.
    const again = await client(false);
    expect((await again.query('select 2 as y')).rows).toEqual([{ y: 2 }]);
  });
});
