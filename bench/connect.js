'use strict';
// What a route costs per connection: requests through an http.Agent without
// keep-alive (a new connection each) to a loopback server in a child
// process, plain against createConnection(policy) and against an installed
// installPolicy(policy), each mode in processes of its own, taking turns a
// batch at a time (http-peer.js, inTurns).
//   node bench/connect.js [rounds=150]
const http = require('node:http');
const { child, compare, inTurns, roundsFrom } = require('./http-peer');

const POLICY = Object.freeze({ keepAlive: true, keepAliveIdleSecs: 30, keepAliveIntervalSecs: 5, noDelay: true });
const MODES = ['plain', 'createConnection', 'installPolicy'];
const PROCESSES = 3;
const BATCH = 20;

if (process.argv[2] === '--child') {
  child((mode) => {
    const { createConnection, installPolicy } = require('..');
    const agent = new http.Agent({ keepAlive: false });
    if (mode === 'createConnection') agent.createConnection = createConnection(POLICY);
    if (mode === 'installPolicy') installPolicy(POLICY);
    return agent;
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
  const lines = [
    `connections through http.Agent (no keep-alive) to a loopback server, ${process.version}; each route in`,
    `${PROCESSES} processes of its own, all taking turns with plain's, ${rounds} rounds × ${BATCH} connections in each;`,
    "means over a mode's processes (each process ÷ plain's mean in brackets)",
    '',
    '| route | wall µs per connection | ÷ plain | CPU µs per connection | ÷ plain | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  const misses = [];
  const each = (xs) => xs.map((x) => x.toFixed(2)).join(', ');
  for (const name of MODES) {
    const wall = compare(results, name, 'plain', 'wall');
    const cpu = compare(results, name, 'plain', 'cpu');
    if (name === 'plain') {
      lines.push(
        `| plain | ${wall.us.toFixed(1)} | 1.00× (${each(wall.each)}) | ${cpu.us.toFixed(1)} | 1.00× (${each(cpu.each)}) | — |`,
      );
      continue;
    }
    lines.push(
      `| ${name} | ${wall.us.toFixed(1)} | ${wall.ratio.toFixed(2)}× (${each(wall.each)}) | ${cpu.us.toFixed(1)} | ${cpu.ratio.toFixed(2)}× (${each(cpu.each)}) | ≤ 1.10× |`,
    );
    if (wall.ratio > 1.1) misses.push(`${name}: ${wall.ratio.toFixed(2)}× plain per connection, wall (target 1.10×)`);
    if (cpu.ratio > 1.1) misses.push(`${name}: ${cpu.ratio.toFixed(2)}× plain per connection, CPU (target 1.10×)`);
  }
  console.log(lines.join('\n'));
  console.log(misses.length ? `\nmissed:\n- ${misses.join('\n- ')}` : '\nevery target met');
}
