'use strict';
// What tracking costs per connection: requests through an http.Agent without
// keep-alive (a new connection each, its client end in the measuring
// process) to a loopback server in another process. Processes differ from
// one another by more than tracking costs, so each comparison is made inside
// one process: untracked rounds first (tracking cannot be turned off once
// on), then trackSockets(), then rounds taking turns with creation stacks
// off and on (trackSockets({ stacks }) switches them). Best round of each
// mode in each process; the figures are the median over PROCESSES processes
// of each process's own ratios.
//   node bench/tracking.js [connections per round=200]
const { fork } = require('node:child_process');
const { bestOf, NONE, round, startServer } = require('./http-peer');

const child = process.argv[2] === '--child';
const N = Number((child ? process.argv[4] : process.argv[2]) || process.env.BENCH_CONNECTIONS || 200);
const ROUNDS = 20;
const PROCESSES = 5;

if (child) {
  const http = require('node:http');
  const sockctl = require('..');
  const port = Number(process.argv[3]);
  const agent = new http.Agent({ keepAlive: false });
  (async () => {
    await round(agent, port, 4 * N, 0); // warm up
    let off = NONE;
    for (let r = 0; r < ROUNDS; r++) off = bestOf(off, await round(agent, port, N, 20));
    sockctl.trackSockets();
    let tracked = NONE;
    let stacks = NONE;
    for (let r = 0; r < ROUNDS; r++) {
      sockctl.trackSockets({ stacks: false });
      tracked = bestOf(tracked, await round(agent, port, N, 20));
      sockctl.trackSockets({ stacks: true });
      stacks = bestOf(stacks, await round(agent, port, N, 20));
    }
    process.send({ off, tracked, stacks });
  })();
} else {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const { port, child: server } = await startServer();
  const runs = [];
  for (let p = 0; p < PROCESSES; p++) {
    const measured = fork(__filename, ['--child', String(port), String(N)]);
    runs.push(await new Promise((resolve) => measured.once('message', resolve)));
    measured.kill();
  }
  server.kill();
  const ratio = (a, b, key) => median(runs.map((r) => r[a][key] / r[b][key]));
  const us = (mode, key) => (median(runs.map((r) => r[mode][key])) / 1000).toFixed(1);
  const each = (a, b, key) => runs.map((r) => (r[a][key] / r[b][key]).toFixed(2)).join(', ');
  const lines = [
    `tracking's cost per connection, http.Agent without keep-alive to a loopback server, ${process.version};`,
    `${PROCESSES} processes, best of ${ROUNDS} rounds × ${N} per mode in each; medians (each process's ratios in brackets)`,
    '',
    '| mode | wall µs | ratio | CPU µs | ratio | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| no tracking (reference) | ${us('off', 'wall')} | 1.00× | ${us('off', 'cpu')} | 1.00× | — |`,
    `| trackSockets() | ${us('tracked', 'wall')} | ${ratio('tracked', 'off', 'wall').toFixed(2)}× no tracking (${each('tracked', 'off', 'wall')}) | ${us('tracked', 'cpu')} | ${ratio('tracked', 'off', 'cpu').toFixed(2)}× (${each('tracked', 'off', 'cpu')}) | — |`,
    `| trackSockets({ stacks: true }) | ${us('stacks', 'wall')} | ${ratio('stacks', 'tracked', 'wall').toFixed(2)}× tracking (${each('stacks', 'tracked', 'wall')}) | ${us('stacks', 'cpu')} | ${ratio('stacks', 'tracked', 'cpu').toFixed(2)}× (${each('stacks', 'tracked', 'cpu')}) | ≤ 1.10× |`,
  ];
  console.log(lines.join('\n'));
  const misses = ['wall', 'cpu'].filter((key) => ratio('stacks', 'tracked', key) > 1.1);
  console.log(
    misses.length
      ? `\nmissed: stacks ${misses.map((k) => `${ratio('stacks', 'tracked', k).toFixed(2)}× tracking (${k})`).join(', ')} per connection (target 1.10×)`
      : '\nevery target met',
  );
}
