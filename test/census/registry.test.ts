// The registry behind the census mapping: it finds sockets in Node's list of
// handles at each census and remembers only the unref'd ones, weakly,
// dropping the closed in sweeps and at each census, so a long-running
// process that tracks sockets but never takes a census does not accumulate
// entries.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { QEMU_CENSUS, runtime, under } from '../helpers/platform';
import { trackSockets } from '../../lib';
import { socketsByFd, unrefdCount } from '../../lib/census/registry';
import { activeHandles } from '../../lib/node-internals';
import { track } from '../helpers/cleanup';
import { portOf, waitFor } from '../helpers/sockets';

describe('socket tracking', () => {
  it("forgets the unref'd sockets that closed: without a census in sweeps, at once with one", async () => {
    trackSockets();
    // What was remembered already (another test's sockets) may stay.
    const base = unrefdCount();
    const server = track(net.createServer((s) => s.resume()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    // 1 200 sockets made and closed, 20 connections at a time: more than the first sweep waits for (1 024).
    let closed = 0;
    for (let round = 0; round < 30; round++) {
      const clients = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const c = net.connect(portOf(server), '127.0.0.1');
          await once(c, 'connect');
          c.unref();
          return c;
        }),
      );
      for (const c of clients) c.destroy();
      closed += 40;
    }
    expect(closed).toBe(1200);
    expect(unrefdCount()).toBeLessThan(base + 1024);
    // A census drops every closed one it meets (socketsByFd is where it looks them up).
    await waitFor('every tracked socket forgotten', () => {
      socketsByFd(activeHandles());
      return unrefdCount() === 0;
    });
  });

  it.skipIf(under('qemu', QEMU_CENSUS))(
    'finds the sockets and servers made before tracking started where they keep the process alive, and every one made after',
    () => {
      // A fresh process: nothing tracks until the census, long after the sockets were made.
      const script = `
        const net = require('node:net');
        const { once } = require('node:events');
        const s = require(${JSON.stringify(path.join(__dirname, '..', '..'))});
        (async () => {
          const accepted = [];
          const server = net.createServer((c) => accepted.push(c)).listen(0, '127.0.0.1');
          const lone = net.createServer().listen(0, '127.0.0.1');
          await Promise.all([once(server, 'listening'), once(lone, 'listening')]);
          const port = server.address().port;
          const client = net.connect(port, '127.0.0.1');
          const unrefd = net.connect(port, '127.0.0.1');
          await Promise.all([once(client, 'connect'), once(unrefd, 'connect')]);
          unrefd.unref();
          while (accepted.length < 2) await new Promise((r) => setImmediate(r));
          const before = s.listSockets();
          // After the first census: a server that has accepted nothing, and a socket unref'd.
          const later = net.createServer().listen(0, '127.0.0.1');
          await once(later, 'listening');
          const late = net.connect(port, '127.0.0.1');
          await once(late, 'connect');
          late.unref();
          const entries = s.listSockets();
          const of = (x) => entries.find((e) => e.fd === s.fdOf(x));
          const peer = accepted.find((a) => a.remotePort === client.localPort);
          process.stdout.write(JSON.stringify({
            client: of(client)?.socket === client,
            accepted: of(peer)?.socket === peer && of(peer)?.server === server,
            listener: of(server)?.server === server,
            lone: of(lone)?.server === lone,
            unrefd: of(unrefd)?.socket === undefined,
            first: before.length,
            later: of(later)?.server === later,
            late: of(late)?.socket === late,
          }));
          process.exit(0);
        })();`;
      const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
      // Bun lists no handles: there what was made before tracking is found by nothing (the listener, by the socket
      // it accepts after).
      const before = !under('Bun', 'Bun lists no handles: the sockets and servers made before tracking stay unnamed');
      // Made unref'd before tracking, a socket is in no list of Node's (Deno's lists it); one unref'd after it is
      // remembered.
      expect(JSON.parse(out)).toEqual({
        client: before,
        accepted: before,
        listener: true,
        lone: before,
        unrefd: runtime !== 'Deno',
        // The kernel's census lists the unref'd socket too (without its object); Windows' lists what it can name.
        first: process.platform === 'win32' ? 5 : 6,
        later: true,
        late: true,
      });
    },
  );
});
