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
import { portOf, tlsOptions, waitFor } from '../helpers/sockets';
import { runtime, under } from '../helpers/platform';
import { closedPort, expectPolicyOn, httpServer, policy, policyAt, recorder } from './fixtures';

const BUN_UNDICI = "Bun resolves 'undici' to its own module, whose Agent never calls connect (sockctl warns)";

describe.skipIf(under('Bun', BUN_UNDICI))('undiciConnector', () => {
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
    await expectPolicyOn(socket, policyAt);
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
    await expectPolicyOn(socket, policyAt);
  });

  it('a refused connection reaches fetch as its cause', async () => {
    const port = await closedPort();
    const dispatcher = new Agent({ connect: undiciConnector(policy) });
    onCleanup(() => void dispatcher.close());
    const err = await undiciFetch(`http://127.0.0.1:${port}/`, { dispatcher }).catch((e: Error) => e);
    expect((err as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
  });
});

describe.runIf(runtime === 'Bun')('undiciConnector on Bun', () => {
  it("says once that Bun's own undici never calls it", async () => {
    const warnings: (Error & { code?: string })[] = [];
    const listener = (w: Error): void => void warnings.push(w);
    process.on('warning', listener);
    onCleanup(() => void process.off('warning', listener));
    undiciConnector(policy);
    undiciConnector(policy);
    const mine = (): Error[] => warnings.filter((w) => w.code === 'SOCKCTL_RUNTIME');
    await waitFor('the warning', () => mine().length > 0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(mine()).toHaveLength(1);
    expect(mine()[0].message).toMatch(/Bun resolves 'undici' to its own module/);
  });
});
