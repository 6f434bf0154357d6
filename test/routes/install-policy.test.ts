// installPolicy: the policy on the sockets Node makes, found through
// diagnostics channels.
import dgram from 'node:dgram';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import {
  constants,
  fdOf,
  features,
  getOption,
  installPolicy,
  trackSockets,
  type ApplyResult,
  type Policy,
} from '../../lib';
import { onCleanup, track } from '../helpers/cleanup';
import { emulator, QEMU_CENSUS, runtime, under } from '../helpers/platform';
import { portOf, tlsOptions, waitFor } from '../helpers/sockets';
import { sockoptOnDup } from '../witness/dup';
import { connectHooked, publishesEveryConnect } from '../../lib/connect-hook';
import { expectPolicyOn, get, httpServer, linux, policy, RCVBUF, recorder } from './fixtures';

// tracing:net.server.listen:asyncEnd: Node 20.16+, 22.3+.
const [major, minor] = process.versions.node.split('.').map(Number);
const publishesListen = major > 22 || (major === 22 && minor >= 3) || (major === 20 && minor >= 16);

const NATIVE_FETCH = 'fetch is native code: its sockets belong to no net.Socket (the last test checks unreached())';

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

  it.skipIf(runtime !== undefined && under(runtime, NATIVE_FETCH))('fetch: sockets undici connected', async () => {
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
    // Bun (1.4) publishes no net channel: there its servers' 'listening' shows them (lib/server-hook.ts).
    const hasChannel = publishesListen || runtime === 'Bun';
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

  it("new net.Socket().connect() — node-postgres' way — and tls.connect() without a socket, on every Node", async () => {
    const { port } = await httpServer();
    const seen = install();
    const own = track(new net.Socket());
    own.connect(port, '127.0.0.1');
    await once(own, 'connect');
    await waitFor('the policy on it', () => seen.results.some(([, s]) => s === own));
    await expectPolicyOn(own, 'after connect');

    const server = track(tls.createServer(tlsOptions, (c) => c.resume()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const secure = track(tls.connect({ port: portOf(server), host: '127.0.0.1', rejectUnauthorized: false }));
    await once(secure, 'secureConnect');
    await waitFor('the policy on the TLS socket', () => seen.results.some(([, s]) => s === secure));
    await expectPolicyOn(secure, 'after connect');
    expect(seen.errors).toEqual([]);
  });

  it('takes its hook off net.Socket.prototype.connect when uninstalled (Node before 22.17/24.2)', () => {
    const before = net.Socket.prototype.connect;
    const installed = installPolicy(policy);
    expect(connectHooked()).toBe(!publishesEveryConnect());
    expect(net.Socket.prototype.connect === before).toBe(publishesEveryConnect());
    installed.uninstall();
    expect(net.Socket.prototype.connect).toBe(before);
    // Which Nodes publish every connect themselves, so need no hook.
    const versions = ['18.20.8', '20.20.2', '22.16.0', '22.17.0', '23.11.1', '24.1.0', '24.2.0', '25.0.0', '26.10.0'];
    expect(versions.filter((node) => publishesEveryConnect({ node }))).toEqual([
      '22.17.0',
      '24.2.0',
      '25.0.0',
      '26.10.0',
    ]);
    // Bun reports a Node version (26.3.0 in 1.4.5) and publishes no net channel.
    expect(publishesEveryConnect({ node: '26.3.0', bun: '1.4.5' })).toBe(false);
  });

  it('keeps the policy as it was when installed: changing the object afterwards changes nothing', async () => {
    const { port } = await httpServer();
    const mine: Policy = { keepAlive: true, noDelay: true };
    const seen = install(mine);
    mine.keepAlive = false;
    delete mine.noDelay;
    // Kept open by the agent while the kernel is asked.
    const agent = new http.Agent({ keepAlive: true });
    onCleanup(() => agent.destroy());
    const socket = await get({ host: '127.0.0.1', port, agent });
    await waitFor('the policy on the client', () => seen.results.some(([, s]) => s === socket));
    const [[result]] = seen.results.filter(([, s]) => s === socket);
    expect(result.applied).toEqual(['keepAlive', 'noDelay']);
    // The kernel, on a duplicate in another process (Linux), or as sockctl reads it elsewhere.
    const held = linux
      ? sockoptOnDup(fdOf(socket), [[constants.SOL_SOCKET, constants.SO_KEEPALIVE]])[0]
      : Number(getOption(socket, 'keepAlive'));
    expect(held).toBe(1);
  });

  it('uninstall: later sockets are left alone', async () => {
    const { port } = await httpServer();
    const seen = recorder();
    installPolicy(policy, { onApply: seen.onApply }).uninstall();
    const socket = await get({ host: '127.0.0.1', port, agent: false });
    expect(seen.results).toEqual([]);
    void socket;
  });

  it.skipIf(under('qemu', QEMU_CENSUS))(
    'unreached(): the sockets it never saw — made before it, or after uninstall() — and none it set',
    async () => {
      trackSockets(); // macOS and Windows list only the sockets tracked
      const server = track(net.createServer((s) => s.resume()));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const port = portOf(server);
      const accepted: net.Socket[] = [];
      server.on('connection', (s) => accepted.push(s));
      const connected = async (): Promise<[net.Socket, net.Socket]> => {
        const client = track(net.connect(port, '127.0.0.1'));
        await once(client, 'connect');
        const peer = await waitFor('the server to accept', () =>
          accepted.find((s) => s.remotePort === client.localPort),
        );
        return [client, peer];
      };
      const before = await connected();
      const installed = installPolicy(policy);
      onCleanup(() => installed.uninstall());
      const during = await connected();
      const later = track(net.createServer());
      later.listen(0, '127.0.0.1');
      await once(later, 'listening');
      installed.uninstall();
      const after = await connected();

      const unreached = installed.unreached().map((e) => e.fd);
      for (const s of [...before, ...after]) expect(unreached).toContain(fdOf(s));
      for (const s of during) expect(unreached).not.toContain(fdOf(s));
      // The listener made before: never seen. One made while installed: seen where Node publishes listen.
      expect(unreached).toContain(fdOf(server));
      if (linux) expect(unreached.includes(fdOf(later))).toBe(!publishesListen);
    },
  );

  // After the hook test: a census keeps tracking, and with it the connect hook, for the rest of the file.
  it.runIf(runtime !== undefined)(
    'fetch on Bun and Deno: its sockets reach no route, and unreached() names them',
    async () => {
      const { port } = await httpServer();
      const installed = installPolicy(policy);
      onCleanup(() => installed.uninstall());
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(await res.text()).toBe('ok');
      const entries = installed.unreached().filter((e) => e.remotePort === port && e.state === 'ESTABLISHED');
      expect(entries).toHaveLength(1);
      expect(entries[0].socket).toBeUndefined();
    },
  );

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
