import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { abort, fdOf, listSockets, trackSockets, watchCloseWait, type StuckEvent } from '../../lib';
import { fromTracked } from '../../lib/census/census';
import { native } from '../../lib/native/binding';
import { onCleanup, track } from '../helpers/cleanup';
import { expectCode } from '../helpers/errors';
import { emulator, QEMU_CENSUS, under } from '../helpers/platform';
import { portOf, tlsOptions, tupleOf, waitFor, type Host } from '../helpers/sockets';
import { noStateWitness, ssPeers, ssStates } from '../witness/ss';

trackSockets(); // before any socket exists, so every one can be mapped back

describe('the census record layout', () => {
  // Every OS exports it, census or not, so lib/census.ts never branches.
  it('comes from the native side: each field inside the record, aligned, none overlapping', () => {
    const { bytes, ...fields } = native.censusRecord;
    const sizes: Record<keyof typeof fields, number> = {
      fd: 4,
      family: 1,
      state: 1,
      localPort: 2,
      remotePort: 2,
      localAddress: 16,
      remoteAddress: 16,
      receiveQueue: 4,
      sendQueue: 4,
    };
    expect(Object.keys(fields).sort()).toEqual(Object.keys(sizes).sort());
    // The TCP info doubles that may follow a record need 8-byte alignment.
    expect(bytes % 8).toBe(0);
    const spans = Object.entries(sizes).map(([name, size]) => {
      const at = fields[name as keyof typeof fields];
      expect(at % Math.min(size, 4), name).toBe(0);
      expect(at + size, name).toBeLessThanOrEqual(bytes);
      return [at, at + size];
    });
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
  });
});

/** A server that never closes its side: each client's end() leaves a CLOSE_WAIT here. */
async function leakyServer(host: Host, clients: number) {
  const server = track(net.createServer({ allowHalfOpen: true }));
  const accepted: net.Socket[] = [];
  const ended = new Set<net.Socket>();
  server.on('connection', (s) => {
    s.resume(); // read everything: no unread data, so closes are not turned into RST
    s.on('end', () => ended.add(s));
    accepted.push(track(s));
  });
  server.listen(0, host);
  await once(server, 'listening');
  const peers: net.Socket[] = [];
  for (let i = 0; i < clients; i++) {
    const c = track(net.connect({ port: portOf(server), host }));
    c.on('error', () => {});
    c.resume();
    await once(c, 'connect');
    peers.push(c);
  }
  await waitFor('every connection accepted', () => accepted.length === clients);
  for (const c of peers) c.end();
  // Each accepted socket has read the peer's FIN and not sent its own: CLOSE_WAIT.
  await waitFor("every peer's FIN read", () => ended.size === clients);
  if (!noStateWitness(host)) {
    await waitFor('CLOSE_WAIT on every accepted socket, seen from outside', () =>
      accepted.every((s) => ssStates(tupleOf(s)).includes('CLOSE-WAIT')),
    );
  }
  return { server, accepted, peers };
}

// The kernel's census is Linux's (native/census_linux.cc); elsewhere the tracked one answers.
const hasKernelCensus = process.platform === 'linux';
// Neither census works there: the kernel one needs NETLINK_SOCK_DIAG, the
// tracked one TCP info.
const noCensus = under('qemu', QEMU_CENSUS);

describe.skipIf(noCensus).each<Host>(['127.0.0.1', '::1'])('listSockets on %s', (host) => {
  it('finds a CLOSE_WAIT leak, maps it to the Node sockets and their server', async () => {
    const { server, accepted } = await leakyServer(host, 5);
    const found = listSockets({ state: 'CLOSE_WAIT' }).filter((e) => e.localPort === portOf(server));
    expect(found).toHaveLength(5);
    for (const s of accepted) {
      const entry = found.find((e) => e.remotePort === s.remotePort)!;
      expect(entry).toMatchObject({
        fd: fdOf(s),
        state: 'CLOSE_WAIT',
        localAddress: s.localAddress,
        remoteAddress: s.remoteAddress,
      });
      // Only the kernel census knows the queues.
      expect([entry.receiveQueue, entry.sendQueue]).toEqual(hasKernelCensus ? [0, 0] : [undefined, undefined]);
      expect(entry.socket).toBe(s);
      expect(entry.server).toBe(server);
    }
    // abort() clears it: nothing of these connections is left on our side.
    const tuples = accepted.map(tupleOf);
    for (const s of accepted) abort(s);
    expect(listSockets({ state: 'CLOSE_WAIT' }).filter((e) => e.localPort === portOf(server))).toEqual([]);
    if (!noStateWitness(host)) for (const t of tuples) expect(ssStates(t)).toEqual([]);
  });

  it("maps a socket made with new net.Socket() and then connect() — node-postgres' way — on every Node", async () => {
    const server = track(net.createServer((c) => c.resume()));
    server.listen(0, host);
    await once(server, 'listening');
    const own = track(new net.Socket());
    own.connect(portOf(server), host);
    await once(own, 'connect');
    const entry = listSockets().find((e) => e.fd === fdOf(own));
    expect(entry?.socket).toBe(own);
    expect(entry?.state).toBe('ESTABLISHED');
  });

  it('maps an http.Server’s listener and the socket its request came on', async () => {
    const server = track(http.createServer((_req, res) => res.end('ok')));
    const sockets: net.Socket[] = [];
    server.on('request', (req: http.IncomingMessage) => sockets.push(req.socket));
    server.listen(0, host);
    await once(server, 'listening');
    const agent = new http.Agent({ keepAlive: true });
    onCleanup(() => agent.destroy());
    const [res] = (await once(http.get({ host, port: portOf(server), agent }), 'response')) as [http.IncomingMessage];
    res.resume();
    await once(res, 'end');
    const entries = listSockets().filter((e) => e.localPort === portOf(server));
    expect(entries.find((e) => e.state === 'LISTEN')?.server).toBe(server);
    const accepted = entries.find((e) => e.state === 'ESTABLISHED');
    expect(accepted?.socket).toBe(sockets[0]);
    expect(accepted?.server).toBe(server);
  });

  it('names the TLSSockets the program holds: tls.connect({ socket }) and a tls.Server’s', async () => {
    const server = track(tls.createServer(tlsOptions, (t) => t.resume()));
    const accepted: tls.TLSSocket[] = [];
    server.on('secureConnection', (t) => accepted.push(t));
    server.listen(0, host);
    await once(server, 'listening');
    const port = portOf(server);
    // Around a connected socket (pg's and mysql2's ssl), around one not yet connected, and one that connects itself.
    const raw = track(net.connect(port, host));
    await once(raw, 'connect');
    const around = track(tls.connect({ socket: raw, rejectUnauthorized: false }));
    const pending = track(new net.Socket());
    const aroundPending = track(tls.connect({ socket: pending, rejectUnauthorized: false }));
    pending.connect(port, host);
    const own = track(tls.connect({ port, host, rejectUnauthorized: false }));
    const clients = [around, aroundPending, own];
    await Promise.all(clients.map((c) => once(c, 'secureConnect')));
    await waitFor('the server to accept all three', () => accepted.length === 3);
    const entries = listSockets({ state: 'ESTABLISHED' });
    for (const [c, fd] of [
      [around, fdOf(raw)],
      [aroundPending, fdOf(pending)],
      [own, fdOf(own)],
    ] as const) {
      const entry = entries.find((e) => e.fd === fd);
      expect(entry?.socket).toBe(c);
      const peer = accepted.find((t) => t.remotePort === entry!.localPort)!;
      const ofPeer = entries.find((e) => e.localPort === port && e.remotePort === entry!.localPort);
      expect(ofPeer?.socket).toBe(peer);
      expect(ofPeer?.server).toBe(server);
    }
  });

  it('lists every state by default, with TCP info on request, and the listener with its server', async () => {
    const { server } = await leakyServer(host, 1);
    const all = listSockets({ tcpInfo: true }).filter(
      (e) => e.localPort === portOf(server) || e.remotePort === portOf(server),
    );
    expect(all.map((e) => e.state).sort()).toEqual(['CLOSE_WAIT', 'FIN_WAIT_2', 'LISTEN']);
    for (const e of all) expect(e.tcpInfo?.state).toBe(e.state);
    const listener = all.find((e) => e.state === 'LISTEN')!;
    expect(listener.server).toBe(server);
    expect(listener.fd).toBe(fdOf(server));
    expect(listSockets({ state: ['LISTEN', 'FIN_WAIT_2'] }).some((e) => e.state === 'CLOSE_WAIT')).toBe(false);
  });
});

describe('listSockets', () => {
  it.skipIf(noCensus)('counts only this process’s sockets', async () => {
    // A child process holds a connection to our server: only our side is ours.
    const server = track(net.createServer((s) => track(s).resume()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    const child = spawn(
      process.execPath,
      [
        '-e',
        `require('net').connect(${portOf(server)}, '127.0.0.1', () => console.log('up')); setInterval(() => {}, 1e3)`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    onCleanup(() => child.kill());
    await Promise.all([once(child.stdout!, 'data'), accepted]);
    const port = portOf(server);
    const mine = listSockets().filter((e) => e.localPort === port || e.remotePort === port);
    expect(mine.map((e) => e.state).sort()).toEqual(['ESTABLISHED', 'LISTEN']);
  });

  it.runIf(emulator === 'qemu')('under qemu, reports the refused netlink socket as a system error', async () => {
    // A TCP socket to ask: its 4-byte TCP_INFO sends the census to the dump, which qemu refuses.
    const server = track(net.createServer());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    expect(expectCode(() => listSockets(), 'EPROTONOSUPPORT')).toMatchObject({ syscall: 'sock_diag' });
  });

  it('validates its options', () => {
    expectCode(() => listSockets({ state: 'STUCK' as never }), 'ERR_INVALID_ARG_VALUE');
    expectCode(() => listSockets({ state: 5 as never }), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => listSockets({ tcpInfo: 1 as never }), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => listSockets(null as never), 'ERR_INVALID_ARG_TYPE');
  });

  it.skipIf(noCensus)('the tracked-sockets census (macOS, Windows) finds the same leak', async () => {
    const { server, accepted } = await leakyServer('127.0.0.1', 3);
    const found = fromTracked(['CLOSE_WAIT'], true).filter((e) => e.localPort === portOf(server));
    expect(found.map((e) => e.socket).sort()).toEqual([...accepted].sort());
    for (const e of found) expect(e.tcpInfo?.state).toBe('CLOSE_WAIT');
  });

  it.runIf(hasKernelCensus && !noCensus)('agrees with ss, socket for socket', async () => {
    const { server } = await leakyServer('127.0.0.1', 4);
    const port = portOf(server);
    const fromSs = ssPeers('close-wait', '127.0.0.1', port).sort();
    const fromCensus = listSockets({ state: 'CLOSE_WAIT' })
      .filter((e) => e.localPort === port)
      .map((e) => `${e.remoteAddress}:${e.remotePort}`)
      .sort();
    expect(fromSs).toHaveLength(4);
    expect(fromCensus).toEqual(fromSs);
  });
});

describe.skipIf(noCensus)('watchCloseWait', () => {
  it('reports a socket stuck past the threshold, once, and leaves it by default', async () => {
    const { server, accepted } = await leakyServer('127.0.0.1', 3);
    const watchdog = watchCloseWait({ after: 100, interval: 20 });
    onCleanup(() => watchdog.stop());
    const events: StuckEvent[] = [];
    watchdog.on('stuck', (e) => e.entry.localPort === portOf(server) && events.push(e));
    await waitFor('three stuck reports', () => events.length === 3);
    for (const e of events) {
      expect(e.stuckForMs).toBeGreaterThanOrEqual(100);
      expect(e.action).toBe('none');
      expect(accepted).toContain(e.entry.socket);
    }
    // Left alone, and each reported once: by the time a new leak is reported,
    // the old ones have been seen in many samples without a second report.
    const more = await leakyServer('127.0.0.1', 1);
    watchdog.on('stuck', (e) => e.entry.localPort === portOf(more.server) && events.push(e));
    await waitFor('the new leak reported', () => events.length === 4);
    expect(new Set(events.map((e) => e.entry.socket)).size).toBe(4);
    expect(accepted.some((s) => s.destroyed)).toBe(false);
    for (const s of accepted) expect(ssStates(tupleOf(s))).toEqual(['CLOSE-WAIT']);
  });

  it('with action abort, ends them: the peer sees a reset, nothing is left here', async () => {
    const { server, accepted, peers } = await leakyServer('127.0.0.1', 3);
    const tuples = accepted.map(tupleOf);
    const resets = peers.map((p) => once(p, 'error'));
    const watchdog = watchCloseWait({ after: 50, interval: 20, action: 'abort' });
    onCleanup(() => watchdog.stop());
    const events: StuckEvent[] = [];
    watchdog.on('stuck', (e) => e.entry.localPort === portOf(server) && events.push(e));
    for (const [err] of await Promise.all(resets)) expect(err.code).toBe('ECONNRESET');
    expect(events.map((e) => e.action)).toEqual(['abort', 'abort', 'abort']);
    for (const t of tuples) expect(ssStates(t)).toEqual([]);
  });

  it('with action destroy, closes them with FIN', async () => {
    const { accepted, peers } = await leakyServer('127.0.0.1', 1);
    const tuple = tupleOf(accepted[0]);
    const watchdog = watchCloseWait({ after: 0, interval: 20, action: 'destroy' });
    onCleanup(() => watchdog.stop());
    await once(peers[0], 'close');
    expect(peers[0].errored).toBeNull();
    // We closed second: LAST_ACK at most briefly, never TIME_WAIT here.
    await waitFor('the connection gone on our side', () => ssStates(tuple).length === 0);
  });

  it('stops, and never keeps the process alive', async () => {
    const script = `
      const { watchCloseWait } = require(${JSON.stringify(require.resolve('../..'))});
      const w = watchCloseWait({ interval: 10 });
      w.on('stuck', () => {});
      setTimeout(() => { w.stop(); console.log('stopped'); }, 50);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(out.trim()).toBe('stopped');
    const unrefScript = `require(${JSON.stringify(require.resolve('../..'))}).watchCloseWait({ interval: 10 })`;
    const started = Date.now();
    const [code2] = await once(spawn(process.execPath, ['-e', unrefScript], { stdio: 'inherit' }), 'exit');
    expect(code2).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('validates its options', () => {
    expectCode(() => watchCloseWait({ after: -1 }), 'ERR_OUT_OF_RANGE');
    expectCode(() => watchCloseWait({ interval: 0 }), 'ERR_OUT_OF_RANGE');
    expectCode(() => watchCloseWait({ interval: '1' as never }), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => watchCloseWait({ action: 'kill' as never }), 'ERR_INVALID_ARG_VALUE');
  });
});
