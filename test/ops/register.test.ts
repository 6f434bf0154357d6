// The register hook on real processes: an unmodified leaking application
// started with `--require`/`--import sockctl/register` and the SOCKCTL_*
// variables; the command line asks it for a report over its signal; bad
// values warn and never stop the application.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onCleanup, tempDir } from '../helpers/cleanup';
import { QEMU_CENSUS, runtime, under, windows } from '../helpers/platform';
import { waitFor } from '../helpers/sockets';
import { markerPath } from '../../lib/ops/marker';
import { parseSs, ssOf, ssStates } from '../witness/ss';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const register = path.join(root, 'dist', 'register.js');

// The application: no sockctl in it. A server that never ends what its clients closed (its listen, line 5, is the
// leak's site), and one more connection kept open; it prints that one's 4-tuple once the leak is in place.
const APP = `const net = require('node:net');
const leaked = [];
const server = net.createServer({ allowHalfOpen: true }, (s) => { s.resume(); leaked.push(s); });
let finished = 0;
server.listen(0, '127.0.0.1', () => {
  for (let i = 0; i < 3; i++) {
    const c = net.connect(server.address().port, '127.0.0.1', () => c.end());
    c.on('finish', () => { if (++finished === 3) ready(); }).on('error', () => {});
  }
});
function ready() {
  const kept = net.connect(server.address().port, '127.0.0.1', () => {
    const { localAddress, localPort, remoteAddress, remotePort } = kept;
    console.log(JSON.stringify({ localAddress, localPort, remoteAddress, remotePort }));
  });
}
setInterval(() => {}, 1000);
`;

/**
 * The arguments that start `script` with the hook, as a user writes them. Deno spells them its own way
 * (`deno run --require`, `--preload` for what Node loads with --import): given Node's flags on process.execPath, its
 * child_process starts `deno run` without them, silently (2.9).
 */
function withHook(script: string, how: '--require' | '--import' = '--require'): string[] {
  if (runtime === 'Deno') {
    return ['run', '-A', '--unstable-detect-cjs', how === '--import' ? '--preload' : '--require', register, script];
  }
  return [how, how === '--import' ? `file://${register}` : register, script];
}

/** The hook in the environment, which the processes a program starts inherit. Bun (1.4) reads no NODE_OPTIONS. */
const hookInEnv = { [runtime === 'Bun' ? 'BUN_OPTIONS' : 'NODE_OPTIONS']: `--require ${register}` };

/** Starts the application with the hook and `env`; resolves with it and the 4-tuple it printed. */
async function startApp(
  dir: string,
  env: Record<string, string>,
  how: '--require' | '--import' = '--require',
): Promise<{ child: ChildProcess; tuple: ReturnType<typeof JSON.parse>; stderr: () => string }> {
  const app = path.join(dir, 'app.js');
  fs.writeFileSync(app, APP);
  const child = spawn(process.execPath, withHook(app, how), {
    env: { ...process.env, ...env },
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onCleanup(() => child.kill('SIGKILL'));
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const tuple = await waitFor(
    'the application to be ready',
    () => (out.includes('\n') ? JSON.parse(out) : undefined),
    15_000,
  );
  return { child, tuple, stderr: () => err };
}

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(windows || under('qemu', QEMU_CENSUS))('the register hook and the command line', () => {
  it.each(['--require', '--import'] as const)(
    '%s: `sockctl report <pid>` names the line that leaks, in a report only its owner can read',
    async (how) => {
      const dir = tempDir('sockctl-ops-');
      const log = path.join(dir, 'sockctl.log');
      const { child } = await startApp(dir, { SOCKCTL_STACKS: '1', SOCKCTL_REPORT_DIR: dir, SOCKCTL_LOG: log }, how);
      const r = runCli(['report', String(child.pid)]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/3 sockets in CLOSE_WAIT, 3 of them created at app\.js:5:\d+/);
      expect(r.stdout).toMatch(/^3 +CLOSE_WAIT +\d+ (ms|s) +app\.js:5:\d+$/m);
      const [report] = fs.readdirSync(dir).filter((f) => f.startsWith('sockctl-report.'));
      expect(fs.statSync(path.join(dir, report)).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(log, 'utf8')).toMatch(/report: 3 sockets in CLOSE_WAIT/);
      // The saved report prints the same way.
      const saved = runCli(['report', path.join(dir, report)]);
      expect(saved.status).toBe(0);
      expect(saved.stdout).toContain('3 sockets in CLOSE_WAIT');
      expect(child.exitCode).toBeNull();
    },
  );

  it('SOCKCTL_POLICY and SOCKCTL_WATCH: the policy on the application’s sockets, the leak aborted and logged', async () => {
    const dir = tempDir('sockctl-ops-');
    const log = path.join(dir, 'sockctl.log');
    const policy = path.join(dir, 'policy.json');
    fs.writeFileSync(policy, JSON.stringify({ keepAlive: true, keepAliveIdleSecs: 77 }));
    const { child, tuple } = await startApp(dir, {
      SOCKCTL_POLICY: `@${policy}`,
      SOCKCTL_WATCH: 'after=0s,interval=50ms,action=abort',
      SOCKCTL_STACKS: '1',
      SOCKCTL_LOG: log,
    });
    // The kernel, seen from outside both processes: the client's keepalive timer counts down from 77 s.
    const timer = parseSs(ssOf(tuple)).keepaliveSecs;
    expect(timer).toBeGreaterThan(60);
    expect(timer).toBeLessThanOrEqual(77);
    const lines = await waitFor('three aborts in the log', () => {
      const found = (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '').match(/close-wait: .*/g) ?? [];
      return found.length >= 3 ? found : undefined;
    });
    for (const line of lines) expect(line).toMatch(/stuck \d+ ms created at \S*app\.js:5:\d+; action abort/);
    const port = tuple.remotePort;
    const r = runCli(['report', String(child.pid)]);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('CLOSE_WAIT');
    expect(ssStates({ ...tuple })).toEqual(['ESTAB']);
    void port;
  });

  it('bad values: one warning each, naming the variable, and the application runs on', async () => {
    const dir = tempDir('sockctl-ops-');
    const { child, stderr } = await startApp(dir, {
      SOCKCTL_POLICY: '{"keepAlive": tru',
      SOCKCTL_WATCH: 'after=forever,action=explode,colour=red',
      SOCKCTL_STACKS: 'maybe',
      SOCKCTL_REPORT_SIGNAL: 'SIGNOPE',
      SOCKCTL_METRICS: 'graphite',
      SOCKCTL_LOG: 'none',
    });
    await waitFor('the warnings', () => stderr().includes('SOCKCTL_REPORT_SIGNAL'));
    for (const [variable, what] of [
      ['SOCKCTL_POLICY', 'not JSON'],
      ['SOCKCTL_WATCH', 'after=forever'],
      ['SOCKCTL_WATCH', 'action=explode'],
      ['SOCKCTL_WATCH', "'colour=red'"],
      ['SOCKCTL_STACKS', "'maybe'"],
      ['SOCKCTL_REPORT_SIGNAL', "'SIGNOPE'"],
      ['SOCKCTL_METRICS', "'graphite'"],
    ]) {
      expect(stderr()).toMatch(new RegExp(`${variable}: [^\\n]*${what.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
    // No report signal was set up: the command line refuses rather than kill it.
    const r = runCli(['report', String(child.pid)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/does not run sockctl's register hook/);
    expect(child.exitCode).toBeNull();
  });

  it.runIf(runtime === 'Deno')(
    'a report signal the runtime refuses: one warning, no marker, the application runs on',
    async () => {
      // Deno (2.9) refuses to listen for SIGSEGV; Node and Bun take it.
      const dir = tempDir('sockctl-ops-');
      const { child, stderr } = await startApp(dir, { SOCKCTL_REPORT_SIGNAL: 'SIGSEGV', SOCKCTL_LOG: 'none' });
      await waitFor('the warning', () => stderr().includes('SOCKCTL_REPORT_SIGNAL'));
      expect(stderr()).toMatch(/SOCKCTL_REPORT_SIGNAL: cannot listen for SIGSEGV \(.*\); no report signal/);
      const r = runCli(['report', String(child.pid)]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/does not run sockctl's register hook/);
      expect(child.exitCode).toBeNull();
    },
  );

  const DENO_CLUSTER =
    'a cluster worker of Deno (2.9) given --require in NODE_OPTIONS runs the preload and never its own script, and one ' +
    'on the command line does not reach the workers';
  it.skipIf(under('Deno', DENO_CLUSTER))(
    'NODE_OPTIONS reaches cluster workers: each is asked for its own report by its own pid',
    async () => {
      const dir = tempDir('sockctl-ops-');
      const app = path.join(dir, 'cluster.js');
      fs.writeFileSync(
        app,
        `const cluster = require('node:cluster');
const net = require('node:net');
if (cluster.isPrimary) {
  const worker = cluster.fork();
  worker.on('message', (m) => console.log(JSON.stringify({ primary: process.pid, worker: worker.process.pid, ...m })));
} else {
  const server = net.createServer().listen(0, '127.0.0.1', () => process.send({ listening: true }));
}
`,
      );
      const child = spawn(process.execPath, [app], {
        env: { ...process.env, ...hookInEnv, SOCKCTL_REPORT_DIR: dir, SOCKCTL_LOG: 'none' },
        cwd: dir,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      onCleanup(() => child.kill('SIGKILL'));
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      const { primary, worker } = await waitFor(
        'the worker to listen',
        () => (out.includes('\n') ? JSON.parse(out) : undefined),
        15_000,
      );
      expect(primary).toBe(child.pid);
      for (const pid of [worker, primary]) {
        const r = runCli(['report', String(pid)]);
        expect(r.stderr).toBe('');
        expect(r.stdout).toContain(`socket report of pid ${pid}`);
      }
    },
  );

  const DENO_WORKERS = 'Deno (2.9) loads no --require in worker threads, from the command line or NODE_OPTIONS';
  it.skipIf(under('Deno', DENO_WORKERS))(
    'a worker thread runs under the hook too, and its census names its own sockets',
    () => {
      const script = `
      const { Worker } = require('node:worker_threads');
      const w = new Worker(\`
        const net = require('node:net');
        const sockctl = require(${JSON.stringify(JSON.stringify(root)).slice(1, -1)});
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const c = net.connect(s.address().port, '127.0.0.1', () => {
            const mine = sockctl.listSockets().filter((e) => e.socket && e.site);
            require('node:worker_threads').parentPort.postMessage(mine.length);
            c.destroy();
            s.close();
          });
        });\`, { eval: true });
      w.on('message', (n) => process.stdout.write(String(n)));`;
      const r = spawnSync(process.execPath, ['-e', script], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, ...hookInEnv, SOCKCTL_STACKS: '1', SOCKCTL_LOG: 'none' },
      });
      expect(r.stderr).toBe('');
      // Its client and the socket its server accepted, each with the site it was made at.
      expect(r.stdout).toBe('2');
    },
  );

  it.runIf(runtime === 'Deno')('on Deno, the first worker thread made warns that the hook does not run in it', () => {
    const script = `new (require('node:worker_threads').Worker)('0', { eval: true });`;
    const r = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, ...hookInEnv, SOCKCTL_LOG: 'none' },
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/\[SOCKCTL_RUNTIME\] Warning: Deno loads no --require in worker threads/);
  });

  it.skipIf(under('Deno', DENO_WORKERS))(
    'the report signal reaches worker threads: each writes a report of its own sockets, named by their sites',
    async () => {
      const dir = tempDir('sockctl-ops-');
      // The same leak in the main thread and in a worker: a server (its listen, line 4 of the leak) that never ends what
      // its two clients (line 7) closed.
      const leak = `const net = require('node:net');
const kept = [];
const server = net.createServer({ allowHalfOpen: true }, (s) => { s.resume(); kept.push(s); });
server.listen(0, '127.0.0.1', () => {
  let ended = 0;
  for (let i = 0; i < 2; i++) {
    const c = net.connect(server.address().port, '127.0.0.1', () => c.end());
    c.on('finish', () => ++ended === 2 && setTimeout(done, 50)).on('error', () => {});
  }
});
`;
      fs.writeFileSync(
        path.join(dir, 'worker.js'),
        leak + "function done() { require('node:worker_threads').parentPort.postMessage('up'); }\n",
      );
      fs.writeFileSync(
        path.join(dir, 'main.js'),
        `const { Worker } = require('node:worker_threads');
${leak}let up = 0;
function done() { if (++up === 2) console.log(JSON.stringify({ threadId: worker.threadId })); }
const worker = new Worker(require('node:path').join(__dirname, 'worker.js'));
worker.on('message', done);
setInterval(() => {}, 1000);
`,
      );
      const child = spawn(process.execPath, withHook(path.join(dir, 'main.js')), {
        env: { ...process.env, SOCKCTL_STACKS: '1', SOCKCTL_REPORT_DIR: dir, SOCKCTL_LOG: 'none' },
        cwd: dir,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      onCleanup(() => child.kill('SIGKILL'));
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      const { threadId } = await waitFor(
        'both leaks',
        () => (out.includes('\n') ? JSON.parse(out) : undefined),
        15_000,
      );
      const r = runCli(['report', String(child.pid)]);
      expect(r.stderr).toBe('');
      const name = await waitFor('the worker’s report', () =>
        fs.readdirSync(dir).find((f) => f.includes(`.${child.pid}.${threadId}.`) && f.endsWith('.json')),
      );
      const ofWorker = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
      expect(ofWorker.header).toMatchObject({ pid: child.pid, threadId, scope: 'thread' });
      // Its own: its listener and the two sockets it accepted (made at its listen), and its two clients.
      expect(ofWorker.counts).toEqual({ CLOSE_WAIT: 2, FIN_WAIT_2: 2, LISTEN: 1 });
      const sites = ofWorker.sockets.map((s: { state: string; site?: string }) => `${s.state} ${s.site}`).sort();
      expect(sites).toEqual([
        expect.stringMatching(/^CLOSE_WAIT .*worker\.js:4:\d+$/),
        expect.stringMatching(/^CLOSE_WAIT .*worker\.js:4:\d+$/),
        expect.stringMatching(/^FIN_WAIT_2 .*worker\.js:7:\d+$/),
        expect.stringMatching(/^FIN_WAIT_2 .*worker\.js:7:\d+$/),
        expect.stringMatching(/^LISTEN .*worker\.js:4:\d+$/),
      ]);
      expect(ofWorker.summary).toMatch(/^2 sockets in CLOSE_WAIT, 2 of them created at worker\.js:4:\d+/);
      // The main thread's is the process's: all four CLOSE_WAIT sockets, its own two by their site (its file has one
      // line more at the top).
      const main = fs.readdirSync(dir).find((f) => f.includes(`.${child.pid}.0.`))!;
      const ofMain = JSON.parse(fs.readFileSync(path.join(dir, main), 'utf8'));
      expect(ofMain.header.scope).toBe('process');
      expect(ofMain.counts.CLOSE_WAIT).toBe(4);
      expect(ofMain.groups.bySite).toContainEqual(
        expect.objectContaining({ state: 'CLOSE_WAIT', key: expect.stringMatching(/main\.js:5:\d+$/), count: 2 }),
      );
    },
  );

  it('SOCKCTL_METRICS=opentelemetry: the instruments go on the MeterProvider the application registered', async () => {
    const dir = tempDir('sockctl-ops-');
    const resolve = (name: string) => JSON.stringify(require.resolve(name, { paths: [root] }));
    // The application's own monitoring, as OpenTelemetry's docs set it up: a global MeterProvider, read by the
    // Prometheus exporter, served on its own port. Then the leak of APP.
    const app = path.join(dir, 'otel-app.js');
    fs.writeFileSync(
      app,
      `const { metrics } = require(${resolve('@opentelemetry/api')});
const { MeterProvider } = require(${resolve('@opentelemetry/sdk-metrics')});
const { PrometheusExporter } = require(${resolve('@opentelemetry/exporter-prometheus')});
const exporter = new PrometheusExporter({ preventServerStart: true });
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [exporter] }));
require('node:http').createServer((q, s) => exporter.getMetricsRequestHandler(q, s)).listen(0, '127.0.0.1', function () {
  console.error('metrics ' + this.address().port);
});
${APP}`,
    );
    const child = spawn(process.execPath, withHook(app), {
      env: { ...process.env, SOCKCTL_METRICS: 'opentelemetry', SOCKCTL_LOG: 'none' },
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onCleanup(() => child.kill('SIGKILL'));
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const port = await waitFor('the metrics port', () => /metrics (\d+)/.exec(err)?.[1], 15_000);
    const tuple = await waitFor('the leak', () => (out.includes('\n') ? JSON.parse(out) : undefined), 15_000);
    const text = await waitFor('sockctl’s instruments in the scrape', () => {
      const r = spawnSync(
        process.execPath,
        ['-e', `require('http').get('http://127.0.0.1:${port}/metrics', (res) => res.pipe(process.stdout))`],
        {
          encoding: 'utf8',
        },
      );
      return r.stdout.includes('sockctl_tcp_connections') ? r.stdout : undefined;
    });
    const closeWait = new RegExp(
      `^sockctl_tcp_connections\\{[^}]*network_connection_state="close_wait"[^}]*server_port="${tuple.remotePort}"[^}]*\\} 3\\b`,
      'm',
    );
    expect(text).toMatch(closeWait);
    expect(err).not.toMatch(/SOCKCTL_METRICS/);
  });

  it('refuses a process without the hook (SIGUSR2 would kill it), a dead one, and bad usage', async () => {
    const plain = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    onCleanup(() => plain.kill('SIGKILL'));
    await once(plain, 'spawn');
    const r = runCli(['report', String(plain.pid)]);
    expect(r).toMatchObject({ status: 1, stdout: '' });
    expect(r.stderr).toMatch(/^sockctl: process \d+ does not run sockctl's register hook/);
    expect(plain.exitCode).toBeNull();
    expect(plain.signalCode).toBeNull();
    // A marker a killed process left under the pid that is now this one's: the pid was reused, and nothing is sent
    // (Linux, where the marker's start time tells the two apart).
    if (process.platform === 'linux') {
      const stale = markerPath(plain.pid!);
      fs.mkdirSync(path.dirname(stale), { recursive: true, mode: 0o700 });
      const marker = { pid: plain.pid, signal: 'SIGUSR2', reportDir: os.tmpdir(), startTime: '1' };
      fs.writeFileSync(stale, JSON.stringify(marker), { mode: 0o600 });
      onCleanup(() => fs.rmSync(stale, { force: true }));
      const reused = runCli(['report', String(plain.pid)]);
      expect(reused).toMatchObject({ status: 1, stdout: '' });
      expect(reused.stderr).toMatch(
        /^sockctl: process \d+ does not run sockctl's register hook \(the marker for its pid/,
      );
      expect(plain.exitCode).toBeNull();
      expect(plain.signalCode).toBeNull();
    }
    expect(runCli(['report'])).toMatchObject({ status: 2, stderr: expect.stringMatching(/^sockctl: usage:/) });
    expect(runCli(['report', '1', '--timeout', 'x']).status).toBe(2);
    expect(runCli(['nope']).status).toBe(2);
    const missing = runCli(['report', path.join(tempDir('sockctl-ops-'), 'none.json')]);
    expect(missing).toMatchObject({ status: 1, stderr: expect.stringMatching(/cannot read .*ENOENT/) });
    const features = runCli(['features']);
    expect(features.status).toBe(0);
    expect(features.stdout).toMatch(/^keepAlive +yes$/m);
    // What the runtime lacks (sockctl.runtimeLimits), after the table; nothing on Node.
    expect(features.stdout.includes(' lacks:\n- ')).toBe(runtime !== undefined);
  });
});
