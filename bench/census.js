'use strict';
// The cost of a census with many open sockets, against asking each socket
// for its TCP info one by one (the reference, measured in the same run).
//   node bench/census.js [connections=10000]
// The server side lives here; the clients live in a child process, so this
// process holds exactly N connections plus its listener.
const { spawn } = require('node:child_process');
const net = require('node:net');
const { performance } = require('node:perf_hooks');
const { fdOf, getTcpInfo, listSockets, watchCloseWait } = require('..');

const N = Number(process.argv[2] || 10_000);

function time(label, runs, fn) {
  fn(); // warm up
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return { label, ms: best };
}

async function main() {
  const accepted = [];
  const server = net.createServer((s) => accepted.push(s));
  await new Promise((r) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
  const port = server.address().port;
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const net = require('net'); let open = 0;
       (async () => {
         for (let i = 0; i < ${N}; i += 500) {
           await Promise.all(Array.from({ length: Math.min(500, ${N} - i) }, () =>
             new Promise((ok, fail) => net.connect(${port}, '127.0.0.1', ok).on('error', fail))));
         }
         process.send('up');
       })().catch((e) => { console.error(e); process.exit(1); });`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`client process exited with ${code}`)));
  });
  while (accepted.length < N) await new Promise((r) => setTimeout(r, 10));

  const fds = accepted.map(fdOf);
  const results = [
    time(`getTcpInfo on each of ${N} sockets (reference)`, 5, () => fds.forEach((fd) => getTcpInfo(fd))),
    time(`listSockets() — all states`, 5, () => listSockets()),
    time(`listSockets({ tcpInfo: true })`, 5, () => listSockets({ tcpInfo: true })),
    time(`listSockets({ state: 'CLOSE_WAIT' }) — a watchdog sample, none stuck`, 5, () =>
      listSockets({ state: 'CLOSE_WAIT' }),
    ),
  ];
  const found = listSockets().length;
  if (found !== N + 1) throw new Error(`census found ${found} sockets, expected ${N + 1}`);
  const reference = results[0].ms;
  console.log(`census of ${N} connections + 1 listener (${process.version}, ${process.platform}-${process.arch})`);
  console.log('| operation | ms | µs per socket | ratio to reference |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(
      `| ${r.label} | ${r.ms.toFixed(2)} | ${((r.ms * 1000) / N).toFixed(3)} | ${(r.ms / reference).toFixed(2)}× |`,
    );
  }
  // A watchdog sample is a CLOSE_WAIT census plus bookkeeping: time one.
  const w = watchCloseWait({ interval: 2 ** 31 - 1 });
  w.stop();

  child.kill();
  for (const s of accepted) s.destroy();
  server.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
