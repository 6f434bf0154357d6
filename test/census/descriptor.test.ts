// Linux: the census asks this process's own descriptors (native/linux/census.cc),
// so its cost follows the process, not the machine. What it finds must be
// what the kernel's dump finds, socket for socket, and what ss sees.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fdOf, listSockets, setOption, trackSockets } from '../../lib';
import { onCleanup, tempDir, track } from '../helpers/cleanup';
import { censusRecords } from '../helpers/native';
import { QEMU_CENSUS, runtime, under } from '../helpers/platform';
import { portOf, secondDescriptor, tupleOf, waitFor, type Host } from '../helpers/sockets';
import { ssOf, ssStates } from '../witness/ss';
import { straceNode } from '../witness/strace';

trackSockets();

const root = path.join(__dirname, '..', '..');
const skip = process.platform !== 'linux' || under('qemu', QEMU_CENSUS);

/** A listener, an idle connection, one with 4 bytes unread, and a CLOSE_WAIT / FIN_WAIT_2 pair on `host`. */
async function someOfEachState(host: Host) {
  const accepted: net.Socket[] = [];
  // Paused from the start: Node reads nothing until resume(), so the kernel holds what the peer sent.
  const server = track(net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => accepted.push(track(s))));
  server.listen({ port: 0, host, backlog: 77 });
  await once(server, 'listening');
  const clients: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const c = track(net.connect(portOf(server), host));
    c.resume();
    await once(c, 'connect');
    clients.push(c);
  }
  await waitFor('three accepted', () => accepted.length === 3);
  const [idle, unread, halfClosed] = accepted;
  idle.resume();
  halfClosed.resume();
  clients[1].write('four');
  const ended = once(halfClosed, 'end');
  clients[2].end();
  await ended;
  return { server, idle, unread, halfClosed, clients };
}

/** The backlog of the listener on `host`:`port`, as ss shows it (its Send-Q). */
function ssBacklog(host: Host, port: number): number {
  const src = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const out = execFileSync('ss', ['-Hltn', 'src', src], { encoding: 'utf8' }).trim().split(/\s+/);
  return Number(out[2]);
}

/**
 * Linux: this process's descriptors of sockets the kernel lists in `state` (a /proc/net/tcp state number): a
 * witness outside sockctl and outside the runtime, whose descriptors Deno gives out to no one. Its source, for a child.
 */
const DESCRIPTORS_IN_STATE = `function descriptorsInState(state) {
  const fs = require('node:fs');
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(table, 'utf8').split('\\n').slice(1)) {
      const f = line.trim().split(/\\s+/);
      if (f[3] === state) inodes.add(f[9]);
    }
  }
  return fs.readdirSync('/proc/self/fd').map(Number).filter((fd) => {
    try {
      return inodes.has(/^socket:\\[(\\d+)\\]$/.exec(fs.readlinkSync('/proc/self/fd/' + fd))?.[1]);
    } catch {
      return false; // the directory's own descriptor, closed once read
    }
  });
}`;

const key = (r: ReturnType<typeof censusRecords>[number]) =>
  `${r.fd} ${r.stateNumber} ${r.localAddress}:${r.localPort} ${r.remoteAddress}:${r.remotePort} q${r.receiveQueue}/${r.sendQueue}`;

describe.skipIf(skip).each<Host>(['127.0.0.1', '::1'])('the census by descriptor on %s', (host) => {
  it('finds what the sock_diag dump finds, record for record, queues included', async () => {
    const { server, unread, halfClosed, clients } = await someOfEachState(host);
    await waitFor('4 bytes queued on the paused socket', () =>
      censusRecords('descriptor').some((r) => r.fd === fdOf(unread) && r.receiveQueue === 4),
    );
    // The peer's FIN acknowledged (the ACK may be delayed): no state is changing while the two are compared.
    await waitFor('FIN_WAIT_2 on the client that ended', () => ssStates(tupleOf(clients[2]))[0] === 'FIN-WAIT-2');
    const byDescriptor = censusRecords('descriptor').map(key).sort();
    expect(byDescriptor).toEqual(censusRecords('dump').map(key).sort());
    // And what those records say, through listSockets.
    const port = portOf(server);
    const entries = listSockets().filter((e) => e.localPort === port || e.remotePort === port);
    expect(entries.map((e) => e.state).sort()).toEqual([
      'CLOSE_WAIT',
      'ESTABLISHED',
      'ESTABLISHED',
      'ESTABLISHED',
      'ESTABLISHED',
      'FIN_WAIT_2',
      'LISTEN',
    ]);
    // A listener's send queue is its backlog. Bun listens with one of its own, whatever it is given: there the
    // kernel's, seen by ss, is expected.
    const backlog = runtime === 'Bun' ? ssBacklog(host, port) : 77;
    expect(entries.find((e) => e.state === 'LISTEN')).toMatchObject({ receiveQueue: 0, sendQueue: backlog, server });
    expect(entries.find((e) => e.fd === fdOf(unread))).toMatchObject({ receiveQueue: 4, socket: unread });
    expect(entries.find((e) => e.state === 'CLOSE_WAIT')).toMatchObject({ fd: fdOf(halfClosed), socket: halfClosed });
    expect(ssStates(tupleOf(halfClosed))).toEqual(['CLOSE-WAIT']);
  });

  it('a send queue the peer holds up: as the dump says and ss shows', async () => {
    // The peer never reads: its window closes, and what the client wrote stays unsent in its send queue. Both
    // buffers fixed, so that neither grows (the kernel tunes them otherwise) and the queue comes to rest.
    const server = track(
      net.createServer({ pauseOnConnect: true }, (s) => setOption(track(s), 'recvBufferBytes', 4096)),
    );
    server.listen(0, host);
    await once(server, 'listening');
    const client = track(net.connect(portOf(server), host));
    await once(client, 'connect');
    setOption(client, 'sendBufferBytes', 65536);
    client.write(Buffer.alloc(4 << 20)); // more than both buffers hold
    const sendQ = (): number => Number(ssOf(tupleOf(client)).split(' ')[2]);
    const seen: number[] = [];
    await waitFor('the send queue to come to rest', () => {
      seen.push(sendQ());
      const last = seen.slice(-3);
      return last.length === 3 && last[0] > 0 && last.every((q) => q === last[0]);
    });
    const record = censusRecords('descriptor').find((r) => r.fd === fdOf(client))!;
    expect(record.sendQueue).toBeGreaterThan(0);
    expect(record.sendQueue).toBe(sendQ());
    expect(record.sendQueue).toBe(censusRecords('dump').find((r) => r.fd === fdOf(client))!.sendQueue);
    expect(listSockets().find((e) => e.fd === fdOf(client))).toMatchObject({ sendQueue: record.sendQueue });
    client.destroy();
  });

  it('names the peer of a socket still connecting (SYN_SENT), which getpeername cannot', async () => {
    // A listener whose accept queue (backlog 0: one connection) is full and never
    // accepted from: the kernel drops the next SYN, and that client keeps trying.
    const listener = spawn(
      'python3',
      [
        '-c',
        `import socket, sys, time
s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)
s.bind((sys.argv[1], 0)); s.listen(0)
print(s.getsockname()[1], flush=True)
time.sleep(60)`,
        host,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    onCleanup(() => listener.kill());
    const [line] = await once(listener.stdout!, 'data');
    const port = Number(String(line).trim());
    const first = track(net.connect(port, host));
    first.on('error', () => {});
    await once(first, 'connect');
    const pending = track(net.connect(port, host));
    pending.on('error', () => {});
    // Seen from outside: the one SYN-SENT socket to that port, and its local port.
    const dst = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const synSent = await waitFor('the second SYN unanswered', () => {
      const out = spawnSync('ss', ['-H', '-tn', 'state', 'syn-sent', 'dst', dst], { encoding: 'utf8' });
      const lines = out.stdout.split('\n').filter((l) => l.trim() !== '');
      return lines.length === 1 ? Number(/:(\d+)\s/.exec(lines[0].trim())?.[1]) : undefined;
    });
    const entry = listSockets().find((e) => e.localPort === synSent);
    // Deno gives a socket still connecting neither a descriptor nor a local address: nothing ties it to its record.
    const mapped = !under('Deno', 'a socket still connecting has no descriptor and no local address to be found by');
    expect(entry).toMatchObject({
      state: 'SYN_SENT',
      localPort: synSent,
      remoteAddress: host,
      remotePort: port,
      socket: mapped ? pending : undefined,
    });
    if (mapped) expect(entry!.fd).toBe(fdOf(pending));
    expect(listSockets({ state: 'SYN_SENT' }).map((e) => e.fd)).toContain(entry!.fd);
  });
});

describe.skipIf(skip)('the census by descriptor', () => {
  it('lists a socket whose descriptor this process holds twice once', async () => {
    const { clients, idle } = await someOfEachState('127.0.0.1');
    await secondDescriptor(idle);
    // The two descriptors, as the kernel lists them (Deno finds one of them by the socket's endpoints).
    const link = fs.readlinkSync(`/proc/self/fd/${fdOf(idle)}`);
    const fds = fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`) === link;
      } catch {
        return false; // the directory's own descriptor, closed once read
      }
    });
    expect(fds).toHaveLength(2);
    const same = listSockets().filter((e) => e.remotePort === clients[0].localPort);
    expect(same).toHaveLength(1);
    expect(fds).toContain(String(same[0].fd));
  });

  // Under strace: a process with 20 connections, two of them half-closed, takes a CLOSE_WAIT census between two
  // markers. With `grown`, its descriptor table first grew to 8 192 slots (5 000 files opened and closed) and one
  // census has counted what is open since.
  async function closeWaitCensus(grown: boolean) {
    const script = `
      const net = require('node:net');
      const fs = require('node:fs');
      const { listSockets } = require(${JSON.stringify(root)});
      if (${grown}) {
        const files = Array.from({ length: 5000 }, () => fs.openSync('/dev/null', 'r'));
        for (const f of files) fs.closeSync(f);
      }
      const accepted = [];
      const server = net.createServer({ allowHalfOpen: true }, (s) => { s.resume(); accepted.push(s); });
      server.listen(0, '127.0.0.1', async () => {
        const clients = [];
        for (let i = 0; i < 20; i++) {
          const c = net.connect(server.address().port, '127.0.0.1');
          c.resume();
          await new Promise((r) => c.once('connect', r));
          clients.push(c);
        }
        while (accepted.length < 20) await new Promise((r) => setImmediate(r));
        const ended = accepted.slice(0, 2).map((s) => new Promise((r) => s.once('end', r)));
        for (const c of clients.slice(0, 2)) c.end();
        await Promise.all(ended);
        listSockets();
        const table = Number(/FDSize:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
        const marker = fs.openSync(require('node:path').join(fs.mkdtempSync(require('node:os').tmpdir() + '/m'), 'm'), 'w');
        fs.ftruncateSync(marker, 0);
        const found = listSockets({ state: 'CLOSE_WAIT' }).map((e) => e.fd);
        fs.ftruncateSync(marker, 0);
        // The two half-closed, by the kernel's word (state 08: CLOSE_WAIT), read after the second marker.
        console.log(JSON.stringify({ found, table, stuck: descriptorsInState('08') }));
        process.exit(0);
      });
      ${DESCRIPTORS_IN_STATE}`;
    const { stdout, calls } = await straceNode(script, [], ['getsockopt', 'ftruncate', 'getdents64']);
    const out = JSON.parse(stdout) as { found: number[]; stuck: number[]; table: number };
    expect(out.found.sort()).toEqual(out.stuck.sort());
    const marks = calls.flatMap((c, i) => (c.call === 'ftruncate' ? [i] : []));
    expect(marks).toHaveLength(2);
    const window = calls.slice(marks[0], marks[1]);
    // Of the 41 TCP sockets in this process (20 connections and a listener), the two half-closed are asked. A
    // descriptor the child inherited may be screened in too (a pipe whose writer closed reports POLLHUP): asking it
    // fails, for it is no socket.
    const traced = window.filter((c) => c.args.includes('TCP_INFO'));
    for (const c of traced.filter((t) => t.rc !== 0)) expect(c.line).toMatch(/ENOTSOCK|EOPNOTSUPP/);
    const asked = traced.filter((c) => c.rc === 0).map((c) => c.fd);
    expect(asked.sort()).toEqual(out.stuck.sort());
    return { table: out.table, listedProc: window.some((c) => c.call === 'getdents64') };
  }

  it('a CLOSE_WAIT census asks only the half-closed sockets for TCP info, found by one poll() (strace)', async () => {
    const { table, listedProc } = await closeWaitCensus(false);
    expect(table).toBeLessThan(4096);
    expect(listedProc).toBe(false);
  });

  it('a table grown once and mostly empty is listed from /proc/self/fd, then screened the same way (strace)', async () => {
    const { table, listedProc } = await closeWaitCensus(true);
    expect(table).toBeGreaterThanOrEqual(8192);
    expect(listedProc).toBe(true);
  });

  it('reads /proc/self/fd where the descriptor table is larger than poll() accepts', () => {
    // ulimit -n sets the hard limit too, so Node cannot raise it: 90 open
    // descriptors grow the table to 128 slots, over the limit of 100.
    const script = `
      const fs = require('node:fs');
      const net = require('node:net');
      const { listSockets } = require(${JSON.stringify(root)});
      const server = net.createServer((s) => s.resume()).listen(0, '127.0.0.1', async () => {
        const clients = [];
        while (clients.length < 30) {
          const c = net.connect(server.address().port, '127.0.0.1');
          await new Promise((r) => c.once('connect', r));
          clients.push(c);
        }
        const table = Number(/FDSize:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
        const port = server.address().port;
        const ours = listSockets().filter((e) => e.localPort === port || e.remotePort === port);
        console.log(JSON.stringify({ table, ours: ours.length }));
        process.exit(0);
      });`;
    const file = path.join(tempDir('sockctl-census-'), 'child.cjs');
    fs.writeFileSync(file, script);
    // Deno runs a file with its own command (`deno run`); Node and Bun take the file.
    const run = runtime === 'Deno' ? ['run', '-A', file] : [file];
    const out = execFileSync('sh', ['-c', 'ulimit -n 100 && exec "$@"', 'sh', process.execPath, ...run], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    const { table, ours } = JSON.parse(out) as { table: number; ours: number };
    expect(table).toBeGreaterThan(100);
    expect(ours).toBe(61); // the listener, 30 clients, 30 accepted
  });
});
