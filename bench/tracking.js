'use strict';
// What tracking costs per connection: requests through an http.Agent without
// keep-alive (a new connection each, its client end in the measuring
// process) to a loopback server in another process; each mode in processes
// of its own, taking turns a batch at a time (http-peer.js, inTurns): Node
// without sockctl, sockctl loaded and not tracking, trackSockets(), and
// trackSockets({ stacks: true }).
//   node bench/tracking.js [rounds=150]
const http = require('node:http');
const { child, compare, inTurns, roundsFrom } = require('./http-peer');

const MODES = ['bare', 'off', 'tracked', 'stacks'];
const PROCESSES = 3;
const BATCH = 20;

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
  const rounds = roundsFrom(process.argv, 150);
  const results = await inTurns(__filename, MODES, { processes: PROCESSES, rounds, batch: BATCH });
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
    `in ${PROCESSES} processes of its own, all taking turns, ${rounds} rounds × ${BATCH} connections in each; means over`,
    "a mode's processes (each process ÷ the reference's mean in brackets)",
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
