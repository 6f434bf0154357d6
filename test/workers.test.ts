// The addon in worker_threads: several at once, each with its own sockets,
// loading and unloading cleanly.
import { once } from 'node:events';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { under } from './helpers/platform';

const root = path.join(__dirname, '..');
// Plain JavaScript against dist/, as a user's worker would load the package.
const source = `
  const { parentPort } = require('node:worker_threads');
  const net = require('node:net');
  const sockctl = require(${JSON.stringify(root)});
  const server = net.createServer({ allowHalfOpen: true }, (s) => s.on('error', () => {}).resume());
  server.listen(0, '127.0.0.1', () => {
    const c = net.connect(server.address().port, '127.0.0.1', () => {
      sockctl.setLinger(c, 0); // above 0 a Windows socket of Node's refuses
      const linger = sockctl.getLinger(c);
      const state = sockctl.getTcpInfo(c).state;
      const listed = sockctl.listSockets({ state: 'ESTABLISHED' }).some((e) => e.fd === sockctl.fdOf(c));
      sockctl.abort(c);
      server.close(() => parentPort.postMessage({ linger, state, listed }));
    });
  });`;

describe('worker_threads', () => {
  it.skipIf(under('qemu', 'TCP_INFO and the netlink census are unavailable under qemu-user'))(
    'loads in several workers at once, each with its own sockets, and unloads when they exit',
    async () => {
      const workers = Array.from({ length: 4 }, () => new Worker(source, { eval: true }));
      const exits = workers.map((w) => once(w, 'exit').then(([code]) => code));
      const results = await Promise.all(workers.map((w) => once(w, 'message').then(([m]) => m)));
      for (const r of results) {
        expect(r).toEqual({
          linger: { enabled: true, seconds: 0 },
          state: 'ESTABLISHED',
          // Made before the census started tracking, found all the same: it keeps the worker alive (an active handle).
          listed: true,
        });
      }
      const codes = await Promise.all(exits);
      expect(codes).toEqual([0, 0, 0, 0]);
      // And again, in fresh workers, after the first ones unloaded the addon.
      const again = new Worker(source, { eval: true });
      const [[r]] = await Promise.all([once(again, 'message'), once(again, 'exit')]);
      expect(r.state).toBe('ESTABLISHED');
    },
  );
});
