// The policy routes, on real loopback traffic: createConnection (http.Agent,
// http.request), undiciConnector (fetch) and installPolicy (diagnostics
// channels). The witness is `ss` on Linux (keepalive timer, skmem), strace
// for the order of system calls, and the kernel's read-back elsewhere.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import type dns from 'node:dns';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
// undici's own fetch: Node's built-in fetch refuses an Agent of another
// undici major (Node 26 bundles undici 8, this is 6, the last for Node 18).
import { Agent, fetch as undiciFetch } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  createConnection,
  features,
  getOption,
  installPolicy,
  undiciConnector,
  type ApplyResult,
  type Policy,
} from '../lib';
import { onCleanup, track } from './helpers/cleanup';
import { emulator, under, windows } from './helpers/platform';
import { portOf, tlsOptions, tupleOf, waitFor } from './helpers/sockets';
import { parseSs, ssOf } from './witness/ss';
import { straceNode } from './witness/strace';

const linux = process.platform === 'linux';
// Node's own default is 2 h; the agent's keepalive is 1 s: 77 s is neither.
const IDLE = 77;
// Linux reads SO_RCVBUF back doubled, and the default (tcp_rmem's middle,
// 131072) is twice 65536: 40000 reads 80000, unlike any default.
const RCVBUF = 40000;
const policy: Policy = { keepAlive: true, keepAliveIdleSecs: IDLE, recvBufferBytes: RCVBUF, noDelay: true };

async function httpServer(handler?: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = track(http.createServer(handler ?? ((_, res) => res.end('ok'))));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: portOf(server) };
}

/** GETs `url` and returns the socket the response came on, body read. */
function get(options: http.RequestOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const req = http.get(options, (res) => {
      // A keep-alive agent unsets res.socket before 'end'.
      const socket = res.socket;
      res.resume();
      res.on('end', () => resolve(socket));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/**
 * The policy, read back from the kernel (and on Linux seen by ss). Before
 * connect, the locked 80000-byte receive buffer also bounds the window
 * scale the SYN offers (to 1 at most); after connect the scale stays what
 * the system's limits gave the handshake.
 */
async function expectPolicyOn(socket: net.Socket, when: 'before connect' | 'after connect'): Promise<void> {
  expect(getOption(socket, 'keepAlive')).toBe(true);
  expect(getOption(socket, 'noDelay')).toBe(true);
  // Windows before 1709 (and Wine 8) set the idle time through an ioctl that cannot be read back.
  if (features.keepAliveIdleSecs && !windows) expect(getOption(socket, 'keepAliveIdleSecs')).toBe(IDLE);
  if (linux) {
    expect(getOption(socket, 'recvBufferBytes')).toBe(2 * RCVBUF);
    const detail = ssOf(tupleOf(socket));
    const timer = parseSs(detail).keepaliveSecs;
    // The timer counts down from the idle time: well above the agent's 1 s.
    expect(timer, detail).toBeGreaterThan(IDLE - 10);
    expect(timer, detail).toBeLessThanOrEqual(IDLE);
    expect(parseSs(detail).rb).toBe(2 * RCVBUF);
    if (when === 'before connect')
      expect(Number(/\bwscale:\d+,(\d+)/.exec(detail)?.[1]), detail).toBeLessThanOrEqual(1);
  }
}

/** A loopback port nothing listens on: one just released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = portOf(server);
  server.close();
  await once(server, 'close');
  return port;
}

/** What a descriptor of this process names: socket:[inode] (Linux), else its number. */
function descriptorName(fd: number): string {
  return linux ? fs.readlinkSync(`/proc/self/fd/${fd}`) : String(fd);
}
function openDescriptorNames(): string[] {
  if (!linux) return fs.readdirSync('/dev/fd');
  return fs.readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [fs.readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return [];
    }
  });
}

/** What every onApply saw. */
function recorder(): { results: [ApplyResult, unknown][]; onApply: (r: ApplyResult, s: unknown) => void } {
  const results: [ApplyResult, unknown][] = [];
  return { results, onApply: (r, s) => results.push([r, s]) };
}

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
    await expectPolicyOn(socket, 'before connect');
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
    await expectPolicyOn(socket, 'before connect');
  });

  it('http.request({ createConnection }) without an agent', async () => {
    const { port } = await httpServer();
    const socket = await get({ host: '127.0.0.1', port, createConnection: createConnection(policy) });
    // Without an agent the response ends the socket: look while it is open.
    await expectPolicyOn(socket, 'before connect');
  });

  it("Node's own keepalive write at connect does not undo the policy", async () => {
    const { port } = await httpServer();
    // Node applies keepAlive/keepAliveInitialDelay just before 'connect' (5 s idle here).
    const socket = track(
      createConnection(policy)({ host: '127.0.0.1', port, keepAlive: true, keepAliveInitialDelay: 5000 })!,
    );
    await once(socket, 'connect');
    await new Promise((resolve) => setImmediate(resolve));
    await expectPolicyOn(socket, 'before connect');
  });

  it.runIf(features.bindHelpers)('a host name: each address gets a fresh socket with the policy (POSIX)', async () => {
    const { port } = await httpServer();
    // Nothing listens on [::1]:port, so the first attempt is refused.
    const lookup = ((_host: string, _options: unknown, callback: (...args: unknown[]) => void) =>
      callback(null, [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ])) as unknown as typeof dns.lookup;
    const seen = recorder();
    const connect = createConnection(policy, { onApply: seen.onApply });
    const socket = await new Promise<net.Socket>((resolve, reject) =>
      connect({ host: 'example.invalid', port, lookup }, (err, s) => (err ? reject(err) : resolve(s!))),
    );
    track(socket);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(seen.results.map(([r]) => r.applied)).toEqual([
      ['keepAlive', 'keepAliveIdleSecs', 'recvBufferBytes', 'noDelay'],
      ['keepAlive', 'keepAliveIdleSecs', 'recvBufferBytes', 'noDelay'],
    ]);
    expect((seen.results[0][1] as net.Socket).destroyed).toBe(true);
    expect(seen.results[1][1]).toBe(socket);
    await expectPolicyOn(socket, 'before connect');
  });

  it.runIf(features.bindHelpers)('every address refused: the last error, and no descriptor left (POSIX)', async () => {
    const port = await closedPort();
    const lookup = ((_h: string, _o: unknown, callback: (...args: unknown[]) => void) =>
      callback(null, [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ])) as unknown as typeof dns.lookup;
    // Each attempt's socket, by what the descriptor names (socket:[inode]).
    const attempts: string[] = [];
    const onApply = (_r: ApplyResult, s: net.Socket): void => {
      attempts.push(descriptorName((s as unknown as { _handle: { fd: number } })._handle.fd));
    };
    const err = await new Promise<NodeJS.ErrnoException>((resolve) =>
      createConnection(policy, { onApply })({ host: 'example.invalid', port, lookup }, (e) =>
        resolve(e as NodeJS.ErrnoException),
      ),
    );
    expect(err.code).toBe('ECONNREFUSED');
    expect((err as { address?: string }).address).toBe('::1');
    expect(attempts).toHaveLength(2);
    // Each failed attempt's socket is destroyed, and its descriptor closes with it.
    await waitFor('the attempts to close', () => attempts.every((name) => !openDescriptorNames().includes(name)));
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

  it.runIf(features.bindHelpers)('an address that fails at bind is passed over for the next (POSIX)', async () => {
    const { port } = await httpServer();
    // [::1]:taken is held, so the IPv6 attempt's bind fails; 0.0.0.0:taken is
    // free. taken lies below the ephemeral range, where no outgoing
    // connection of a parallel test can hold 127.0.0.1:taken meanwhile.
    const holder = track(net.createServer());
    let taken = 0;
    for (let port = 20000 + Math.floor(Math.random() * 10000); taken === 0; port++) {
      holder.listen(port, '::1');
      const [event] = await Promise.race([once(holder, 'listening').then(() => ['ok']), once(holder, 'error')]);
      if (event === 'ok') taken = port;
    }
    const lookup = ((_h: string, _o: unknown, callback: (...args: unknown[]) => void) =>
      callback(null, [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ])) as unknown as typeof dns.lookup;
    const socket = await new Promise<net.Socket>((resolve, reject) =>
      createConnection(policy)({ host: 'example.invalid', port, lookup, localPort: taken }, (err, s) =>
        err ? reject(err) : resolve(s!),
      ),
    );
    track(socket);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(socket.localPort).toBe(taken);
  });

  it.runIf(linux)('options.timeout ends an attempt that hangs, and the next address is tried (Linux)', async () => {
    const { port } = await httpServer();
    // On 127.0.0.2, the same port: a listener that never accepts, with a
    // backlog of 0. One connection fills its queue; the kernel then drops
    // further SYNs, so a connect there hangs for minutes.
    const child = spawn('python3', [
      '-c',
      'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.2",int(sys.argv[1])))\ns.listen(0)\nprint("ok",flush=True)\ntime.sleep(60)',
      String(port),
    ]);
    onCleanup(() => child.kill());
    await once(child.stdout!, 'data');
    const filler = track(net.connect(port, '127.0.0.2'));
    await once(filler, 'connect');
    const lookup = ((_h: string, _o: unknown, callback: (...args: unknown[]) => void) =>
      callback(null, [
        { address: '127.0.0.2', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ])) as unknown as typeof dns.lookup;
    const started = Date.now();
    const socket = await new Promise<net.Socket>((resolve, reject) =>
      createConnection(policy)({ host: 'example.invalid', port, lookup, timeout: 300 }, (err, s) =>
        err ? reject(err) : resolve(s!),
      ),
    );
    track(socket);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('rejects a bad timeout, and a throwing onApply leaves no socket behind', async () => {
    const { port } = await httpServer();
    expect(() => createConnection(policy)({ host: '127.0.0.1', port, timeout: '5s' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    const boom = new Error('boom');
    const connect = createConnection(policy, {
      onApply: () => {
        throw boom;
      },
    });
    if (!features.bindHelpers) {
      // Windows: the policy, and so onApply, waits for 'connect'; the socket dies of it.
      const socket = connect({ host: '127.0.0.1', port })!;
      const [err] = (await once(socket, 'error').catch((e: Error) => [e])) as [Error];
      expect(err).toBe(boom);
      expect(socket.destroyed).toBe(true);
      return;
    }
    expect(() => connect({ host: '127.0.0.1', port })).toThrow(boom);
    const lookup = ((_h: string, _o: unknown, callback: (...args: unknown[]) => void) =>
      callback(null, [{ address: '127.0.0.1', family: 4 }])) as unknown as typeof dns.lookup;
    const err = await new Promise<Error | null>((resolve) =>
      connect({ host: 'example.invalid', port, lookup }, (e) => resolve(e)),
    );
    expect(err).toBe(boom);
  });

  it('bad TLS options reach the caller or the callback, not the event loop', async () => {
    const { port } = await httpServer();
    const connect = createConnection(policy, { tls: { minVersion: 'TLSv9' as never } });
    expect(() => connect({ host: '127.0.0.1', port })).toThrow(
      expect.objectContaining({ code: 'ERR_TLS_INVALID_PROTOCOL_VERSION' }),
    );
    // A name is resolved and connected first (POSIX; on Windows Node resolves, and the throw is the caller's).
    if (!features.bindHelpers) return;
    const lookup = ((_h: string, _o: unknown, callback: (...args: unknown[]) => void) =>
      callback(null, [{ address: '127.0.0.1', family: 4 }])) as unknown as typeof dns.lookup;
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      connect({ host: 'example.invalid', port, lookup }, (e) => resolve(e as NodeJS.ErrnoException)),
    );
    expect(err?.code).toBe('ERR_TLS_INVALID_PROTOCOL_VERSION');
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
      await expectPolicyOn(socket, 'before connect');
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

  it.runIf(linux)('strace: every option is set before bind and connect (Linux)', async () => {
    if (under('qemu', 'strace would trace the emulator, not the program')) return;
    const script = `
      const net = require('node:net');
      const s = require(${JSON.stringify(path.join(__dirname, '..'))});
      const server = net.createServer((c) => c.end()).listen(0, '127.0.0.1', () => {
        const socket = s.createConnection({ tos: 0x20, recvBufferBytes: ${RCVBUF}, bindAddressNoPort: true, synRetries: 3 })(
          { host: '127.0.0.1', port: server.address().port, localAddress: '127.0.0.1' });
        socket.on('connect', () => { socket.destroy(); server.close(); });
      });`;
    const traced = (await straceNode(script, [], ['setsockopt', 'bind', 'connect'])).calls;
    const trace = traced.map((c) => c.line).join('\n');
    // The client socket is the one that got IP_BIND_ADDRESS_NO_PORT; follow its descriptor.
    const fd = traced.find((c) => c.call === 'setsockopt' && /^SOL_IP, IP_BIND_ADDRESS_NO_PORT/.test(c.args))?.fd;
    expect(fd, trace).toBeDefined();
    const calls = traced.filter((c) => c.fd === fd).map((c) => c.line);
    const at = (re: RegExp): number => calls.findIndex((l) => re.test(l));
    const bind = at(/bind\(\d+, \{sa_family=AF_INET, sin_port=htons\(0\), sin_addr=inet_addr\("127\.0\.0\.1"\)/);
    const connect = at(
      /connect\(\d+, \{sa_family=AF_INET, sin_port=htons\(\d+\), sin_addr=inet_addr\("127\.0\.0\.1"\)/,
    );
    expect(bind, calls.join('\n')).toBeGreaterThan(0);
    expect(connect).toBeGreaterThan(bind);
    for (const option of [
      /IP_TOS, \[32\]/,
      /SO_RCVBUF, \[40000\]/,
      /IP_BIND_ADDRESS_NO_PORT, \[1\]/,
      /TCP_SYNCNT, \[3\]/,
    ]) {
      const i = at(option);
      expect(i, `${option} in\n${calls.join('\n')}`).toBeGreaterThanOrEqual(0);
      expect(i).toBeLessThan(bind);
    }
  });
});

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

describe('installPolicy', () => {
  function install(p: Policy = policy): ReturnType<typeof recorder> & { errors: Error[] } {
    const seen = recorder();
    const errors: Error[] = [];
    const installed = installPolicy(p, { onApply: seen.onApply, onError: (e) => errors.push(e) });
    onCleanup(() => installed.uninstall());
    return { ...seen, errors };
  }
  const about = (results: [ApplyResult, unknown][], port: number, side: 'client' | 'server') =>
    results.filter(([, s]) => s instanceof net.Socket && (side === 'client' ? s.remotePort : s.localPort) === port);

  it('http.Agent: client and accepted sockets, kept after the agent frees the client', async () => {
    const { port } = await httpServer();
    // ipv6Only had to come before bind (too late even on an IPv4 socket).
    const seen = install({ ...policy, ipv6Only: true });
    const agent = new http.Agent({ keepAlive: true });
    onCleanup(() => agent.destroy());
    const socket = await get({ host: '127.0.0.1', port, agent });
    await waitFor('the agent to pool the socket', () => Object.values(agent.freeSockets).flat().includes(socket));
    const [[client]] = about(seen.results, port, 'client');
    // After connect: what had to come first is reported, never dropped.
    const applied = ['keepAlive', 'keepAliveIdleSecs', 'recvBufferBytes', 'noDelay'];
    expect(client.applied).toEqual(applied);
    expect(client.skipped).toEqual([{ name: 'ipv6Only', reason: 'too-late' }]);
    await expectPolicyOn(socket, 'after connect');
    const [[server, accepted]] = about(seen.results, port, 'server');
    expect(server.applied).toEqual(applied);
    expect(getOption(accepted as net.Socket, 'keepAlive')).toBe(true);
    expect(seen.errors).toEqual([]);
  });

  it('fetch: sockets undici connected', async () => {
    if (under('wine', "Wine 8: Node's own fetch() to a loopback server fails with connect UNKNOWN")) return;
    const { port } = await httpServer();
    const seen = install();
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('ok');
    const clients = about(seen.results, port, 'client');
    expect(clients).toHaveLength(1);
    await expectPolicyOn(clients[0][1] as net.Socket, 'after connect');
  });

  it('https: TLS client sockets on every Node (18/20 through http.client.request.start)', async () => {
    const server = track(https.createServer(tlsOptions, (_, res) => res.end('secure')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = portOf(server);
    const seen = install();
    const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
    onCleanup(() => agent.destroy());
    const socket = await get({ host: '127.0.0.1', port, agent, protocol: 'https:' } as never);
    expect(socket).toBeInstanceOf(tls.TLSSocket);
    const clients = about(seen.results, port, 'client');
    expect(clients).toHaveLength(1);
    expect(clients[0][1]).toBe(socket);
    await expectPolicyOn(socket, 'after connect');
  });

  it('listeners get listener options once listening (Node 20.16+, 22.3+)', async () => {
    const [major, minor] = process.versions.node.split('.').map(Number);
    const hasChannel = major > 22 || (major === 22 && minor >= 3) || (major === 20 && minor >= 16);
    const seen = install({ recvBufferBytes: RCVBUF, ipv6Only: true, deferAcceptSecs: 5 });
    const server = track(net.createServer());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const forServer = seen.results.filter(([, s]) => s === server).map(([r]) => r);
    if (!hasChannel) {
      // Node 18 and older 20s publish no listen channel.
      expect(forServer).toEqual([]);
      return;
    }
    expect(forServer).toHaveLength(1);
    // A listener is bound: ipv6Only is too late; a receive buffer is not.
    expect(forServer[0].skipped).toContainEqual({ name: 'ipv6Only', reason: 'too-late' });
    if (linux) expect(getOption(server, 'recvBufferBytes')).toBe(2 * RCVBUF);
    if (features.deferAcceptSecs) {
      expect(forServer[0].applied).toEqual(['recvBufferBytes', 'deferAcceptSecs']);
      expect(getOption(server, 'deferAcceptSecs')).toBeGreaterThanOrEqual(5);
    } else {
      expect(forServer[0].skipped).toContainEqual({ name: 'deferAcceptSecs', reason: 'unsupported' });
    }
  });

  it('UDP sockets: once bound, without the TCP-only options', async () => {
    const seen = install({ keepAlive: true, recvBufferBytes: RCVBUF });
    const socket = dgram.createSocket('udp4');
    onCleanup(() => socket.close());
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const [[result]] = seen.results.filter(([, s]) => s === socket);
    expect(result.applied).toEqual(['recvBufferBytes']);
    expect(result.skipped).toEqual([{ name: 'keepAlive', reason: 'unsupported' }]);
    if (linux) expect(getOption(socket, 'recvBufferBytes')).toBe(2 * RCVBUF);
  });

  it('uninstall: later sockets are left alone', async () => {
    const { port } = await httpServer();
    const seen = recorder();
    installPolicy(policy, { onApply: seen.onApply }).uninstall();
    const socket = await get({ host: '127.0.0.1', port, agent: false });
    expect(seen.results).toEqual([]);
    void socket;
  });

  it.runIf(linux)('a system error goes to onError and the connection carries on (Linux)', async () => {
    if (emulator === 'qemu' && !features.congestion) return;
    const { port } = await httpServer();
    const seen = install({ congestion: 'no-such-algo' });
    const socket = await get({ host: '127.0.0.1', port, agent: false });
    expect(socket).toBeInstanceOf(net.Socket);
    expect(seen.errors.length).toBeGreaterThan(0);
    expect(seen.errors[0]).toMatchObject({ code: 'ENOENT', syscall: 'setsockopt' });
  });
});
