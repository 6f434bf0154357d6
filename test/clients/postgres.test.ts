// node-postgres against a real PostgreSQL from Debian. pg makes its socket
// with `new net.Socket()`, calls setNoDelay(true) before connect() and
// setKeepAlive(true, keepAliveInitialDelayMillis) on 'connect', and for
// `ssl` wraps it with tls.connect({ socket }).
import tls from 'node:tls';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abort, listSockets, trackSockets } from '../../lib';
import { onCleanup } from '../helpers/cleanup';
import { QEMU_CENSUS, under } from '../helpers/platform';
import { waitFor } from '../helpers/sockets';
import { serversRun, startPostgres, type RunningServer } from '../helpers/servers';
import { expectHeldAfterOwner, install, kernelIdle, KEEPALIVE_OPTIONS, linux } from './fixtures';

const run = serversRun();
let server: RunningServer;
beforeAll(async () => {
  if (run) server = await startPostgres();
}, 60_000);
afterAll(() => server?.stop());

/** A connected client with pg's own keepalive (10 s), ended after the test. */
async function client(ssl: boolean): Promise<pg.Client> {
  const c = new pg.Client({
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
      expectHeldAfterOwner(r, stream);
    },
  );

  it("precedence 'owner': pg's keepAliveInitialDelayMillis stands, and the override says so", async () => {
    const r = install({ precedence: 'owner' });
    const c = await client(false);
    await c.query('select 1');
    expect(r.overrides.map(([o]) => o)).toContainEqual({
      by: 'setKeepAlive',
      options: KEEPALIVE_OPTIONS,
      kept: 'owner',
    });
    if (linux) expect(kernelIdle(streamOf(c))).toBe(10);
  });

  it.skipIf(under('qemu', QEMU_CENSUS))('the census maps the descriptor to the socket pg holds', async () => {
    trackSockets();
    const c = await client(false);
    const stream = streamOf(c);
    const entry = listSockets().find((e) => e.localPort === stream.localPort && e.remotePort === server.port);
    expect(entry?.state).toBe('ESTABLISHED');
    expect(entry?.socket).toBe(stream);
  });

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
