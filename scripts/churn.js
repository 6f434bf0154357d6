'use strict';
// Churn: opens and closes many loopback connections, a third each with
// linger 0, closeGracefully and abort, and checks that nothing accumulates.
//   node --expose-gc scripts/churn.js [connections=100000]
// Fails (exit 1) if the descriptor count does not return to its baseline,
// if heap after GC or RSS grows by 10 MB or more between the 10 000th
// connection and the last, or if an aborting side leaves a TIME_WAIT.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const sockctl = require('..');

const TOTAL = Number(process.argv[2] || 100_000);
const CHECKPOINT = 10_000;
if (TOTAL < 2 * CHECKPOINT) throw new Error(`churn needs at least ${2 * CHECKPOINT} connections`);
const IN_FLIGHT = 64;
const MB = 1024 * 1024;
if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');

const fdCount = () => fs.readdirSync('/proc/self/fd').length;
function timeWaits(port) {
  const out = spawnSync('ss', ['-H', '-tan', 'state', 'time-wait', `( sport = :${port} )`], { encoding: 'utf8' });
  return out.stdout.split('\n').filter((l) => l.trim()).length;
}

// One server per way of closing, so each one's TIME_WAITs can be counted.
const modes = {
  linger0: (s) => {
    sockctl.setLinger(s, 0);
    s.destroy();
  },
  graceful: (s) => sockctl.closeGracefully(s, { timeout: 2000 }),
  abort: (s) => sockctl.abort(s),
};

async function main() {
  const servers = {};
  for (const name of Object.keys(modes)) {
    const server = net.createServer((s) => {
      s.on('error', () => {});
      // Wait for the client's request, so each close has something to close.
      s.once('data', () => modes[name](s));
    });
    await new Promise((r) => server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 }, r));
    servers[name] = server;
  }
  const names = Object.keys(modes);
  const baseline = fdCount();

  const connectOnce = (i) =>
    new Promise((resolve) => {
      const name = names[i % names.length];
      const c = net.connect(servers[name].address().port, '127.0.0.1');
      c.on('error', () => {}); // an abort's RST: expected
      c.on('end', () => c.end()); // answer a graceful close
      c.on('close', resolve);
      c.on('connect', () => c.write('x'));
      c.resume();
    });

  // Two phases, each drained before memory is read: up to the checkpoint,
  // then the rest. A reading after GC, with a moment for V8 and the
  // allocator to hand back freed pages, keeps RSS noise out of the verdict.
  let next = 0;
  const started = Date.now();
  async function lane(end) {
    while (next < end) await connectOnce(next++);
  }
  async function settle() {
    for (let i = 0; i < 3; i++) {
      global.gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    const { heapUsed, rss } = process.memoryUsage();
    return { heap: heapUsed, rss };
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, () => lane(CHECKPOINT)));
  const at10k = await settle();
  await Promise.all(Array.from({ length: IN_FLIGHT }, () => lane(TOTAL)));
  // Server-side sockets close a moment after their clients: wait, bounded.
  for (let t = 0; fdCount() !== baseline && t < 200; t++) await new Promise((r) => setTimeout(r, 10));
  const end = await settle();
  const fds = fdCount();
  const tw = Object.fromEntries(names.map((n) => [n, timeWaits(servers[n].address().port)]));
  for (const s of Object.values(servers)) s.close();

  const growth = { heap: (end.heap - at10k.heap) / MB, rss: (end.rss - at10k.rss) / MB };
  console.log(
    `${TOTAL} connections in ${((Date.now() - started) / 1000).toFixed(1)} s; descriptors ${baseline} -> ${fds}; ` +
      `growth from connection ${CHECKPOINT} to ${TOTAL}: heap ${growth.heap.toFixed(2)} MB, rss ${growth.rss.toFixed(2)} MB; ` +
      `TIME_WAIT on the closing side: ${JSON.stringify(tw)}`,
  );
  const problems = [];
  if (fds !== baseline) problems.push(`descriptor count ${fds}, baseline ${baseline}`);
  if (growth.heap >= 10) problems.push(`heap grew ${growth.heap.toFixed(2)} MB`);
  if (growth.rss >= 10) problems.push(`rss grew ${growth.rss.toFixed(2)} MB`);
  if (tw.linger0 !== 0) problems.push(`linger 0 left ${tw.linger0} TIME_WAIT`);
  if (tw.abort !== 0) problems.push(`abort left ${tw.abort} TIME_WAIT`);
  if (problems.length) {
    console.error(`churn FAILED: ${problems.join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
