// ws (the WebSocket client and server most Node code uses) on loopback: its
// client takes a createConnection, and installPolicy reaches both ends.
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createConnection, listSockets, trackSockets, type ApplyResult } from '../../lib';
import { onCleanup, track } from '../helpers/cleanup';
import { QEMU_CENSUS, under } from '../helpers/platform';
import { portOf, tlsOptions } from '../helpers/sockets';
import { expectPolicyHeld, install, POLICY, stuckInCloseWait, watchdogAborts } from './fixtures';

async function echoServer(secure = false): Promise<number> {
  const server = track(secure ? https.createServer(tlsOptions) : http.createServer());
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
  onCleanup(() => wss.close());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return portOf(server);
}

async function open(port: number, options: WebSocket.ClientOptions = {}, secure = false): Promise<WebSocket> {
  const ws = new WebSocket(`${secure ? 'wss' : 'ws'}://127.0.0.1:${port}/`, {
    ...(secure ? { rejectUnauthorized: false } : {}),
    ...options,
  });
  onCleanup(() => ws.terminate());
  await once(ws, 'open');
  ws.send('ping');
  const [reply] = await once(ws, 'message');
  expect(String(reply)).toBe('ping');
  return ws;
}

const socketOf = (ws: WebSocket) => (ws as unknown as { _socket: net.Socket })._socket;

describe('ws', () => {
  it.each([false, true])(
    "createConnection as the client's createConnection (wss: %s): the policy before connect, held after the upgrade",
    async (secure) => {
      const port = await echoServer(secure);
      const applied: ApplyResult[] = [];
      // ws passes its own options, TLS ones included; the route puts TLS on top for wss.
      const route = createConnection(POLICY, { onApply: (r) => applied.push(r), tls: secure });
      const ws = await open(port, { createConnection: route as never }, secure);
      expect(applied).toHaveLength(1);
      expect(applied[0].applied).toEqual(Object.keys(POLICY));
      const socket = socketOf(ws);
      expect(socket instanceof tls.TLSSocket).toBe(secure);
      expectPolicyHeld(socket, { client: 'ws', route: 'createConnection', tls: secure, end: 'client' });
    },
  );

  it.each([false, true])('installPolicy (wss: %s): client and server side', async (secure) => {
    const port = await echoServer(secure);
    const r = install();
    const ws = await open(port, {}, secure);
    const socket = socketOf(ws);
    expect(socket instanceof tls.TLSSocket).toBe(secure);
    expect(r.errors).toEqual([]);
    expectPolicyHeld(socket, { client: 'ws', route: 'installPolicy', tls: secure, end: 'client' });
    const accepted = r.applied.map(([, s]) => s as net.Socket).find((s) => s.remotePort === socket.localPort);
    expect(accepted).toBeDefined();
    expectPolicyHeld(accepted!, { client: 'ws', route: 'installPolicy', tls: secure, end: 'server' });
  });

  it.skipIf(under('qemu', QEMU_CENSUS))(
    "the watchdog aborts the client's socket stuck in CLOSE_WAIT: ws closes with 1006",
    async () => {
      const server = track(http.createServer());
      const wss = new WebSocketServer({ server });
      wss.on('connection', (peer) => peer.on('message', (data) => peer.send(data)));
      onCleanup(() => wss.close());
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const ws = await open(portOf(server));
      const closed = once(ws, 'close');
      const socket = socketOf(ws);
      const { tuple } = await stuckInCloseWait(
        socket,
        async () => ws.send('left unread'),
        async () => {
          for (const peer of wss.clients) peer.terminate();
        },
      );
      await watchdogAborts(socket, tuple);
      const [code] = await closed;
      expect(code).toBe(1006);
    },
  );

  it.skipIf(under('qemu', QEMU_CENSUS))('the census maps the client socket to the one ws holds', async () => {
    trackSockets();
    const ws = await open(await echoServer());
    const socket = socketOf(ws);
    expect(listSockets().find((e) => e.localPort === socket.localPort)?.socket).toBe(socket);
  });
});
