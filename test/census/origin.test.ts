// Where each socket came from: with stacks on, census entries name the line
// of the application that made the socket (an accepted one: where its server
// started listening), without Node's frames or sockctl's.
import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { fdOf, listSockets, trackSockets } from '../../lib';
import { track } from '../helpers/cleanup';
import { QEMU_CENSUS, under } from '../helpers/platform';
import { portOf, waitFor } from '../helpers/sockets';
import { here } from './fixtures';

describe.skipIf(under('qemu', QEMU_CENSUS))('socket origins', () => {
  it('stacks on: a client’s site is the line that connected it, an accepted socket’s and a listener’s the listen', async () => {
    trackSockets({ stacks: true });
    const server = track(net.createServer((s) => s.resume()));
    const [, listenedAt] = [server.listen(0, '127.0.0.1'), here()];
    await once(server, 'listening');
    const before = Date.now();
    const [client, connectedAt] = [track(net.connect(portOf(server), '127.0.0.1')), here()];
    await once(client, 'connect');
    const entries = await waitFor('both ends in the census', () => {
      const found = listSockets().filter((e) => e.localPort === client.localPort || e.remotePort === client.localPort);
      return found.length === 2 ? found : undefined;
    });
    const mine = entries.find((e) => e.fd === fdOf(client))!;
    const peer = entries.find((e) => e.fd !== fdOf(client))!;
    expect(mine.site).toMatch(new RegExp(`${connectedAt.replace(/[.\\]/g, '\\$&')}:\\d+$`));
    expect(peer.site).toMatch(new RegExp(`${listenedAt.replace(/[.\\]/g, '\\$&')}:\\d+$`));
    const listener = listSockets({ state: 'LISTEN' }).find((e) => e.fd === fdOf(server))!;
    expect(listener.site).toBe(peer.site);
    // No frame of Node's or sockctl's in the stack: the application's first.
    expect(mine.stack!.split('\n')[0]).toContain(mine.site);
    expect(mine.stack).not.toMatch(/\(node:|[/\\](lib|dist)[/\\]census[/\\]/);
    expect(mine.createdAt).toBeGreaterThanOrEqual(before);
    expect(mine.ageMs).toBeGreaterThanOrEqual(0);
    expect(mine.ageMs).toBeLessThan(60_000);

    // Off again: sockets made now have an age, and no site.
    trackSockets({ stacks: false });
    const later = track(net.connect(portOf(server), '127.0.0.1'));
    await once(later, 'connect');
    const entry = listSockets().find((e) => e.fd === fdOf(later))!;
    expect(entry.createdAt).toBeTypeOf('number');
    expect(entry.site).toBeUndefined();
    expect(entry.stack).toBeUndefined();
  });

  it('refuses bad options', () => {
    expect(() => trackSockets({ stacks: 'yes' } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => trackSockets({ stack: true } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
    expect(() => trackSockets(1 as never)).toThrow(TypeError);
  });
});
