// undici (Node's fetch is built on it) to Node's own http and https servers
// on loopback: undiciConnector on its Agent, and installPolicy, plain and
// TLS. undici's own connector calls setNoDelay(true) and
// setKeepAlive(true, 60000) on each socket; undiciConnector does not.
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
// undici's own fetch: Node's built-in fetch refuses an Agent of another undici major.
import { Agent, fetch as undiciFetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { undiciConnector } from '../../lib';
import { onCleanup, track } from '../helpers/cleanup';
import { under } from '../helpers/platform';
import { portOf, tlsOptions } from '../helpers/sockets';
import { expectPolicyHeld, install, POLICY } from './fixtures';

/** A loopback server answering 'ok', with the server side of the last request's socket. */
async function server(secure: boolean): Promise<{ url: string; peers: net.Socket[] }> {
  const peers: net.Socket[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    peers.push(req.socket);
    res.end('ok');
  };
  const s = track(secure ? https.createServer(tlsOptions, handler) : http.createServer(handler));
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return { url: `${secure ? 'https' : 'http'}://127.0.0.1:${portOf(s)}/`, peers };
}

/** The socket the request came on, found from the server's end. */
function clientOf(sockets: net.Socket[], peer: net.Socket): net.Socket {
  const found = sockets.find((s) => s.localPort === peer.remotePort);
  expect(found).toBeDefined();
  return found!;
}

describe('undici', () => {
  it.each([false, true])('undiciConnector on its Agent (TLS: %s): the policy before connect, held', async (secure) => {
    const { url, peers } = await server(secure);
    const sockets: net.Socket[] = [];
    const dispatcher = new Agent({
      connect: undiciConnector(POLICY, {
        onApply: (_, s) => sockets.push(s),
        tls: secure ? { rejectUnauthorized: false } : undefined,
      }),
    });
    onCleanup(() => void dispatcher.close());
    const res = await undiciFetch(url, { dispatcher });
    expect(await res.text()).toBe('ok');
    expectPolicyHeld(clientOf(sockets, peers[0]), { client: 'undici', route: 'undiciConnector', tls: secure });
  });

  // undici 6's own connector fails every connect under Wine 8 (connect UNKNOWN), sockctl or not.
  it.skipIf(under('wine', "undici 6's own connector cannot connect under Wine 8")).each([false, true])(
    "installPolicy (TLS: %s): held over undici's own setKeepAlive(true, 60000)",
    async (secure) => {
      const { url, peers } = await server(secure);
      const r = install();
      const dispatcher = new Agent({ connect: secure ? { rejectUnauthorized: false } : {} });
      onCleanup(() => void dispatcher.close());
      const res = await undiciFetch(url, { dispatcher });
      expect(await res.text()).toBe('ok');
      const sockets = r.applied.map(([, s]) => s as net.Socket);
      // undici calls setKeepAlive as soon as it has called net.connect(): before 'connect', where the policy goes on
      // after it (no override to report).
      expect(r.errors).toEqual([]);
      expectPolicyHeld(clientOf(sockets, peers[0]), { client: 'undici', route: 'installPolicy', tls: secure });
    },
  );
});
