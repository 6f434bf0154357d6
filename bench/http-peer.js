'use strict';
// What the per-connection benchmarks share: a loopback HTTP server in a
// child process, and timed rounds of requests through an http.Agent.
const { spawn } = require('node:child_process');
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
  const port = await new Promise((resolve) => child.once('message', resolve));
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
 * `n` sequential requests (after `warm` untimed ones), each on a new
 * connection: ns per connection of wall time, and of this process's CPU
 * time (user + system). The CPU time is what the measuring process itself
 * spends, so it moves less with the scheduling of the other processes.
 */
async function round(agent, port, n, warm) {
  for (let i = 0; i < warm; i++) await request(agent, port);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await request(agent, port);
  const wall = Number(process.hrtime.bigint() - t0) / n;
  const { user, system } = process.cpuUsage(cpu0);
  return { wall, cpu: ((user + system) * 1000) / n };
}

/** The best (lowest) of each figure, over rounds. */
function bestOf(best, result) {
  return { wall: Math.min(best.wall, result.wall), cpu: Math.min(best.cpu, result.cpu) };
}

const NONE = Object.freeze({ wall: Infinity, cpu: Infinity });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Each mode in processes of its own, taking turns: `processes` processes per
 * mode, the modes in turn, all against one server. A mode is set up once per
 * process and left on, as a service sets a policy or tracking up once:
 * switching one on and off within a process rewrites prototypes (Node's
 * connect, on older Nodes) and the code V8 compiled for them, and leaves the
 * process slower for every mode after; and what a mode costs the whole
 * process (the garbage collector's work, say) is then paid by the reference
 * too, and hidden. Each process warms up, then takes the best of `rounds`
 * rounds of `n` connections. `file` is run as `node file --child <mode>
 * <port> <n> <rounds>` (see child()). Resolves with, per mode, each
 * process's best.
 */
async function inProcesses(file, modes, { n, processes, rounds }) {
  const { fork } = require('node:child_process');
  const { port, child: server } = await startServer();
  const results = Object.fromEntries(modes.map((m) => [m, []]));
  try {
    for (let p = 0; p < processes; p++) {
      for (const mode of modes) {
        const measured = fork(file, ['--child', mode, String(port), String(n), String(rounds)]);
        const [result] = await Promise.race([
          require('node:events').once(measured, 'message'),
          require('node:events')
            .once(measured, 'exit')
            .then(([code]) => Promise.reject(new Error(`${mode}: the measuring process exited with ${code}`))),
        ]);
        results[mode].push(result);
        measured.kill();
      }
    }
  } finally {
    server.kill();
  }
  return results;
}

/** The measuring side of inProcesses: `setup(mode)` returns the http.Agent to measure with. */
function child(setup) {
  const [mode, port, n, rounds] = process.argv.slice(3);
  const agent = setup(mode);
  (async () => {
    await round(agent, Number(port), 1500, 0); // warm up
    let best = NONE;
    for (let r = 0; r < Number(rounds); r++) best = bestOf(best, await round(agent, Number(port), Number(n), 10));
    process.send(best);
  })();
}

/**
 * Mode `a` against mode `b` in one figure (`key`): the median over a's
 * processes (µs), its ratio to b's median, and the ratio of each process of
 * a's to the one of b's in the same turn, to show the spread.
 */
function compare(results, a, b, key) {
  const us = (mode) => median(results[mode].map((r) => r[key])) / 1000;
  const each = results[a].map((r, i) => r[key] / results[b][i][key]);
  return { us: us(a), ratio: us(a) / us(b), each };
}

module.exports = { bestOf, child, compare, inProcesses, median, NONE, round, startServer };
