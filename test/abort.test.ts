// abort() after data has flowed, and in every state a socket can be in. The
// first RST tests are in linger.test.ts.
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { abort, fdOf } from '../lib';
import { emulator, runtime, windows } from './helpers/platform';
import { listening, openFdCount, pair, portOf, tupleOf, waitFor, type Host } from './helpers/sockets';
import { noStateWitness, ssStates } from './witness/ss';
import { descriptorName, linux, openDescriptorNames } from './routes/fixtures';

const hosts: Host[] = ['127.0.0.1', '::1'];

/** The first of the peer's 'error' (its code) and 'end'. */
function firstEnding(peer: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    peer.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    peer.once('end', () => resolve('end'));
  });
}

/** The error, if any, a write from `socket` ends with. */
function writeError(socket: net.Socket): Promise<string | undefined> {
  return new Promise((resolve) =>
    socket.write('anyone there?', (err) => resolve((err as NodeJS.ErrnoException)?.code)),
  );
}

describe.each(hosts)('abort after data has flowed both ways, on %s', (host) => {
  // Linux sends RST with no FIN before it, and so does libuv's Windows close
  // path (no shutdown(SD_SEND) there since libuv 1.42: see
  // docs/platforms-windows-close.md). Under Wine 8 strace shows the same
  // (setsockopt SO_LINGER {1, 0}, close, no shutdown), but wineserver reads
  // the reset's error (getsockopt SO_ERROR) when its poll sees it, which
  // clears it from the host socket: the peer's next recv() reads 0 bytes.
  it("resets: the peer sees ECONNRESET, and the kernel keeps nothing of the peer's side", async () => {
    const { client: peer, accepted: ours } = await pair(host);
    const peerTuple = tupleOf(peer);
    peer.write('ping');
    await once(ours, 'data');
    ours.write('pong');
    await once(peer, 'data');
    const ending = firstEnding(peer);
    expect(abort(ours)).toBe(true);
    const seen = await ending;
    // A FIN would leave the peer in CLOSE_WAIT; a reset leaves nothing.
    if (!noStateWitness(host)) expect(ssStates(peerTuple)).toEqual([]);
    if (seen === 'end' && emulator === 'wine') {
      console.log("under wine, asserting Wine's own behaviour: a reset read as 'end' (SO_ERROR taken by wineserver)");
      // After a FIN this write would succeed: our side could still read it.
      expect(await writeError(peer)).toBe('ECONNRESET');
      return;
    }
    expect(seen).toBe('ECONNRESET');
  });
});

describe('abort in any state: never throws, always leaves the socket destroyed', () => {
  it('a destroyed socket, by us or with an error: nothing to do, from a timer too', async () => {
    const { client, accepted } = await pair();
    client.destroy();
    const closed = new Promise((resolve) => accepted.once('close', resolve)); // once() would reject on 'error'
    accepted.on('error', () => {}).destroy(new Error('gone'));
    await Promise.all([once(client, 'close'), closed]);
    expect(abort(client)).toBe(false);
    // A throw here would be uncaught, and end the process.
    expect(await new Promise((resolve) => setTimeout(() => resolve(abort(accepted)), 0))).toBe(false);
  });

  it('before Node has called connect(2), and with the connect in flight: destroyed, no descriptor left', async () => {
    const server = await listening();
    const before = openFdCount();
    const watch = (socket: net.Socket): Promise<string[]> => {
      const events: string[] = [];
      for (const name of ['connect', 'error'] as const) socket.on(name, () => events.push(name));
      return once(socket, 'close').then(() => events);
    };
    const early = net.connect(portOf(server), '127.0.0.1');
    const earlyEvents = watch(early);
    expect(early.connecting).toBe(true);
    expect(abort(early)).toBe(false); // no connection to reset yet
    expect(early.destroyed).toBe(true);

    // Node calls connect(2) a tick after net.connect() for an address.
    const inFlight = net.connect(portOf(server), '127.0.0.1');
    const inFlightEvents = watch(inFlight);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(inFlight.connecting).toBe(true);
    // The OS socket exists (on Windows a handle's fd is always -1).
    // (Deno's handles carry no fd.)
    if (!windows && runtime !== 'Deno')
      expect((inFlight as unknown as { _handle: { fd: number } })._handle.fd).toBeGreaterThan(2);
    expect(abort(inFlight)).toBe(false);
    expect(inFlight.destroyed).toBe(true);

    expect(await earlyEvents).toEqual([]);
    expect(await inFlightEvents).toEqual([]);
    // The server may have accepted the second; it closes on our FIN (once, on Deno in a full run, after more
    // than the default 3 s).
    await waitFor('every descriptor closed', () => openFdCount() === before, 10_000);
  });

  it('a socket that never connected', () => {
    const socket = new net.Socket();
    expect(abort(socket)).toBe(false);
    expect(socket.destroyed).toBe(true);
  });

  it('a TLS socket still connecting, then destroyed', async () => {
    const server = await listening();
    const socket = tls.connect({ port: portOf(server), host: '127.0.0.1', rejectUnauthorized: false });
    expect(abort(socket)).toBe(false);
    expect(socket.destroyed).toBe(true);
    expect(abort(socket)).toBe(false);
  });

  // Whoever sent the FIN, a plain close would leave the peer's side in
  // CLOSE_WAIT or TIME_WAIT; the reset leaves nothing.
  it.each(['ours', "the peer's"] as const)('half-closed by %s end(): reset, descriptor gone', async (who) => {
    const { client: peer, accepted: ours } = await pair();
    const peerTuple = tupleOf(peer);
    const [ender, other] = who === 'ours' ? [ours, peer] : [peer, ours];
    other.resume();
    ender.end();
    await once(other, 'end');
    peer.on('error', () => {});
    // The side that read the FIN (Wine's netstat omits the other, in FIN_WAIT_2).
    if (!noStateWitness('127.0.0.1')) expect(ssStates(tupleOf(other))).toEqual(['CLOSE-WAIT']);
    const before = openFdCount();
    // Linux: our socket by its inode, since the peer (in this process too) may close on the reset meanwhile.
    const ourName = linux ? descriptorName(fdOf(ours)) : undefined;
    expect(abort(ours)).toBe(true);
    expect(ours.destroyed).toBe(true);
    await once(ours, 'close');
    if (ourName !== undefined) expect(openDescriptorNames()).not.toContain(ourName);
    else expect(openFdCount()).toBe(before - 1);
    await waitFor("the reset to clear the peer's side", () => ssStates(peerTuple).length === 0);
  });

  it('still refuses what is not a socket', async () => {
    const server = await listening();
    for (const thing of [server, 3, undefined, {}]) {
      expect(() => abort(thing as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    }
  });
});
