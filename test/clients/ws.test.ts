// ws (the WebSocket client and server most Node code uses) on loopback: its
// client takes a createConnection, and installPolicy reaches both ends.
import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createConnection, listSockets, trackSockets, type ApplyResult } from '../../lib';
import { onCleanup, track } from '../helpers/cleanup';
import { QEMU_CENSUS, under } from '../helpers/platform';
import { portOf } from '../helpers/sockets';
import { expectPolicyHeld, install, POLICY } from './fixtures';

async function echoServer(): Promise<number> {
  const server = track(http.createServer());
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
  onCleanup(() => wss.close());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return portOf(server);
}

async function open(port: number, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, options);
  onCleanup(() => ws.terminate());
  await once(ws, 'open');
  ws.send('ping');
  const [reply] = await once(ws, 'message');
  expect(String(reply)).toBe('ping');
  return ws;
}

const socketOf = (ws: WebSocket) => (ws as unknown as { _socket: net.Socket })._socket;

describe('ws', () => {
  it("createConnection as the client's createConnection: the policy before connect, held after the upgrade", async () => {
    const port = await echoServer();
    const applied: ApplyResult[] = [];
    const ws = await open(port, {
      createConnection: createConnection(POLICY, { onApply: (r) => applied.push(r) }) as never,
    });
    expect(applied).toHaveLength(1);
    expect(applied[0].applied).toEqual(Object.keys(POLICY));
    expectPolicyHeld(socketOf(ws), { client: 'ws', route: 'createConnection', tls: false, end: 'client' });
  });

  it('installPolicy: client and server side', async () => {
    const port = await echoServer();
    const r = install();
    const ws = await open(port);
    const socket = socketOf(ws);
    expect(r.errors).toEqual([]);
    expectPolicyHeld(socket, { client: 'ws', route: 'installPolicy', tls: false, end: 'client' });
    const accepted = r.applied.map(([, s]) => s as net.Socket).find((s) => s.remotePort === socket.localPort);
    expect(accepted).toBeDefined();
    expectPolicyHeld(accepted!, { client: 'ws', route: 'installPolicy', tls: false, end: 'server' });
  });

  it.skipIf(under('qemu', QEMU_CENSUS))('the census maps the client socket to the one ws holds', async () => {
    trackSockets();
    const ws = await open(await echoServer());
    const socket = socketOf(ws);
    expect(listSockets().find((e) => e.localPort === socket.localPort)?.socket).toBe(socket);
  });
});
