'use strict';
// What a route costs per connection: requests through an http.Agent without
// keep-alive (a new connection each) to a loopback server in a child
// process, plain against createConnection(policy) and against an installed
// installPolicy(policy), taking turns within each round; best round of each.
//   node bench/connect.js [connections per round=200]
const http = require('node:http');
const { createConnection, installPolicy } = require('..');
const { bestOf, NONE, round: roundOf, startServer } = require('./http-peer');

const N = Number(process.argv[2] || process.env.BENCH_CONNECTIONS || 200);
const ROUNDS = 25;
// Untimed at the start of each round: installPolicy's install swaps a prototype method on older Nodes, and V8
// re-optimizes the code that called it.
const WARM = 20;
const POLICY = Object.freeze({ keepAlive: true, keepAliveIdleSecs: 30, keepAliveIntervalSecs: 5, noDelay: true });

const round = (agent, port) => roundOf(agent, port, N, WARM);

async function main() {
  const { port, child: server } = await startServer();
  const plain = new http.Agent({ keepAlive: false });
  const routed = new http.Agent({ keepAlive: false });
  routed.createConnection = createConnection(POLICY);
  const variants = {
    plain: () => round(plain, port),
    createConnection: () => round(routed, port),
    installPolicy: async () => {
      const installed = installPolicy(POLICY);
      try {
        return await round(plain, port);
      } finally {
        installed.uninstall();
      }
    },
  };
  for (const fn of Object.values(variants)) await fn(); // warm up
  const best = Object.fromEntries(Object.keys(variants).map((k) => [k, NONE]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn] of Object.entries(variants)) best[name] = bestOf(best[name], await fn());
  }
  const lines = [
    `connections through http.Agent (no keep-alive) to a loopback server, ${process.version}, best of ${ROUNDS} rounds × ${N}`,
    '',
    '| route | wall µs per connection | ÷ plain | CPU µs per connection | ÷ plain | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  const misses = [];
  for (const [name, { wall, cpu }] of Object.entries(best)) {
    const [xw, xc] = [wall / best.plain.wall, cpu / best.plain.cpu];
    const target = name === 'plain' ? '—' : '≤ 1.10×';
    lines.push(
      `| ${name} | ${(wall / 1000).toFixed(1)} | ${xw.toFixed(2)}× | ${(cpu / 1000).toFixed(1)} | ${xc.toFixed(2)}× | ${target} |`,
    );
    if (name !== 'plain' && xw > 1.1)
      misses.push(`${name}: ${xw.toFixed(2)}× plain per connection, wall (target 1.10×)`);
    if (name !== 'plain' && xc > 1.1)
      misses.push(`${name}: ${xc.toFixed(2)}× plain per connection, CPU (target 1.10×)`);
  }
  console.log(lines.join('\n'));
  console.log(misses.length ? `\nmissed:\n- ${misses.join('\n- ')}` : '\nevery target met');
  server.kill();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
