'use strict';
// What tracking costs per connection: requests through an http.Agent without
// keep-alive (a new connection each, its client end in the measuring
// process) to a loopback server in another process; each mode in processes
// of its own, taking turns (http-peer.js, inProcesses): Node without sockctl,
// sockctl loaded and not tracking, trackSockets(), and trackSockets({ stacks: true }).
//   node bench/tracking.js [connections per round=300]
const http = require('node:http');
const { child, compare, inProcesses } = require('./http-peer');

const MODES = ['bare', 'off', 'tracked', 'stacks'];
const PROCESSES = 7;
const ROUNDS = 8;

if (process.argv[2] === '--child') {
  child((mode) => {
    if (mode !== 'bare') {
      const sockctl = require('..');
      if (mode === 'tracked') sockctl.trackSockets();
      if (mode === 'stacks') sockctl.trackSockets({ stacks: true });
    }
    return new http.Agent({ keepAlive: false });
  });
} else {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

async function main() {
  const N = Number(process.argv[2] || process.env.BENCH_CONNECTIONS || 300);
  const results = await inProcesses(__filename, MODES, { n: N, processes: PROCESSES, rounds: ROUNDS });
  const each = (xs) => xs.map((x) => x.toFixed(2)).join(', ');
  const row = (label, a, b, target) => {
    const wall = compare(results, a, b, 'wall');
    const cpu = compare(results, a, b, 'cpu');
    return {
      wall,
      cpu,
      line: `| ${label} | ${wall.us.toFixed(1)} | ${wall.ratio.toFixed(2)}× ${b === a ? '' : `(${each(wall.each)})`} | ${cpu.us.toFixed(1)} | ${cpu.ratio.toFixed(2)}× ${b === a ? '' : `(${each(cpu.each)})`} | ${target} |`,
    };
  };
  const stacks = row('trackSockets({ stacks: true }) ÷ trackSockets()', 'stacks', 'tracked', '≤ 1.10×');
  const lines = [
    `tracking's cost per connection, http.Agent without keep-alive to a loopback server, ${process.version}; each mode`,
    `in ${PROCESSES} processes of its own, taking turns, best of ${ROUNDS} rounds × ${N} in each; medians over processes`,
    "(ratios of medians; of each process to the reference's in its turn in brackets)",
    '',
    '| mode | wall µs | ratio | CPU µs | ratio | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('Node without sockctl (reference)', 'bare', 'bare', '—').line,
    row('sockctl loaded, not tracking ÷ without', 'off', 'bare', '—').line,
    row('trackSockets() ÷ not tracking', 'tracked', 'off', '—').line,
    stacks.line,
  ];
  console.log(lines.join('\n'));
  const misses = ['wall', 'cpu'].filter((key) => stacks[key].ratio > 1.1);
  console.log(
    misses.length
      ? `\nmissed: stacks ${misses.map((k) => `${stacks[k].ratio.toFixed(2)}× tracking (${k})`).join(', ')} per connection (target 1.10×)`
      : '\nevery target met',
  );
}
