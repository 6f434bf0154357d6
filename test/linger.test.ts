import { once } from 'node:events';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { abort, constants, fdOf, getLinger, MAX_LINGER_SECONDS, openBoundSocket, setLinger, type Target } from '../lib';
import { onCleanup } from './helpers/cleanup';
import { expectCode } from './helpers/errors';
import { runtime, windows } from './helpers/platform';
import { boundDgram, closeFd, drain, pair, tlsPair, tupleOf, waitFor, type Host } from './helpers/sockets';
import { sockoptBytesOnDup, sockoptOnDup } from './witness/dup';
import { noStateWitness, ssStates } from './witness/ss';

/**
 * A socket that may take a linger above 0: a connected Node socket, except
 * on Windows, where only a bare SOCKET does (Node's would leak on close:
 * see lib/options/windows-linger.ts and options-windows.test.ts).
 */
async function lingerTarget(host: Host): Promise<Target> {
  if (!windows) return (await pair(host)).client;
  const fd = openBoundSocket({ type: 'tcp', address: host });
  onCleanup(() => closeFd(fd));
  return fd;
}

describe.each<Host>(['127.0.0.1', '::1'])('SO_LINGER on %s', (host) => {
  it('starts disabled and reads back what was set', async () => {
    const client = await lingerTarget(host);
    expect(getLinger(client)).toEqual({ enabled: false, seconds: 0 });
    for (const linger of [
      { enabled: true, seconds: 0 },
      { enabled: true, seconds: 7 },
      { enabled: true, seconds: MAX_LINGER_SECONDS },
    ]) {
      setLinger(client, linger);
      expect(getLinger(client)).toEqual(linger);
      if (process.platform !== 'linux') continue; // SO_LINGER counts ticks on macOS; Windows has no witness here
      // The kernel's struct linger { l_onoff, l_linger }, on a duplicate in another process.
      const raw = sockoptBytesOnDup(fdOf(client), constants.SOL_SOCKET, constants.SO_LINGER, 8);
      expect([...new Int32Array(raw.buffer, raw.byteOffset, 2)]).toEqual([1, linger.seconds]);
    }
  });

  it('reports 0 seconds while disabled, whatever the OS kept', async () => {
    const client = await lingerTarget(host);
    setLinger(client, 9);
    setLinger(client, { enabled: false, seconds: 3 });
    expect(getLinger(client)).toEqual({ enabled: false, seconds: 0 });
  });

  it('takes a number of seconds as enabled and false as disabled', async () => {
    const client = await lingerTarget(host);
    setLinger(client, 12);
    expect(getLinger(client)).toEqual({ enabled: true, seconds: 12 });
    setLinger(client, false);
    expect(getLinger(client).enabled).toBe(false);
  });

  it('works on bare descriptors', () => {
    const fd = openBoundSocket({ type: 'tcp', address: host });
    onCleanup(() => closeFd(fd));
    setLinger(fd, 4);
    expect(getLinger(fd)).toEqual({ enabled: true, seconds: 4 });
  });

  it('refuses a dgram.Socket, where linger means nothing, as not TCP', async () => {
    const socket = await boundDgram(host);
    // 0, which Windows takes on a socket Node closes (a linger above 0 it refuses first, for another reason).
    const err = expectCode(() => setLinger(socket, 0), 'ERR_SOCKET_OPTION_TCP_ONLY');
    expect(err).toBeInstanceOf(TypeError);
    expect(err).toMatchObject({ option: 'linger' });
    expectCode(() => getLinger(socket), 'ERR_SOCKET_OPTION_TCP_ONLY');
    // Nothing was set: the kernel, on a duplicate in another process (l_onoff, the first int of struct linger).
    if (!windows) expect(sockoptOnDup(fdOf(socket), [[constants.SOL_SOCKET, constants.SO_LINGER]])).toEqual([0]);
  });

  it('leaves a bare UDP descriptor to the OS: what it takes reads back, what it refuses is said as not TCP', () => {
    const fd = openBoundSocket({ type: 'udp', address: host });
    onCleanup(() => closeFd(fd));
    let refused: unknown;
    try {
      setLinger(fd, 4);
    } catch (err) {
      refused = err;
    }
    if (refused !== undefined) {
      // Winsock may answer WSAENOPROTOOPT for a datagram socket: sockctl then asks, and says why.
      expect(windows).toBe(true);
      expect(refused).toMatchObject({ code: 'ERR_SOCKET_OPTION_TCP_ONLY', option: 'linger' });
      return;
    }
    let read: unknown;
    try {
      read = getLinger(fd);
    } catch (err) {
      read = err;
    }
    if (windows && read instanceof Error) {
      // Wine 8 takes it, and then refuses to read it back (WSAENOPROTOOPT): said the same way.
      expect(read).toMatchObject({ code: 'ERR_SOCKET_OPTION_TCP_ONLY', option: 'linger' });
      return;
    }
    // Linux and macOS take it, and keep it.
    expect(read).toEqual({ enabled: true, seconds: 4 });
    if (!windows) expect(sockoptOnDup(fd, [[constants.SOL_SOCKET, constants.SO_LINGER]])).toEqual([1]);
  });
});

/** abort() on our side: the peer's read fails with ECONNRESET, and the kernel keeps nothing of the connection. */
async function expectAbortResets(peer: net.Socket, ours: net.Socket): Promise<void> {
  const tuple = tupleOf(ours);
  const peerError = once(peer, 'error');
  abort(ours);
  const [err] = await peerError;
  expect((err as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  if (!noStateWitness(tuple.localAddress)) expect(ssStates(tuple)).toEqual([]);
}

describe.each<Host>(['127.0.0.1', '::1'])('abort on %s', (host) => {
  it('sends RST: the peer sees ECONNRESET and no TIME_WAIT is left', async () => {
    const { client, accepted } = await pair(host);
    // The peer has sent nothing, so our receive queue is empty: a plain close
    // would send FIN (see the control below). Only linger 0 makes this RST.
    await expectAbortResets(client, accepted);
  });

  it.skipIf(noStateWitness(host))('control: a plain destroy() sends FIN and leaves TIME_WAIT here', async () => {
    const { client, accepted } = await pair(host);
    const tuple = tupleOf(accepted);
    drain(client);
    client.on('end', () => client.end());
    const closed = once(client, 'close');
    accepted.destroy();
    await closed;
    expect(client.errored).toBeNull();
    await waitFor('TIME_WAIT on the closing side', () => ssStates(tuple).includes('TIME-WAIT'));
  });
});

describe('abort on TLS', () => {
  it('resets a TLS socket too', async () => {
    const { client, accepted } = await tlsPair();
    if (runtime !== 'Deno') return expectAbortResets(client, accepted);
    // Deno's TLS client reports a reset as 'end' (a Node peer sees ECONNRESET). The witness is our side: a FIN
    // would leave it in FIN_WAIT or TIME_WAIT; after a reset the kernel holds nothing of it.
    const tuple = tupleOf(accepted);
    const closed = once(client, 'close');
    expect(abort(accepted)).toBe(true);
    await waitFor('our side to be gone', () => ssStates(tuple).length === 0);
    await closed;
  });
});
