import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { closeGracefully } from '../lib';
import { onCleanup, track } from './helpers/cleanup';
import { pair, portOf, tupleOf, waitFor, type Host } from './helpers/sockets';
import { noStateWitness, ssStates } from './witness/ss';
import { runtime } from './helpers/platform';

/**
 * Deno: a socket that has read its peer's FIN cannot write any more (EPIPE,
 * even with allowHalfOpen), so the peer that answers is a Node process.
 */
async function againstNodePeer(host: Host): Promise<void> {
  const server = track(net.createServer({ allowHalfOpen: true }));
  server.listen(0, host);
  await once(server, 'listening');
  const peer = `const c = require('net').connect(${portOf(server)}, '${host}');
    c.resume();
    c.on('end', () => c.end('bye'.repeat(10000)));
    c.on('close', () => console.log(JSON.stringify({ errored: c.errored && c.errored.code })));`;
  const child = spawn('node', ['-e', peer], { stdio: ['ignore', 'pipe', 'inherit'] });
  onCleanup(() => child.kill());
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const [accepted] = (await once(server, 'connection')) as [net.Socket];
  const tuple = tupleOf(accepted);
  expect(await closeGracefully(accepted, { timeout: 5_000 })).toBe('graceful');
  await once(child, 'exit');
  expect(JSON.parse(out)).toEqual({ errored: null }); // FIN, not RST: what it sent was read
  await waitFor('TIME_WAIT on our side', () => ssStates(tuple).includes('TIME-WAIT'));
}

describe.each<Host>(['127.0.0.1', '::1'])('closeGracefully on %s', (host) => {
  it('ends gracefully when the peer answers our FIN with its own, reading what it still sends', async () => {
    if (runtime === 'Deno') return againstNodePeer(host);
    const { client, accepted } = await pair(host);
    const tuple = tupleOf(accepted);
    // The peer sends a last message after our FIN, then closes.
    client.resume();
    client.on('end', () => client.end('bye'.repeat(10_000)));
    const peerClosed = once(client, 'close');
    const outcome = await closeGracefully(accepted, { timeout: 5_000 });
    expect(outcome).toBe('graceful');
    await peerClosed;
    expect(client.errored).toBeNull(); // FIN, not RST: what it sent was read
    // We closed first, so the TIME_WAIT is ours: the ordinary end of a TCP connection.
    if (!noStateWitness(host)) {
      await waitFor('TIME_WAIT on our side', () => ssStates(tuple).includes('TIME-WAIT'));
    }
  });

  it('aborts at the deadline when the peer never closes: the peer sees a reset', async () => {
    const { client, accepted } = await pair(host);
    const tuple = tupleOf(accepted);
    const peerTuple = tupleOf(client);
    client.resume(); // reads our FIN, but never closes its side (allowHalfOpen)
    const started = Date.now();
    const outcome = await closeGracefully(accepted, { timeout: 200 });
    expect(outcome).toBe('aborted');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    if (!noStateWitness(host)) expect(ssStates(tuple)).toEqual([]);
    // Node stops reading once it has our FIN, so the RST surfaces on the
    // peer's next write: Linux reports an RST received in CLOSE_WAIT as EPIPE.
    if (!noStateWitness(host)) {
      await waitFor('the reset to reach the peer', () => ssStates(peerTuple).length === 0);
    }
    client.write('anyone there?');
    const [err] = await once(client, 'error');
    expect(['EPIPE', 'ECONNRESET']).toContain(err.code);
  });

  it("reports 'reset' when the peer resets first", async () => {
    const { client, accepted } = await pair(host);
    const done = closeGracefully(accepted, { timeout: 5_000 });
    client.resetAndDestroy();
    expect(await done).toBe('reset');
  });
});

describe('closeGracefully races', () => {
  it('settles, and throws nothing, when the socket is destroyed just before its deadline', async () => {
    const { client, accepted } = await pair();
    client.resume(); // never answers our FIN
    // Timers of one duration fire in the order they were set: this one first.
    setTimeout(() => accepted.destroy(), 50);
    const outcome = await closeGracefully(accepted, { timeout: 50 });
    expect(outcome).toBe('graceful'); // closed by its owner, not reset by us
    expect(accepted.destroyed).toBe(true);
  });
});

describe('closeGracefully arguments', () => {
  it('rejects with typed errors', async () => {
    await expect(closeGracefully({} as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    const { client } = await pair();
    await expect(closeGracefully(client, { timeout: -1 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(closeGracefully(client, { timeout: '1' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    client.destroy();
    await expect(closeGracefully(client)).rejects.toMatchObject({ code: 'EBADF' });
    await expect(closeGracefully(new net.Socket())).rejects.toMatchObject({ code: 'EBADF' });
  });
});
