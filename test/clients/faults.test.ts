// Faults on the routes of real clients: the server down, an onApply that
// throws, descriptor exhaustion, a connection reset mid-query. Each one must
// reach the client's own error path — a rejected connect or query, the
// client's 'error' — never crash the process, and leave no descriptor open.
// Real servers from Debian; the reset comes from a loopback relay in front of
// the real server that resets the client's connection (RST on the wire, seen
// by the client's kernel as ECONNRESET).
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import Redis from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, createSocket, installPolicy } from '../../lib';
import { onCleanup, track } from '../helpers/cleanup';
import { emulator } from '../helpers/platform';
import { openFdCount, portOf, waitFor } from '../helpers/sockets';
import { serversRun, startMariadb, startPostgres, startRedis, type RunningServer } from '../helpers/servers';
import { closedPort } from '../routes/fixtures';
import { install, POLICY } from './fixtures';

const run = serversRun();
let postgres: RunningServer;
let mariadb: RunningServer;
let redis: RunningServer;
beforeAll(async () => {
  if (!run) return;
  [postgres, mariadb, redis] = await Promise.all([startPostgres(), startMariadb(), startRedis()]);
}, 90_000);
afterAll(() => Promise.all([postgres?.stop(), mariadb?.stop(), redis?.stop()]));

const pgConfig = (port: number): pg.ClientConfig => ({
  host: '127.0.0.1',
  port,
  user: 'postgres',
  database: 'postgres',
  connectionTimeoutMillis: 5000,
});
const mysqlConfig = (port: number): mysql.ConnectionOptions => ({ host: '127.0.0.1', port, user: 'root' });

/** What `promise` is rejected with (it must be). */
async function rejection(promise: Promise<unknown>): Promise<NodeJS.ErrnoException> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: NodeJS.ErrnoException) => err,
  );
}

/** Runs `body`, then waits until this process has no more descriptors open than before it. */
async function leaksNothing(body: () => Promise<void>): Promise<void> {
  const before = openFdCount();
  await body();
  await waitFor('every descriptor the clients opened to be closed', () => openFdCount() <= before);
}

/**
 * A relay on loopback in front of a real server; `reset()` resets every
 * client connection it carries (SO_LINGER 0 and close: an RST on the wire).
 */
async function resettingRelay(target: number): Promise<{ port: number; reset(): void }> {
  const clients = new Set<net.Socket>();
  const relay = track(
    net.createServer((client) => {
      const upstream = net.connect(target, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      clients.add(client);
      client.on('error', () => {});
      upstream.on('error', () => {});
      client.on('close', () => {
        clients.delete(client);
        upstream.destroy();
      });
    }),
  );
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  return {
    port: portOf(relay),
    reset: () => {
      for (const c of clients) c.resetAndDestroy();
    },
  };
}

describe.runIf(run)('client faults: the client’s own error path, no crash, no descriptor left', () => {
  it('the server down (connection refused), on every route', async () => {
    install();
    const port = await closedPort();
    await leaksNothing(async () => {
      const viaPolicy = new pg.Client(pgConfig(port));
      expect(await rejection(viaPolicy.connect())).toMatchObject({ code: 'ECONNREFUSED' });
      const viaSocket = new pg.Client({ ...pgConfig(port), stream: () => createSocket(POLICY) });
      expect(await rejection(viaSocket.connect())).toMatchObject({ code: 'ECONNREFUSED' });
      const connect = createConnection(POLICY);
      expect(
        await rejection(
          mysql.createConnection({ ...mysqlConfig(port), stream: () => connect({ host: '127.0.0.1', port })! }),
        ),
      ).toMatchObject({ code: 'ECONNREFUSED' });
      const ioErrors: NodeJS.ErrnoException[] = [];
      const io = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
      io.on('error', (err: NodeJS.ErrnoException) => ioErrors.push(err));
      // ioredis rejects the connect as closed, and tells why on its 'error'.
      expect((await rejection(io.connect())).message).toMatch(/Connection is closed/);
      expect(ioErrors.map((e) => e.code)).toContain('ECONNREFUSED');
      const nodeRedis = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false } });
      nodeRedis.on('error', () => {});
      expect(await rejection(nodeRedis.connect())).toMatchObject({ code: 'ECONNREFUSED' });
    });
  });

  it('an onApply that throws: the connect fails with that error (routes), or goes to onError (installPolicy)', async () => {
    const thrown = new Error('onApply says no');
    const onApply = () => {
      throw thrown;
    };
    await leaksNothing(async () => {
      const c = new pg.Client({ ...pgConfig(postgres.port), stream: () => createSocket(POLICY, { onApply }) });
      expect(await rejection(c.connect())).toBe(thrown);
      const connect = createConnection(POLICY, { onApply });
      const stream = () => connect({ host: '127.0.0.1', port: mariadb.port })!;
      expect(await rejection(mysql.createConnection({ ...mysqlConfig(mariadb.port), stream }))).toBe(thrown);
    });
    // installPolicy runs inside Node's channels: a throw there is the onError's, and the client goes on.
    const errors: Error[] = [];
    const installed = installPolicy(POLICY, { onApply, onError: (err) => errors.push(err) });
    onCleanup(() => installed.uninstall());
    const io = new Redis({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: 1 });
    onCleanup(() => io.disconnect());
    expect(await io.ping()).toBe('PONG');
    expect(errors).toContain(thrown);
  });

  it('a connection reset mid-query: the query fails with ECONNRESET, the client says so, the next one works', async () => {
    install();
    const toPg = await resettingRelay(postgres.port);
    const toMaria = await resettingRelay(mariadb.port);
    const toRedis = await resettingRelay(redis.port);
    await leaksNothing(async () => {
      const c = new pg.Client({ ...pgConfig(toPg.port), stream: () => createSocket(POLICY) });
      const pgErrors: Error[] = [];
      c.on('error', (err) => pgErrors.push(err));
      await c.connect();
      const slow = c.query('select pg_sleep(10)');
      await waitFor('the query to be sent', () => (c as unknown as { activeQuery: unknown }).activeQuery);
      toPg.reset();
      expect(await rejection(slow)).toMatchObject({ code: 'ECONNRESET' });
      await waitFor("pg's 'error'", () => pgErrors.length > 0);

      const m = await mysql.createConnection(mysqlConfig(toMaria.port));
      m.on('error', () => {});
      const sleeping = m.query('select sleep(10)');
      toMaria.reset();
      expect(await rejection(sleeping)).toMatchObject({ code: 'ECONNRESET', fatal: true });
      m.destroy();

      const io = new Redis({
        host: '127.0.0.1',
        port: toRedis.port,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      io.on('error', () => {});
      await once(io, 'ready');
      const blocked = io.blpop('nothing-here', 10);
      toRedis.reset();
      expect((await rejection(blocked)).message).toMatch(/Connection is closed|ECONNRESET/);
      io.disconnect();

      const errors: Error[] = [];
      const nr = createClient({ socket: { host: '127.0.0.1', port: toRedis.port, reconnectStrategy: false } });
      nr.on('error', (err: Error) => errors.push(err));
      await nr.connect();
      const waiting = nr.blPop('nothing-here', 10);
      toRedis.reset();
      expect(await rejection(waiting)).toBeInstanceOf(Error);
      await waitFor("node-redis's 'error'", () => errors.length > 0);
    });
    // The servers are fine: a new connection straight to them works.
    const again = new pg.Client(pgConfig(postgres.port));
    onCleanup(() => void again.end().catch(() => {}));
    await again.connect();
    expect((await again.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('descriptor exhaustion (EMFILE): the connect fails with it, in a child with RLIMIT_NOFILE lowered', () => {
    // pg through createSocket and mysql2 through createConnection, each when no descriptor is left.
    const script = `
      const fs = require('node:fs');
      const pg = require('pg');
      const mysql = require('mysql2/promise');
      const s = require(${JSON.stringify(path.join(__dirname, '..', '..'))});
      const policy = ${JSON.stringify(POLICY)};
      const sockets = () => { let n = 0; for (let fd = 0; fd < 1024; fd++) { try { if (fs.fstatSync(fd).isSocket()) n++; } catch {} } return n; };
      const spare = [];
      const fill = () => { for (;;) { try { spare.push(fs.openSync('/dev/null', 'r')); } catch (e) { if (e.code === 'EMFILE') return; throw e; } } };
      const outcome = {};
      const note = (name) => [() => (outcome[name] = 'ok'), (e) => (outcome[name] = e.code + ' ' + e.syscall)];
      (async () => {
        const before = sockets();
        fill();
        const c = new pg.Client({ host: '127.0.0.1', port: ${run ? postgres?.port : 0}, user: 'postgres', stream: () => s.createSocket(policy) });
        await c.connect().then(...note('pg'));
        fill();
        const connect = s.createConnection(policy);
        await mysql.createConnection({ host: '127.0.0.1', port: ${run ? mariadb?.port : 0}, user: 'root',
          stream: () => connect({ host: '127.0.0.1', port: ${run ? mariadb?.port : 0} }) }).then(...note('mysql2'));
        outcome.leaked = sockets() - before;
        process.stdout.write(JSON.stringify(outcome));
        process.exit(0);
      })();`;
    let outcome: Record<string, unknown> = {};
    // qemu-user opens and closes descriptors of its own in the same table: one it frees can let a call through.
    for (let attempt = 0; attempt < (emulator === 'qemu' ? 3 : 1); attempt++) {
      const out = execFileSync('sh', ['-c', 'ulimit -n 128 && exec "$0" -e "$1"', process.execPath, script], {
        encoding: 'utf8',
        timeout: 60_000,
        cwd: path.join(__dirname, '..', '..'),
      });
      outcome = JSON.parse(out) as Record<string, unknown>;
      if (!Object.values(outcome).includes('ok')) break;
    }
    expect(outcome).toEqual({ pg: 'EMFILE socket', mysql2: 'EMFILE socket', leaked: 0 });
  });
});
