// undiciConnector: fetch through an undici Agent whose sockets carry the policy.
import { once } from 'node:events';
import https from 'node:https';
import net from 'node:net';
// undici's own fetch: Node's built-in fetch refuses an Agent of another
// undici major (Node 26 bundles undici 8, this is 6, the last for Node 18).
import { Agent, fetch as undiciFetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { undiciConnector } from '../../lib';
import { onCleanup, track } from '../helpers/cleanup';
import { portOf, tlsOptions } from '../helpers/sockets';
import { closedPort, expectPolicyOn, httpServer, policy, recorder } from './fixtures';

describe('undiciConnector', () => {
  it('fetch through an undici Agent: the socket is set before connect', async () => {
    const { port } = await httpServer();
    const seen = recorder();
    const dispatcher = new Agent({ connect: undiciConnector(policy, { onApply: seen.onApply }) });
    onCleanup(() => void dispatcher.close());
    const res = await undiciFetch(`http://127.0.0.1:${port}/`, { dispatcher });
    expect(await res.text()).toBe('ok');
    expect(seen.results).toHaveLength(1);
    const socket = seen.results[0][1] as net.Socket;
    expect(socket.destroyed).toBe(false);
    await expectPolicyOn(socket, 'before connect');
  });

  it('https: TLS on top of the configured socket, with the caller’s TLS options', async () => {
    const server = track(https.createServer(tlsOptions, (_, res) => res.end('secure')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const seen = recorder();
    const dispatcher = new Agent({
      connect: undiciConnector(policy, { onApply: seen.onApply, tls: { rejectUnauthorized: false } }),
    });
    onCleanup(() => void dispatcher.close());
    const res = await undiciFetch(`https://127.0.0.1:${portOf(server)}/`, { dispatcher });
    expect(await res.text()).toBe('secure');
    const socket = seen.results[0][1] as net.Socket;
    await expectPolicyOn(socket, 'before connect');
  });

  it('a refused connection reaches fetch as its cause', async () => {
    const port = await closedPort();
    const dispatcher = new Agent({ connect: undiciConnector(policy) });
    onCleanup(() => void dispatcher.close());
    const err = await undiciFetch(`http://127.0.0.1:${port}/`, { dispatcher }).catch((e: Error) => e);
    expect((err as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
  });
});
