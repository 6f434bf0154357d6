'use strict';
// What tracking costs per connection: the same requests through an
// http.Agent without keep-alive (a new connection each, its client end in the
// measuring process) in three processes — no tracking, tracking
// (trackSockets()), and tracking with creation stacks (trackSockets({
// stacks: true })) — to a loopback server in a fourth, taking turns round
// by round; best round of each. Tracking is for the life of a process,
// hence a process per mode.
//   node bench/tracking.js [connections per round=200]
const { fork } = require('node:child_process');
const { bestOf, NONE, round, startServer } = require('./http-peer');

const N = Number(process.argv[2] || process.env.BENCH_CONNECTIONS || 200);
const ROUNDS = 25;
const MODES = ['off', 'tracked', 'stacks'];

if (process.argv[2] === '--child') {
  const http = require('node:http');
  const sockctl = require('..');
  const [mode, port] = [process.argv[3], Number(process.argv[4])];
  if (mode === 'tracked') sockctl.trackSockets();
  if (mode === 'stacks') sockctl.trackSockets({ stacks: true });
  const agent = new http.Agent({ keepAlive: false });
  process.on('message', async (n) => process.send(await round(agent, port, n, 20)));
  process.send('ready');
} else {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

async function main() {
  const { port, child: server } = await startServer();
  const children = {};
  for (const mode of MODES) {
    children[mode] = fork(__filename, ['--child', mode, String(port)]);
    await new Promise((resolve) => children[mode].once('message', resolve));
  }
  const round = (mode) =>
    new Promise((resolve) => {
      children[mode].once('message', resolve);
      children[mode].send(N);
    });
  for (const mode of MODES) await round(mode); // warm up
  const best = Object.fromEntries(MODES.map((m) => [m, NONE]));
  for (let r = 0; r < ROUNDS; r++) for (const mode of MODES) best[mode] = bestOf(best[mode], await round(mode));
  const us = (mode, key) => (best[mode][key] / 1000).toFixed(1);
  const ratio = (a, b, key) => (best[a][key] / best[b][key]).toFixed(2);
  const lines = [
    `tracking's cost per connection, http.Agent without keep-alive to a loopback server, ${process.version}, best of ${ROUNDS} rounds × ${N}`,
    '',
    '| mode | wall µs per connection | ratio | CPU µs per connection | ratio | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| no tracking (reference) | ${us('off', 'wall')} | 1.00× | ${us('off', 'cpu')} | 1.00× | — |`,
    `| trackSockets() | ${us('tracked', 'wall')} | ${ratio('tracked', 'off', 'wall')}× no tracking | ${us('tracked', 'cpu')} | ${ratio('tracked', 'off', 'cpu')}× no tracking | — |`,
    `| trackSockets({ stacks: true }) | ${us('stacks', 'wall')} | ${ratio('stacks', 'tracked', 'wall')}× tracking | ${us('stacks', 'cpu')} | ${ratio('stacks', 'tracked', 'cpu')}× tracking | ≤ 1.10× |`,
  ];
  console.log(lines.join('\n'));
  const misses = ['wall', 'cpu'].filter((key) => best.stacks[key] / best.tracked[key] > 1.1);
  console.log(
    misses.length
      ? `\nmissed: stacks ${misses.map((k) => `${ratio('stacks', 'tracked', k)}× tracking (${k})`).join(', ')} per connection (target 1.10×)`
      : '\nevery target met',
  );
  for (const child of Object.values(children)) child.kill();
  server.kill();
}
