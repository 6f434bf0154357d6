'use strict';
// Per-call cost of sockctl against, in the same run and on one loopback
// connection: the practical limit (bench/reference, the thinnest Node-API
// wrapper of the same syscalls; its TCP info objects are built in
// bench/reference/tcp-info.js), the C floor (bench/floor.c) and the npm peer
// `sockopt` (integer options only). Prints a markdown table of ns/op and
// ratios, and says why wherever a target is missed. Then one batch of five
// options: apply() against five setOption() calls and five reference calls.
const { execFileSync } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const sockctl = require('..');

const N = Number(process.env.BENCH_ITERATIONS || 40_000);
const RUNS = 25;
const reference = require('./reference/build/Release/reference.node');
const { tcpInfo30, tcpInfo60, unlike } = require('./reference/tcp-info');
const sockopt = require('sockopt');

/** reference.getLinger packs the answer in one int (seconds, or -1 when off): the object getLinger returns. */
function lingerOf(packed) {
  return packed < 0 ? { enabled: false, seconds: 0 } : { enabled: true, seconds: packed };
}

/**
 * Best ns/op of each function over RUNS rounds of N calls, the functions
 * taking turns within each round, so that what the machine does meanwhile
 * (this VM drifts by ±10 % over a minute) weighs on all of them alike.
 */
function measure(...fns) {
  for (const fn of fns) for (let i = 0; i < 10_000; i++) fn(); // warm up the JIT
  const best = fns.map(() => Infinity);
  for (let r = 0; r < RUNS; r++) {
    fns.forEach((fn, k) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N; i++) fn();
      best[k] = Math.min(best[k], Number(process.hrtime.bigint() - t0) / N);
    });
  }
  return best;
}

// Five options that may be set again and again on a connected TCP socket
// (phase 'any'), and that Linux, macOS and Windows all have.
const POLICY = Object.freeze({
  keepAlive: true,
  keepAliveIdleSecs: 30,
  keepAliveIntervalSecs: 10,
  keepAliveCount: 5,
  noDelay: true,
});

/**
 * apply(target, POLICY) — one validation pass and one native call — against
 * the same five options as five setOption() calls and as five calls of the
 * reference addon. Returns a markdown table of ns per batch and ratios.
 */
function batch(fd, socket, floorNs) {
  const names = Object.keys(POLICY);
  const { applied, skipped } = sockctl.apply(fd, POLICY);
  if (applied.length !== names.length) {
    return `apply batch: not measured, this platform skips ${skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}`;
  }
  const c = sockctl.constants;
  const raw = names.map((name) => {
    const os = sockctl.optionTable[name][process.platform];
    const value = POLICY[name] === true ? 1 : POLICY[name];
    return [c[os.level], c[os.name], value];
  });
  const [[l0, n0, v0], [l1, n1, v1], [l2, n2, v2], [l3, n3, v3], [l4, n4, v4]] = raw;
  const setFive = (target) => () => {
    sockctl.setOption(target, 'keepAlive', POLICY.keepAlive);
    sockctl.setOption(target, 'keepAliveIdleSecs', POLICY.keepAliveIdleSecs);
    sockctl.setOption(target, 'keepAliveIntervalSecs', POLICY.keepAliveIntervalSecs);
    sockctl.setOption(target, 'keepAliveCount', POLICY.keepAliveCount);
    sockctl.setOption(target, 'noDelay', POLICY.noDelay);
  };
  const referenceFive = () => {
    reference.setInt(fd, l0, n0, v0);
    reference.setInt(fd, l1, n1, v1);
    reference.setInt(fd, l2, n2, v2);
    reference.setInt(fd, l3, n3, v3);
    reference.setInt(fd, l4, n4, v4);
  };

  const [applyFd, applySocket, fiveFd, fiveSocket, ref] = measure(
    () => sockctl.apply(fd, POLICY),
    () => sockctl.apply(socket, POLICY),
    setFive(fd),
    setFive(socket),
    referenceFive,
  );
  const x = (a, b) => `${(a / b).toFixed(2)}×`;
  const row = (name, ns, five, calls) =>
    `| ${name} | ${ns.toFixed(0)} | ${(ns / 5).toFixed(0)} | ${five === undefined ? '—' : x(ns, five)} | ${x(ns, ref)} | ${calls} |`;
  const lines = [
    `one batch of five options (${names.join(', ')}) on a connected socket, best of ${RUNS} × ${N} batches`,
    '',
    '| batch | ns per batch | ns per option | ÷ five setOption | ÷ five reference | native calls |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('apply(fd, policy)', applyFd, fiveFd, 1),
    row('apply(net.Socket, policy)', applySocket, fiveSocket, 1),
    row('5 × setOption(fd, …)', fiveFd, undefined, 5),
    row('5 × setOption(net.Socket, …)', fiveSocket, undefined, 5),
    row('5 × reference.setInt (the practical limit)', ref, undefined, 5),
  ];
  if (floorNs !== undefined) lines.push(row('C floor: 5 × setsockopt', floorNs, undefined, 0));
  const worst = Math.max(applyFd / fiveFd, applySocket / fiveSocket);
  lines.push(
    '',
    worst < 1
      ? `apply costs at most ${worst.toFixed(2)}× five setOption calls`
      : `missed: apply costs ${worst.toFixed(2)}× five setOption calls (expected below 1×)`,
  );
  return lines.join('\n');
}

async function main() {
  const server = net.createServer((s) => s.resume());
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const socket = net.connect(server.address().port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const fd = sockctl.fdOf(socket);
  const { SOL_SOCKET, SO_REUSEADDR, SO_REUSEPORT } = sockctl.constants;

  const floorBin = path.join(__dirname, 'build', 'floor');
  const floor = JSON.parse(execFileSync(floorBin, [String(N)], { encoding: 'utf8' }));

  const tcpInfoFd = () => sockctl.getTcpInfo(fd);
  const tcpInfoSocket = () => sockctl.getTcpInfo(socket);
  const notLike = unlike(sockctl.getTcpInfo(fd), fd);
  // The reference takes a descriptor: for the net.Socket column it reads
  // the socket's own (`_handle.fd`, as the npm peer does), since sockctl has
  // to find it too; for the fd column it is given it.
  const rows = [
    // name, sockctl on fd, sockctl on net.Socket, reference(fd), sockopt, floor, target (null: none)
    [
      'setLinger',
      () => sockctl.setLinger(fd, 5),
      () => sockctl.setLinger(socket, 5),
      (d) => reference.setLinger(d, 1, 5),
      null,
      floor.setLinger,
      1.1,
    ],
    [
      'getLinger',
      () => sockctl.getLinger(fd),
      () => sockctl.getLinger(socket),
      // The same { enabled, seconds } getLinger returns, built in JS.
      (d) => lingerOf(reference.getLinger(d)),
      null,
      floor.getLinger,
      1.1,
    ],
    [
      'setReuseAddress',
      () => sockctl.setReuseAddress(fd, true),
      () => sockctl.setReuseAddress(socket, true),
      (d) => reference.setInt(d, SOL_SOCKET, SO_REUSEADDR, 1),
      () => sockopt.setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, 1),
      floor.setInt,
      1.1,
    ],
    [
      'getReuseAddress',
      () => sockctl.getReuseAddress(fd),
      () => sockctl.getReuseAddress(socket),
      (d) => reference.getInt(d, SOL_SOCKET, SO_REUSEADDR),
      () => sockopt.getsockopt(socket, SOL_SOCKET, SO_REUSEADDR),
      floor.getInt,
      1.1,
    ],
    [
      'setReusePort',
      () => sockctl.setReusePort(fd, false),
      () => sockctl.setReusePort(socket, false),
      (d) => reference.setInt(d, SOL_SOCKET, SO_REUSEPORT, 0),
      () => sockopt.setsockopt(socket, SOL_SOCKET, SO_REUSEPORT, 0),
      floor.setInt,
      1.1,
    ],
    [
      'getReusePort',
      () => sockctl.getReusePort(fd),
      () => sockctl.getReusePort(socket),
      (d) => reference.getInt(d, SOL_SOCKET, SO_REUSEPORT),
      () => sockopt.getsockopt(socket, SOL_SOCKET, SO_REUSEPORT),
      floor.getInt,
      1.1,
    ],
    // Against a reference of the same 60-field shape, and (for the record,
    // no target) against the 30 flat fields of the first yardstick.
    ['getTcpInfo (same shape)', tcpInfoFd, tcpInfoSocket, (d) => tcpInfo60(d), null, floor.tcpInfo, 1.2],
    ['getTcpInfo (30 fields)', tcpInfoFd, tcpInfoSocket, (d) => tcpInfo30(d), null, floor.tcpInfo, null],
  ];
  const handle = socket._handle;

  const misses = notLike ? [`getTcpInfo: the 60-field reference is not its shape here (${notLike})`] : [];
  // A function two rows share is measured once, with the first row.
  const times = new Map();
  const fmt = (x) => (x === undefined ? '—' : x.toFixed(0));
  const lines = [
    `sockctl per-call cost, ${process.version} ${process.platform}-${process.arch}, best of ${RUNS} × ${N} calls`,
    '',
    '| call | sockctl (fd) | reference (fd) | fd ÷ ref | sockctl (net.Socket) | reference (net.Socket) | Socket ÷ ref | C floor | sockopt | target | vs sockopt |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [name, onFd, onSocket, ref, peer, floorNs, target] of rows) {
    const refFd = () => ref(fd);
    const refSocket = () => ref(handle.fd);
    const fresh = [onFd, onSocket].filter((fn) => !times.has(fn));
    const ns = measure(...fresh, refFd, refSocket, ...(peer ? [peer] : []));
    fresh.forEach((fn, k) => times.set(fn, ns[k]));
    const a = times.get(onFd);
    const b = times.get(onSocket);
    const [ra, rb] = ns.slice(fresh.length, fresh.length + 2);
    const p = peer ? ns[fresh.length + 2] : undefined;
    const xa = a / ra;
    const xb = b / rb;
    const vsPeer = p === undefined ? '—' : `${(Math.max(a, b) / p).toFixed(2)}×`;
    lines.push(
      `| ${name} | ${fmt(a)} | ${fmt(ra)} | ${xa.toFixed(2)}× | ${fmt(b)} | ${fmt(rb)} | ${xb.toFixed(2)}× | ${fmt(floorNs)} | ${fmt(p)} | ${target === null ? '—' : `≤ ${target}×`} | ${vsPeer} |`,
    );
    if (target !== null && Math.max(xa, xb) > target)
      misses.push(`${name}: ${Math.max(xa, xb).toFixed(2)}× the reference (target ${target}×)`);
    if (p !== undefined && Math.max(a, b) > p)
      misses.push(`${name}: slower than sockopt (${fmt(Math.max(a, b))} vs ${fmt(p)} ns)`);
  }
  console.log(lines.join('\n'));
  console.log(misses.length ? `\nmissed:\n- ${misses.join('\n- ')}` : '\nevery target met');
  console.log(`\n${batch(fd, socket, floor.setFive)}`);
  socket.destroy();
  server.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
