// The database servers users run, from the Debian packages (.ci/run installs
// them): PostgreSQL, MariaDB and Redis, each started as its own process on
// a free loopback port, with TLS on the test certificate, and stopped after
// the file's tests. PostgreSQL refuses to run as root: as root it runs as its
// own system user, `postgres`, in a directory that user owns.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { under } from './platform';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

// The servers run without what the suite may run under: the sanitizer run
// preloads ASan into every child, and initdb's own child hangs under it.
const SERVER_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !['LD_PRELOAD', 'ASAN_OPTIONS', 'UBSAN_OPTIONS'].includes(name)),
);

/**
 * Whether this run can start the servers: under Wine the suite is a Windows
 * process, which cannot start the Linux server programs (printed once, and
 * the files' tests are skipped there).
 */
export function serversRun(): boolean {
  return !under('wine', 'the database servers are Linux programs, which node.exe under Wine cannot start');
}
const START_MS = 30_000;

export interface RunningServer {
  /** Plain TCP. */
  port: number;
  /** TLS (Redis has a port of its own; PostgreSQL and MariaDB negotiate it on `port`). */
  tlsPort: number;
  stop(): Promise<void>;
}

/** A loopback port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Resolves once every port accepts and `up` (if given) says the server
 * serves; rejects with the log if the process ends or START_MS passes first.
 */
async function ready(
  name: string,
  child: ChildProcess,
  ports: number[],
  log: string,
  up?: () => boolean,
): Promise<void> {
  const deadline = Date.now() + START_MS;
  let failed: Error | undefined;
  child.once('error', (err) => (failed = err));
  for (;;) {
    if (failed) throw new Error(`${name} could not be started: ${failed.message} (is its Debian package installed?)`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${fs.readFileSync(log, 'utf8')}`);
    }
    const listening = await Promise.all(ports.map(accepts));
    if (listening.every(Boolean) && (up === undefined || up())) return;
    if (Date.now() > deadline)
      throw new Error(`${name} did not listen in ${START_MS} ms:\n${fs.readFileSync(log, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function run(
  name: string,
  dir: string,
  cmd: string,
  args: string[],
  ports: number[],
  up?: () => boolean,
): Promise<() => Promise<void>> {
  const log = path.join(dir, `${name}.log`);
  const out = fs.openSync(log, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], env: SERVER_ENV });
  fs.closeSync(out);
  await ready(name, child, ports, log, up).catch(async (err) => {
    child.kill('SIGKILL');
    throw err;
  });
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

function check(result: ReturnType<typeof spawnSync>, what: string, pkg: string): void {
  if (result.error) throw new Error(`${what}: ${result.error.message} (is the Debian package ${pkg} installed?)`);
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}): ${result.stderr}${result.stdout}`);
}

const asRoot = process.getuid?.() === 0;

/** The newest PostgreSQL the system has: /usr/lib/postgresql/<major>/bin. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => /^\d+$/.test(d)) : [];
  if (majors.length === 0) throw new Error('PostgreSQL is not installed (Debian package postgresql)');
  return path.join(root, String(Math.max(...majors.map(Number))), 'bin');
}

export async function startPostgres(): Promise<RunningServer> {
  const bin = postgresBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-pg-'));
  const data = path.join(dir, 'data');
  // As root: everything as the postgres user, in a directory it owns.
  const as = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  if (asRoot) spawnSync('chown', ['postgres', dir]);
  check(
    spawnSync(...as(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']), {
      encoding: 'utf8',
      env: SERVER_ENV,
      timeout: START_MS,
    }),
    'initdb',
    'postgresql',
  );
  for (const file of ['cert.pem', 'key.pem']) fs.copyFileSync(path.join(FIXTURES, file), path.join(data, file));
  fs.chmodSync(path.join(data, 'key.pem'), 0o600);
  if (asRoot) spawnSync('chown', ['postgres', path.join(data, 'cert.pem'), path.join(data, 'key.pem')]);
  const port = await freePort();
  const [cmd, args] = as(path.join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'ssl=on',
    '-c',
    'ssl_cert_file=cert.pem',
    '-c',
    'ssl_key_file=key.pem',
  ]);
  // PostgreSQL accepts connections while it starts, and refuses them then ("the database system is starting up").
  const serving = () =>
    spawnSync(path.join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)], {
      env: SERVER_ENV,
      timeout: START_MS,
    }).status === 0;
  const stop = await run('postgres', dir, cmd, args, [port], serving);
  return { port, tlsPort: port, stop };
}

export async function startMariadb(): Promise<RunningServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-mariadb-'));
  const data = path.join(dir, 'data');
  const user = asRoot ? ['--user=root'] : [];
  check(
    spawnSync(
      'mariadb-install-db',
      [`--datadir=${data}`, ...user, '--skip-test-db', '--auth-root-authentication-method=normal'],
      { encoding: 'utf8', env: SERVER_ENV, timeout: START_MS },
    ),
    'mariadb-install-db',
    'mariadb-server',
  );
  const port = await freePort();
  const stop = await run(
    'mariadb',
    dir,
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${path.join(dir, 'sock')}`,
      `--pid-file=${path.join(dir, 'pid')}`,
      ...user,
      // No accounts to set up: any user, no password.
      '--skip-grant-tables',
      `--ssl-cert=${path.join(FIXTURES, 'cert.pem')}`,
      `--ssl-key=${path.join(FIXTURES, 'key.pem')}`,
    ],
    [port],
  );
  return { port, tlsPort: port, stop };
}

export async function startRedis(): Promise<RunningServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-redis-'));
  const port = await freePort();
  const tlsPort = await freePort();
  const stop = await run(
    'redis',
    dir,
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--tls-port',
      String(tlsPort),
      '--tls-auth-clients',
      'no',
      '--tls-cert-file',
      path.join(FIXTURES, 'cert.pem'),
      '--tls-key-file',
      path.join(FIXTURES, 'key.pem'),
    ],
    [port, tlsPort],
  );
  return { port, tlsPort, stop };
}
