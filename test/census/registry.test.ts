// The registry behind the census mapping: it holds sockets weakly and drops
// each one when it closes, so a long-running process that tracks sockets
// but never takes a census does not accumulate entries.
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'vitest';
import { trackSockets } from '../../lib';
import { trackedCount } from '../../lib/census/registry';
import { track } from '../helpers/cleanup';
import { portOf, waitFor } from '../helpers/sockets';

describe('socket tracking', () => {
  it('forgets a socket as soon as it closes, with or without a census', async () => {
    trackSockets();
    const server = track(net.createServer((s) => s.resume()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const clients: net.Socket[] = [];
    for (let i = 0; i < 20; i++) {
      const c = net.connect(portOf(server), '127.0.0.1');
      await once(c, 'connect');
      clients.push(c);
    }
    // Both ends of each connection are tracked while open.
    await waitFor('both ends tracked', () => trackedCount() === 40);
    for (const c of clients) c.destroy();
    // The server's ends close a moment after the clients'.
    await waitFor('every tracked socket forgotten', () => trackedCount() === 0);
  });
});
