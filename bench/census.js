'use strict';
// What a census costs as the process and the machine grow: a process
// holding 100, then 10 000 connections, first alone on the machine, then
// with other processes holding 50 000 TCP sockets between them. Each case
// runs in a new process: a descriptor table never shrinks, and one grown
// by an earlier case would be measured too. The
// reference, measured in the same run, is asking each of this process's
// sockets for its TCP info one by one (getTcpInfo). On Linux the two ways
// the census can ask the kernel are measured side by side, through the
// binding: each descriptor (what listSockets does) and a sock_diag dump.
//   node bench/census.js [others=50000]
const { fork } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const { performance } = require('node:perf_hooks');
const { getTcpInfo, listSockets, fdOf } = require('..');
const { native } = require('../dist/native/binding');

const OTHERS = Number(process.argv[2] ?? 50_000);
// One process may hold at most 20 000 descriptors here; each holds both ends of its connections.
const LOADERS = 4;
const ALL_STATES = 0xfff;

/** In a child: `n` connections to `host`, both ends held; or, with `peerOf`, the client ends of `n` connections to it. */
function holder() {
  const [n, host, port] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v)));
  const held = [];
  const connectAll = async (to) => {
    for (let i = 0; i < n; i += 500) {
      const batch = Array.from({ length: Math.min(500, n - i) }, () => {
        return new Promise((ok, fail) => held.push(net.connect(to, host, ok).on('error', fail)));
      });
      await Promise.all(batch);
    }
    process.send('up');
  };
  if (port) return void connectAll(port);
  const server = net.createServer((s) => held.push(s));
  server.listen({ port: 0, host, backlog: 4096 }, () => connectAll(server.address().port));
}

function start(args) {
  const env = { ...process.env, SOCKCTL_BENCH_HOLDER: '1', SOCKCTL_BENCH_CASE: '' };
  const child = fork(__filename, args, { env });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`a holder exited with ${code}`)));
  });
}

async function own(n) {
  const accepted = [];
  const server = net.createServer((s) => accepted.push(s));
  await new Promise((r) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
  const peer = await start([String(n), '127.0.0.1', String(server.address().port)]);
  while (accepted.length < n) await new Promise((r) => setTimeout(r, 5));
  return {
    accepted,
    close() {
      peer.kill();
      for (const s of accepted) s.destroy();
      server.close();
    },
  };
}

function best(runs, fn) {
  fn(); // warm up
  let ms = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return ms;
}

const tcpSockets = () => /TCP: inuse (\d+)/.exec(fs.readFileSync('/proc/net/sockstat', 'utf8'))?.[1];

/** In a child: one case, printed. */
function measure(n, machine) {
  return own(n).then(({ accepted, close }) => {
    const runs = n <= 1000 ? 200 : 10;
    const fds = accepted.map(fdOf);
    const rows = [
      ['`getTcpInfo` on each (reference)', best(runs, () => fds.forEach((fd) => getTcpInfo(fd)))],
      ['`listSockets()`', best(runs, () => listSockets())],
      ["`listSockets({ state: 'CLOSE_WAIT' })`, none stuck", best(runs, () => listSockets({ state: 'CLOSE_WAIT' }))],
      ['`listSockets({ tcpInfo: true })`', best(runs, () => listSockets({ tcpInfo: true }))],
    ];
    if (process.platform === 'linux') {
      rows.push(
        ['binding, all states: each descriptor', best(runs, () => native.listSockets(ALL_STATES, 0, 2))],
        ['binding, all states: sock_diag dump', best(runs, () => native.listSockets(ALL_STATES, 0, 1))],
        ['binding, CLOSE_WAIT: each descriptor', best(runs, () => native.listSockets(1 << 8, 0, 2))],
        ['binding, CLOSE_WAIT: sock_diag dump', best(runs, () => native.listSockets(1 << 8, 0, 1))],
      );
    }
    const found = listSockets().length;
    if (found !== n + 1) throw new Error(`the census found ${found} sockets, not ${n + 1}`);
    close();
    console.log(`\n${n} connections + 1 listener in the process, ${machine} (${tcpSockets()} TCP sockets in use)`);
    console.log('| operation | ms | µs per own socket | vs reference |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const [label, ms] of rows) {
      const perSocket = ((ms * 1000) / (n + 1)).toFixed(2);
      console.log(`| ${label} | ${ms.toFixed(3)} | ${perSocket} | ${(ms / rows[0][1]).toFixed(2)}× |`);
    }
  });
}

function inChild(n, machine) {
  const child = fork(__filename, [String(n), machine], { env: { ...process.env, SOCKCTL_BENCH_CASE: '1' } });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a case exited with ${code}`)))),
  );
}

async function main() {
  console.log(
    `census cost (${process.version}, ${process.platform}-${process.arch}); best of 200 runs (100) or 10 (10 000)`,
  );
  await inChild(100, 'no other process holding sockets');
  await inChild(10_000, 'no other process holding sockets');
  if (OTHERS === 0) return;
  const each = Math.ceil(OTHERS / LOADERS / 2);
  const loaders = await Promise.all(
    Array.from({ length: LOADERS }, (_, i) => start([String(each), `127.0.0.${i + 2}`])),
  );
  try {
    await inChild(100, `${LOADERS} other processes holding ${LOADERS * each * 2} sockets`);
    await inChild(10_000, `${LOADERS} other processes holding ${LOADERS * each * 2} sockets`);
  } finally {
    for (const l of loaders) l.kill();
  }
}

if (process.env.SOCKCTL_BENCH_HOLDER) holder();
else if (process.env.SOCKCTL_BENCH_CASE) {
  measure(Number(process.argv[2]), process.argv[3]).then(() => process.exit(0));
} else
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
