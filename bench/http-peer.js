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

module.exports = { bestOf, NONE, round, startServer };
