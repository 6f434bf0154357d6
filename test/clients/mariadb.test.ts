// mysql2 against a real MariaDB from Debian. mysql2 makes its socket with
// net.connect(), calls setNoDelay(true) and, with enableKeepAlive,
// setKeepAlive(true, keepAliveInitialDelay) on 'connect'; `ssl` upgrades it
// with tls.connect({ socket }); its `stream` option takes a socket factory.
import type net from 'node:net';
import tls from 'node:tls';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abort, createConnection, listSockets, trackSockets, type ApplyResult, type Override } from '../../lib';
import { onCleanup } from '../helpers/cleanup';
import { QEMU_CENSUS, under } from '../helpers/platform';
import { serversRun, startMariadb, type RunningServer } from '../helpers/servers';
import {
  expectHeldAfterOwner,
  expectOwnerKept,
  expectPolicyHeld,
  install,
  POLICY,
  stuckInCloseWait,
  watchdogAborts,
} from './fixtures';

const run = serversRun();
let server: RunningServer;
beforeAll(async () => {
  if (run) server = await startMariadb();
}, 60_000);
afterAll(() => server?.stop());

async function connection(options: mysql.ConnectionOptions = {}): Promise<mysql.Connection> {
  const c = await mysql.createConnection({
    host: '127.0.0.1',
    port: server.port,
    user: 'root',
    enableKeepAlive: true,
    keepAliveInitialDelay: 10_000,
    ...options,
  });
  onCleanup(() => c.destroy());
  return c;
}

const streamOf = (c: mysql.Connection) => (c as unknown as { connection: { stream: net.Socket } }).connection.stream;

describe.runIf(run)('mysql2 against MariaDB', () => {
  it.each([false, true])('installPolicy (ssl: %s): queries run and the kernel holds the policy', async (ssl) => {
    const r = install();
    const c = await connection(ssl ? { ssl: { rejectUnauthorized: false } } : {});
    const [rows] = await c.query('select 1 + 1 as x');
    expect(rows).toEqual([{ x: 2 }]);
    const stream = streamOf(c);
    expect(stream instanceof tls.TLSSocket).toBe(ssl);
    if (ssl) {
      const [cipher] = await c.query("show status like 'Ssl_cipher'");
      expect((cipher as { Value: string }[])[0].Value).not.toBe('');
    }
    expectHeldAfterOwner(r, stream, { client: 'mysql2', route: 'installPolicy', tls: ssl });
  });

  it("precedence 'owner': mysql2's keepAliveInitialDelay stands", async () => {
    install({ precedence: 'owner' });
    const c = await connection();
    await c.query('select 1');
    expectOwnerKept(streamOf(c), 10, { client: 'mysql2', route: 'installPolicy', tls: false, precedence: 'owner' });
  });

  it.each([false, true])(
    'createConnection through the stream option (ssl: %s): the policy before connect, held after mysql2 is ready',
    async (ssl) => {
      const applied: ApplyResult[] = [];
      const overrides: Override[] = [];
      const connect = createConnection(POLICY, {
        onApply: (r) => applied.push(r),
        onOverride: (o) => overrides.push(o),
      });
      const c = await connection({
        stream: () => connect({ host: '127.0.0.1', port: server.port })!,
        ...(ssl ? { ssl: { rejectUnauthorized: false } } : {}),
      });
      const [rows] = await c.query('select 3 as z');
      expect(rows).toEqual([{ z: 3 }]);
      expect(applied).toHaveLength(1);
      expect(applied[0].applied).toEqual(Object.keys(POLICY));
      // mysql2 sets nothing itself on a stream it was given; with ssl it puts TLS on it (tls.connect({ socket })).
      expect(overrides).toEqual([]);
      const stream = streamOf(c);
      expect(stream instanceof tls.TLSSocket).toBe(ssl);
      expectPolicyHeld(stream, { client: 'mysql2', route: 'createConnection', tls: ssl });
    },
  );

  it.skipIf(under('qemu', QEMU_CENSUS)).each([false, true])(
    'the census maps the descriptor to the socket mysql2 holds (ssl: %s)',
    async (ssl) => {
      trackSockets();
      const c = await connection(ssl ? { ssl: { rejectUnauthorized: false } } : {});
      const stream = streamOf(c);
      expect(stream instanceof tls.TLSSocket).toBe(ssl);
      const entry = listSockets().find((e) => e.localPort === stream.localPort && e.remotePort === server.port);
      expect(entry?.state).toBe('ESTABLISHED');
      expect(entry?.socket).toBe(stream);
    },
  );

  it.skipIf(under('qemu', QEMU_CENSUS)).each([false, true])(
    "the watchdog aborts mysql2's socket stuck in CLOSE_WAIT (ssl: %s): the pending query fails, as mysql2 fails it",
    async (ssl) => {
      const c = await connection(ssl ? { ssl: { rejectUnauthorized: false } } : {});
      const other = await connection();
      const stream = streamOf(c);
      const { tuple, unreadFailed } = await stuckInCloseWait(
        stream,
        () => c.query('select 1'),
        () => other.query(`kill ${c.threadId}`),
      );
      await watchdogAborts(stream, tuple);
      // The query waiting on the socket fails as mysql2 fails it when a connection is lost.
      expect(await unreadFailed).toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
    },
  );

  it("abort() on mysql2's socket: the query fails through mysql2's own error path", async () => {
    const c = await connection();
    const query = c.query('select sleep(10)');
    abort(streamOf(c));
    await expect(query).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|PROTOCOL_CONNECTION_LOST/) });
    const again = await connection();
    const [rows] = await again.query('select 4 as w');
    expect(rows).toEqual([{ w: 4 }]);
  });
});
