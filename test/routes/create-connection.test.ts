// createConnection for http.Agent, https.Agent and http(s).request: the
// policy is set before connect and kept after Node's own writes; strace
// shows the order of system calls.
import type dns from 'node:dns';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { constants, createConnection, fdOf, features } from '../../lib';
import { onCleanup, track } from '../helpers/cleanup';
import { runtime, under } from '../helpers/platform';
import { portOf, tlsOptions, waitFor } from '../helpers/sockets';
import { sockoptOnDup, tcpKeepAliveOnDup } from '../witness/dup';
import { straceNode } from '../witness/strace';
import {
  expectPolicyOn,
  expectSetBeforeBindAndConnect,
  get,
  httpServer,
  linux,
  policy,
  policyAt,
  RCVBUF,
  recorder,
} from './fixtures';

describe('createConnection', () => {
  // A literal connects at once; a name is resolved and walked, and the
  // socket handed to the agent once connected.
  const loopbackName = ((_h: string, _o: unknown, callback: (...args: unknown[]) => void) =>
    callback(null, [{ address: '127.0.0.1', family: 4 }])) as unknown as typeof dns.lookup;
  it.each([
    ['an address', { host: '127.0.0.1' }],
    ['a name', { host: 'example.invalid', lookup: loopbackName }],
  ])('http.Agent to %s: set before connect, and kept after the agent takes the socket back', async (_, where) => {
    const { port } = await httpServer();
    const agent = new http.Agent({ keepAlive: true });
    onCleanup(() => agent.destroy());
    const seen = recorder();
    agent.createConnection = createConnection(policy, { onApply: seen.onApply });
    const socket = await get({ ...where, port, agent });
    // The agent has called setKeepAlive(true, 1000) on it by now ('free').
    await waitFor('the agent to pool the socket', () => Object.values(agent.freeSockets).flat().includes(socket));
    expect(seen.results).toHaveLength(1);
    const [result] = seen.results[0];
    if (features.bindHelpers) {
      expect(result.applied).toEqual(['keepAlive', 'keepAliveIdleSecs', 'recvBufferBytes', 'noDelay']);
      expect(result.skipped).toEqual([]);
    } else {
      // Windows: Node cannot adopt a socket made first; the policy waits for
      // connect, where a receive buffer still takes effect.
      expect(result.applied).toEqual(['keepAlive', 'keepAliveIdleSecs', 'recvBufferBytes', 'noDelay']);
      expect(result.skipped).toEqual([]);
    }
    await expectPolicyOn(socket, policyAt);
  });

  it.each([
    ['an address', { host: '127.0.0.1' }],
    ['a name', { host: 'example.invalid', lookup: loopbackName, servername: 'localhost' }],
  ])('https.Agent to %s: TLS on top of the configured socket, kept after the agent frees it', async (_, where) => {
    const server = track(https.createServer(tlsOptions, (_req, res) => res.end('secure')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
    onCleanup(() => agent.destroy());
    const seen = recorder();
    agent.createConnection = createConnection(policy, { onApply: seen.onApply });
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      https
        .get({ ...where, port: portOf(server), agent }, (res) => {
          const s = res.socket;
          res.resume();
          res.on('end', () => resolve(s));
        })
        .on('error', reject);
    });
    expect(socket).toBeInstanceOf(tls.TLSSocket);
    // https.Agent sets keepalive again on 'free', with its own cached delay.
    await waitFor('the agent to pool the socket', () => Object.values(agent.freeSockets).flat().includes(socket));
    expect(seen.results).toHaveLength(1);
    await expectPolicyOn(socket, policyAt);
  });

  it('http.request({ createConnection }) without an agent, with a request path', async () => {
    const { port } = await httpServer();
    // Node 18 passes the request path to the createConnection as `path`, next to host and port: no Unix socket.
    // Without an agent a response ends its socket; keep-alive keeps it open while the kernel is asked.
    const socket = await get({
      host: '127.0.0.1',
      port,
      path: '/x',
      headers: { connection: 'keep-alive' },
      createConnection: createConnection(policy),
    });
    track(socket);
    await expectPolicyOn(socket, policyAt);
  });

  it("Node's own keepalive write at connect does not undo the policy", async () => {
    const { port } = await httpServer();
    // Node applies keepAlive/keepAliveInitialDelay just before 'connect' (5 s idle here).
    const socket = track(
      createConnection(policy)({ host: '127.0.0.1', port, keepAlive: true, keepAliveInitialDelay: 5000 })!,
    );
    await once(socket, 'connect');
    await new Promise((resolve) => setImmediate(resolve));
    await expectPolicyOn(socket, policyAt);
  });

  it("the caller's own socket options act as net.createConnection's: allowHalfOpen, noDelay, keepAlive", async () => {
    // The server ends its side at once and reads on: a half-open client can still write to it.
    let heard = '';
    const server = track(
      net.createServer({ allowHalfOpen: true }, (c) => {
        c.setEncoding('utf8').on('data', (d: string) => (heard += d));
        c.end();
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = track(
      createConnection({ recvBufferBytes: RCVBUF })({
        host: '127.0.0.1',
        port: portOf(server),
        allowHalfOpen: true,
        noDelay: true,
        keepAlive: true,
        keepAliveInitialDelay: 7000,
      })!,
    );
    await once(socket, 'connect');
    socket.resume();
    await once(socket, 'end');
    if (linux) {
      // Read on a duplicate of the descriptor: Node set them at connect, from the caller's options.
      const c = constants as Record<string, number>;
      expect(sockoptOnDup(fdOf(socket), [[c.SOL_SOCKET, c.SO_KEEPALIVE]])).toEqual([1]);
      expect(tcpKeepAliveOnDup(fdOf(socket))).toMatchObject({ idle: 7, noDelay: 1 });
    }
    expect(socket.writable).toBe(true);
    socket.end('after the end');
    await waitFor('the server to read what the client wrote after its end', () => heard === 'after the end');
    // Without allowHalfOpen Node ends the client's side with the peer's.
    const closing = track(createConnection({ noDelay: true })({ host: '127.0.0.1', port: portOf(server) })!);
    closing.resume();
    await once(closing, 'end');
    await waitFor('Node to end the client side', () => !closing.writable || undefined);
    // A bad keepAliveInitialDelay is refused as net.createConnection refuses it (Deno's takes it, and connects).
    const bad = { host: '127.0.0.1', port: portOf(server), keepAliveInitialDelay: '5' } as never;
    if (runtime !== 'Deno') {
      expect(() => net.createConnection(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    }
    expect(() => createConnection({ noDelay: true })(bad)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_TYPE',
        message: expect.stringMatching(/keepAliveInitialDelay/),
      }),
    );
  });

  it('https.request without an agent: TLS all the same', async () => {
    const server = track(https.createServer(tlsOptions, (_req, res) => res.end('secure')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(
          {
            host: '127.0.0.1',
            port: portOf(server),
            rejectUnauthorized: false,
            createConnection: createConnection(policy),
          },
          (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve(text));
          },
        )
        .on('error', reject);
    });
    expect(body).toBe('secure');
  });

  const BoundSocket = (net as unknown as { BoundSocket?: new (o?: object) => { fd(): number } }).BoundSocket;
  it.runIf(BoundSocket !== undefined && features.bindHelpers)(
    "Node's own net.BoundSocket (24.19+, 26.4+): set on its descriptor, before-bind options too late",
    async () => {
      const { port } = await httpServer();
      const seen = recorder();
      const handle = new BoundSocket!({ host: '127.0.0.1' });
      const socket = track(
        createConnection(
          { ...policy, ...(features.bindAddressNoPort ? { bindAddressNoPort: true } : {}) },
          { onApply: seen.onApply },
        )({ host: '127.0.0.1', port, handle })!,
      );
      await once(socket, 'connect');
      expect(seen.results).toHaveLength(1);
      const [result] = seen.results[0];
      expect(result.applied).toEqual(['keepAlive', 'keepAliveIdleSecs', 'recvBufferBytes', 'noDelay']);
      expect(result.skipped).toEqual(
        features.bindAddressNoPort ? [{ name: 'bindAddressNoPort', reason: 'too-late' }] : [],
      );
      await new Promise((resolve) => setImmediate(resolve));
      await expectPolicyOn(socket, policyAt);
    },
  );

  it('refuses a bad policy when made, and a name without a callback when called', () => {
    expect(() => createConnection({ keepAliveIdleSecs: 0 })).toThrow(RangeError);
    expect(() => createConnection({ noDelay: 'yes' } as never)).toThrow(TypeError);
    expect(() => createConnection({ nope: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
    if (features.bindHelpers) {
      expect(() => createConnection(policy)({ host: 'localhost', port: 1 })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
      );
    }
  });

  it.runIf(linux && features.bindHelpers)('strace: every option is set before bind and connect (Linux)', async () => {
    if (under('qemu', 'strace would trace the emulator, not the program')) return;
    const script = `
      const net = require('node:net');
      const s = require(${JSON.stringify(path.join(__dirname, '..', '..'))});
      const server = net.createServer((c) => c.end()).listen(0, '127.0.0.1', () => {
        const socket = s.createConnection({ tos: 0x20, recvBufferBytes: ${RCVBUF}, bindAddressNoPort: true, synRetries: 3 })(
          { host: '127.0.0.1', port: server.address().port, localAddress: '127.0.0.1' });
        socket.on('connect', () => { socket.destroy(); server.close(); });
      });`;
    const traced = (await straceNode(script, [], ['setsockopt', 'bind', 'connect'])).calls;
    // The client socket is the one that got IP_BIND_ADDRESS_NO_PORT: its options came before bind, bind before connect.
    expectSetBeforeBindAndConnect(traced, [
      /IP_TOS, \[32\]/,
      /SO_RCVBUF, \[40000\]/,
      /IP_BIND_ADDRESS_NO_PORT, \[1\]/,
      /TCP_SYNCNT, \[3\]/,
    ]);
  });
});
