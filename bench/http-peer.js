'use strict';
// What the per-connection benchmarks share: a loopback HTTP server in a
// child process, and the modes measured in processes of their own, taking
// turns a batch at a time.
const { fork, spawn } = require('node:child_process');
const { once } = require('node:events');
const http = require('node:http');

/** Starts the server; resolves with its port and the child (kill it when done). */
async function startServer() {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () {
         process.send(this.address().port);
       });`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const [port] = await once(child, 'message');
  return { port, child };
}

function request(agent, port) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, agent, path: '/' }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });
}

/**
 * `n` sequential requests, each on a new connection: µs of wall time, and of
 * this process's CPU time (user + system, all its threads: the garbage
 * collector's helpers too), in all.
 */
async function batch(agent, port, n) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await request(agent, port);
  const wall = Number(process.hrtime.bigint() - t0) / 1000;
  const { user, system } = process.cpuUsage(cpu0);
  return { wall, cpu: user + system };
}

/**
 * Each mode in `processes` processes of its own, all alive at once against
 * one server, taking turns: in each of `rounds` rounds every process runs
 * `batch` connections in turn, the order rotated by one each round. A mode
 * is set up once per process and left on, as a service sets a policy or
 * tracking up once (switching one on and off within a process rewrites
 * prototypes, and what a mode costs the whole process — the collector's work
 * — would be paid by the reference too). Taking turns a batch at a time
 * (some 10 ms) makes every mode meet the same machine: this VM's speed drifts
 * by a third over minutes, which processes measured one after another
 * cannot tell from a mode's cost; and several processes a mode average out
 * what one process's layout costs it (±3 % here). `file` is run as
 * `node file --child <mode> <port>` (see child()). Resolves with, per mode,
 * each process's µs of CPU and of wall time per connection.
 */
async function inTurns(file, modes, { processes, rounds, batch: size, warm = 1500 }) {
  const { port, child: server } = await startServer();
  const kids = [];
  // The next message of `kid`'s, or its death: both listeners go once either comes.
  const ask = (kid, n) =>
    new Promise((resolve, reject) => {
      const onMessage = (result) => {
        kid.proc.off('exit', onExit);
        resolve(result);
      };
      const onExit = (code) => {
        kid.proc.off('message', onMessage);
        reject(new Error(`${kid.mode}: the measuring process exited with ${code}`));
      };
      kid.proc.once('message', onMessage);
      kid.proc.once('exit', onExit);
      kid.proc.send(n);
    });
  try {
    for (let p = 0; p < processes; p++) {
      for (const mode of modes) {
        const proc = fork(file, ['--child', mode, String(port)]);
        await once(proc, 'message'); // set up
        kids.push({ mode, proc, cpu: 0, wall: 0 });
      }
    }
    for (const kid of kids) await ask(kid, warm);
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < kids.length; i++) {
        const kid = kids[(i + r) % kids.length];
        const { cpu, wall } = await ask(kid, size);
        kid.cpu += cpu;
        kid.wall += wall;
      }
    }
  } finally {
    for (const kid of kids) kid.proc.kill();
    server.kill();
  }
  const n = rounds * size;
  return Object.fromEntries(
    modes.map((mode) => [mode, kids.filter((k) => k.mode === mode).map((k) => ({ cpu: k.cpu / n, wall: k.wall / n }))]),
  );
}

/** The measuring side of inTurns: `setup(mode)` returns the http.Agent to measure with; then batches on request. */
function child(setup) {
  const [mode, port] = process.argv.slice(3);
  const agent = setup(mode);
  process.on('message', async (n) => process.send(await batch(agent, Number(port), n)));
  process.send('ready');
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Mode `a` against mode `b` in one figure (`key`): the mean over a's
 * processes (µs a connection), its ratio to b's, and each of a's processes
 * to b's mean, to show the spread.
 */
function compare(results, a, b, key) {
  const us = (mode) => mean(results[mode].map((r) => r[key]));
  return { us: us(a), ratio: us(a) / us(b), each: results[a].map((r) => r[key] / us(b)) };
}

/** How many rounds: argv[2], BENCH_ROUNDS, or `fallback`. */
function roundsFrom(argv, fallback) {
  return Number(argv[2] || process.env.BENCH_ROUNDS || fallback);
}

module.exports = { child, compare, inTurns, roundsFrom, startServer };
