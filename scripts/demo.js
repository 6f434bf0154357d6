'use strict';
// The founding story of sockctl, replayed on loopback: a server that never
// closes its side piles up CLOSE_WAIT sockets; the census finds them, the
// watchdog aborts them with a RST and leaves no TIME_WAIT, where a graceful
// close by the server would.
const net = require('node:net');
const { spawnSync } = require('node:child_process');
const { setTimeout: sleep } = require('node:timers/promises');
const { abort, getTcpInfo, listen, listSockets, trackSockets, watchCloseWait } = require('..');

const N = 20;
const HOST = '127.0.0.1';
const step = (text) => console.log(`\n== ${text}`);
const say = (text) => console.log(`   ${text}`);

// Bounded polling: TCP state changes are asynchronous, so wait for them, but
// never longer than `ms`, and say what we were waiting for when we give up
// (`what` may be a function, to describe the state at that moment).
async function waitFor(what, check, ms = 2000) {
  for (const deadline = Date.now() + ms; ; await sleep(15)) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`);
    }
  }
}

// `ss -Htn <args>` as [local, peer] pairs, or null when ss is not installed.
function ss(...args) {
  const r = spawnSync('ss', ['-Htn', ...args], { encoding: 'utf8' });
  if (r.error && r.error.code === 'ENOENT') return null;
  if (r.error || r.status !== 0) throw new Error(`ss ${args.join(' ')} failed: ${r.error || r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(/\s+/).filter((f) => /:(\d+|\*)$/.test(f)));
}
const NO_SS = '(ss not installed: skipping the kernel-side view)';

// From here on, census entries can name the Node socket and server they belong to.
trackSockets();

const serverSockets = [];
const clients = [];
// What each socket has seen (Sets, since streams already own names like `closed`).
const ended = new Set(); // server sockets that received the client's FIN
const closed = new Set(); // client sockets that emitted 'close'
const reset = new Set(); // client sockets that got ECONNRESET
// The buggy server: allowHalfOpen: true, so Node does not answer the client's
// FIN for us, and the server itself notes the FIN but never calls end().
const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  socket.on('end', () => ended.add(socket));
  socket.on('error', () => {});
  socket.resume(); // read everything, so unread data cannot be what causes a RST
  serverSockets.push(socket);
});

function openClient(port) {
  const client = net.connect({ host: HOST, port });
  client.on('error', (err) => err.code === 'ECONNRESET' && reset.add(client));
  client.on('close', () => closed.add(client));
  client.resume();
  clients.push(client);
  return new Promise((resolve, reject) => client.once('connect', () => resolve(client)).once('error', reject));
}

async function main() {
  await listen(server, { host: HOST, port: 0 }); // ephemeral port, loopback only
  const port = server.address().port;
  const sport = `( sport = :${port} )`;
  // The server side of a connection as ss prints it: local <-> peer.
  const tuple = (clientPort) => `${HOST}:${port} <-> ${HOST}:${clientPort}`;

  step(`1. The problem: a server on ${HOST}:${port} that never closes its side`);
  await Promise.all(Array.from({ length: N }, () => openClient(port)));
  for (const c of clients) c.end('GET /hello\n'); // request, then FIN
  await waitFor(
    `${N} server sockets to read the request and the FIN`,
    () => serverSockets.length === N && serverSockets.every((s) => ended.has(s)),
  );
  say(`${N} clients sent a request and closed their side (FIN); the server read it all.`);
  const states = serverSockets.map((s) => getTcpInfo(s).state);
  const stuck = states.filter((s) => s === 'CLOSE_WAIT').length;
  say(
    `getTcpInfo on the server sockets: ${stuck}/${N} in CLOSE_WAIT (rtt of #1: ${getTcpInfo(serverSockets[0]).rttUs} us)`,
  );
  if (stuck !== N) throw new Error(`expected ${N} CLOSE_WAIT, got states ${states.join(', ')}`);
  const cw = ss('state', 'close-wait', sport);
  if (cw === null) say(NO_SS);
  else {
    const ours = new Set(serverSockets.map((s) => tuple(s.remotePort)));
    const matched = cw.filter((pair) => ours.has(pair.join(' <-> '))).length;
    say(`ss -tn state close-wait '${sport}': ${cw.length} sockets, ${matched} of them our 4-tuples`);
    if (matched !== N) throw new Error(`ss shows ${matched} of our ${N} connections in CLOSE_WAIT`);
  }
  say('They stay there until the process closes them: the kernel never times CLOSE_WAIT out.');

  step('2. The census: listSockets() finds the leak from inside the process');
  const leaks = listSockets({ state: 'CLOSE_WAIT' }).filter((e) => e.localPort === port);
  const owned = leaks.filter((e) => e.server === server && serverSockets.includes(e.socket)).length;
  say(`listSockets({ state: 'CLOSE_WAIT' }): ${leaks.length} sockets on port ${port}, ${owned} mapped to our server`);
  if (leaks.length !== N || owned !== N) throw new Error(`the census found ${leaks.length} (${owned} mapped)`);

  step("3. The fix: watchCloseWait({ action: 'abort' }) ends them (SO_LINGER {on, 0} + destroy -> RST)");
  const watchdog = watchCloseWait({ after: 200, interval: 50, action: 'abort' });
  let aborted = 0;
  watchdog.on('stuck', (e) => e.entry.localPort === port && e.action === 'abort' && aborted++);
  await waitFor(`the watchdog to abort ${N} stuck sockets`, () => aborted === N);
  watchdog.stop();
  say(`the watchdog reported and aborted ${aborted} sockets stuck in CLOSE_WAIT for 200 ms or more`);
  await waitFor(`${N} clients to see the connection close`, () => clients.every((c) => closed.has(c)));
  say(`clients: ${closed.size}/${N} 'close' events, ${reset.size} of them with ECONNRESET (the RST arrived)`);
  if (reset.size !== N) throw new Error(`expected ${N} ECONNRESET on the clients, got ${reset.size}`);
  // Everything on the demo's port but the listener (peer *:*) must be gone:
  // no CLOSE_WAIT, no TIME_WAIT, on either end.
  const connections = () =>
    ss('-a', `( sport = :${port} or dport = :${port} )`).filter(([, peer]) => !peer.endsWith(':*'));
  if (cw === null) say(NO_SS);
  else {
    const what = () => `no connection left on port ${port}; still there: ${connections().join('; ')}`;
    await waitFor(what, () => !connections().length);
    say(`ss -tan on port ${port}: only the listener is left (0 sockets in CLOSE_WAIT, TIME_WAIT or any state)`);
  }
  clients.length = serverSockets.length = 0;

  step('4. Why not a graceful close? The side that closes first keeps TIME_WAIT');
  const graceful = await openClient(port);
  const abortedClient = await openClient(port);
  for (const c of clients) c.write('ping\n'); // no FIN: the server will close first
  await waitFor(
    'the server to read both requests',
    () => serverSockets.length === 2 && serverSockets.every((s) => s.bytesRead === 5),
  );
  // Taken now: a closed socket no longer reports its ports.
  const [gTuple, aTuple] = [tuple(graceful.localPort), tuple(abortedClient.localPort)];
  const serverSide = (c) => serverSockets.find((s) => s.remotePort === c.localPort);
  const [gs, as] = [serverSide(graceful), serverSide(abortedClient)];
  say(`before closing: server sockets ${getTcpInfo(gs).state} / ${getTcpInfo(as).state}, requests read`);
  gs.end(); // FIN first; the client (allowHalfOpen false) answers with its own FIN
  abort(as);
  await waitFor('both connections to close', () => clients.every((c) => closed.has(c)) && gs.destroyed);
  if (cw === null) say(NO_SS);
  else {
    const inTimeWait = (t) => ss('state', 'time-wait', sport).some((pair) => pair.join(' <-> ') === t);
    await waitFor(`${gTuple} to show up in TIME_WAIT after the graceful close`, () => inTimeWait(gTuple));
    const abortedTw = inTimeWait(aTuple);
    say(`ss -tn state time-wait '${sport}', by exact 4-tuple:`);
    say(`  server end():   ${gTuple}  TIME_WAIT (60 s on Linux; it outlives this process)`);
    say(`  server abort(): ${aTuple}  ${abortedTw ? 'TIME_WAIT' : 'none'}`);
    if (abortedTw) throw new Error('abort() left a TIME_WAIT on the server side');
  }
  await new Promise((resolve) => server.close(resolve));
  const unchecked = cw === null ? ' (kernel side unchecked: no ss)' : '';
  console.log(
    `\nDone: the leak appeared, the census found it, the watchdog ended it, leaving no CLOSE_WAIT or TIME_WAIT behind${unchecked}.`,
  );
}

main().catch((err) => {
  console.error(`\ndemo FAILED: ${err.message}`);
  for (const s of [...serverSockets, ...clients]) s.destroy();
  server.close();
  process.exitCode = 1;
});
