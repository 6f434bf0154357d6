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

/** ns per connection of `n` sequential requests (after `warm` untimed ones), each on a new connection. */
async function round(agent, port, n, warm) {
  for (let i = 0; i < warm; i++) await request(agent, port);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await request(agent, port);
  return Number(process.hrtime.bigint() - t0) / n;
}

module.exports = { round, startServer };
