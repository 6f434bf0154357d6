// Sockets and servers made before tracking started: the census finds them,
// but no stack of theirs was ever captured, so they have no site — never the
// line that started tracking. (A file of its own: tracking starts once per
// process, and this must be its start.)
import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { fdOf, listSockets, trackSockets } from '../../lib';
import { track } from '../helpers/cleanup';
import { QEMU_CENSUS, runtime, under } from '../helpers/platform';
import { portOf } from '../helpers/sockets';
import { here } from './fixtures';

describe.skipIf(under('qemu', QEMU_CENSUS))('socket origins, tracking started late', () => {
  it('a socket and a server made before trackSockets({ stacks: true }) have no site', async () => {
    const server = track(net.createServer((s) => s.resume()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = track(net.connect(portOf(server), '127.0.0.1'));
    await once(client, 'connect');
    const [, startedAt] = [trackSockets({ stacks: true }), here()];
    // One made now has the line that made it.
    const [later, connectedAt] = [track(net.connect(portOf(server), '127.0.0.1')), here()];
    await once(later, 'connect');
    const entries = listSockets();
    const before = entries.find((e) => e.fd === fdOf(client))!;
    const listener = entries.find((e) => e.fd === fdOf(server))!;
    const after = entries.find((e) => e.fd === fdOf(later))!;
    expect(after.site).toContain(connectedAt);
    for (const entry of [before, listener]) {
      expect(entry.site, entry.state).toBeUndefined();
      expect(entry.stack ?? '').not.toContain(startedAt);
      // When sockctl first saw it; Bun lists no handles, so there one made before is not seen at all.
      if (runtime !== 'Bun') expect(entry.createdAt).toBeTypeOf('number');
    }
  });
});
