// A policy that holds after the socket's owner has done its own set-up
// through Node (lib/routes/hold.ts): ioredis calls setKeepAlive(true, 30000)
// in its 'connect' listener, node-postgres setNoDelay(true) before connect.
// The witness is the kernel, read on a duplicate of the descriptor in
// another process (Linux); elsewhere the reports alone are checked.
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import {
  createConnection,
  fdOf,
  features,
  installPolicy,
  type ApplyResult,
  type Override,
  type Policy,
  type PolicyOptions,
} from '../../lib';
import { onCleanup, track } from '../helpers/cleanup';
import { expectCode } from '../helpers/errors';
import { runtime } from '../helpers/platform';
import { portOf, tlsOptions } from '../helpers/sockets';
import { tcpKeepAliveOnDup } from '../witness/dup';
import { linux } from './fixtures';

// Neither Node's nor libuv's values (7200/75/9 by default, 30/1/10 after setKeepAlive(true, 30000)).
const KEEPALIVE = { keepAlive: true, keepAliveIdleSecs: 77, keepAliveIntervalSecs: 7, keepAliveCount: 3 } as const;
const KEEPALIVE_NAMES = ['keepAlive', 'keepAliveIdleSecs', 'keepAliveIntervalSecs', 'keepAliveCount'] as const;
// What setKeepAlive writes: Deno's the idle time alone, libuv's (Node's, Bun's) an interval and count too.
const WRITTEN_BY_SET_KEEPALIVE = KEEPALIVE_NAMES.filter(
  (n) => features[n] && !(runtime === 'Deno' && (n === 'keepAliveIntervalSecs' || n === 'keepAliveCount')),
);
const OWNER_IDLE_MS = 30_000;

/** The options of `policy` this platform has (Windows before 1709 and Wine lack some keepalive ones). */
function here(policy: Policy): Policy {
  return Object.fromEntries(Object.entries(policy).filter(([name]) => features[name as keyof typeof features]));
}

/** The kernel's keepalive and Nagle settings, not through sockctl. */
function kernelKeepAlive(socket: net.Socket): ReturnType<typeof tcpKeepAliveOnDup> {
  return tcpKeepAliveOnDup(fdOf(socket));
}

async function listener(): Promise<number> {
  const server = track(net.createServer((s) => s.resume()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return portOf(server);
}

/** What the route reported: onApply's results with their sockets, and every override. */
function reports(): {
  applied: [ApplyResult, unknown][];
  overrides: Override[];
  errors: Error[];
  options: Pick<PolicyOptions, 'onApply' | 'onOverride' | 'onError'>;
} {
  const applied: [ApplyResult, unknown][] = [];
  const overrides: Override[] = [];
  const errors: Error[] = [];
  return {
    applied,
    overrides,
    errors,
    options: {
      onApply: (r, socket) => applied.push([r, socket]),
      onOverride: (o) => overrides.push(o),
      onError: (e) => errors.push(e),
    },
  };
}

/**
 * A client as node-postgres and ioredis make theirs: `new net.Socket()`,
 * setNoDelay(true) before connect, connect(), and setKeepAlive(true, 30 s)
 * in its own 'connect' listener (added after connect(), so it runs after the
 * route's). Resolves once that listener has run.
 */
async function ownerClient(port: number): Promise<net.Socket> {
  const socket = track(new net.Socket());
  socket.setNoDelay(true);
  socket.connect(port, '127.0.0.1');
  socket.once('connect', () => socket.setKeepAlive(true, OWNER_IDLE_MS));
  await once(socket, 'connect');
  return socket;
}

function install(policy: Policy, options: PolicyOptions): void {
  const installed = installPolicy(policy, options);
  onCleanup(() => installed.uninstall());
}

describe('a policy that holds after the owner sets the socket up', () => {
  it("installPolicy: the policy's values stand after the owner's setKeepAlive, and the override is reported", async () => {
    const port = await listener();
    const r = reports();
    install(here({ ...KEEPALIVE, noDelay: false }), r.options);
    const socket = await ownerClient(port);
    expect(r.errors).toEqual([]);
    expect(r.applied.filter(([, s]) => s === socket)).toHaveLength(1);
    expect(r.overrides).toEqual([{ by: 'setKeepAlive', options: WRITTEN_BY_SET_KEEPALIVE, kept: 'policy' }]);
    // Node's write of the owner's setNoDelay(true) came at connect, before the policy: overwritten by it.
    if (linux) expect(kernelKeepAlive(socket)).toEqual({ idle: 77, interval: 7, count: 3, noDelay: 0 });
  });

  it("precedence 'owner': the owner's values stand, what it set first is skipped as the owner's", async () => {
    const port = await listener();
    const r = reports();
    install(here({ ...KEEPALIVE, noDelay: false }), { ...r.options, precedence: 'owner' });
    const socket = await ownerClient(port);
    expect(r.errors).toEqual([]);
    const [[client]] = r.applied.filter(([, s]) => s === socket);
    expect(client.skipped).toContainEqual({ name: 'noDelay', reason: 'owner' });
    expect(client.applied).not.toContain('noDelay');
    expect(r.overrides).toEqual([{ by: 'setKeepAlive', options: WRITTEN_BY_SET_KEEPALIVE, kept: 'owner' }]);
    // libuv writes the owner's 30 s (interval and count as libuv sets them, not the policy's 7 and 3).
    if (linux) {
      const kernel = kernelKeepAlive(socket);
      expect(kernel.idle).toBe(30);
      // Deno's setKeepAlive writes the idle time alone: the policy's interval and count stay, and are not reported.
      if (runtime === 'Deno') expect([kernel.interval, kernel.count]).toEqual([7, 3]);
      else expect(kernel.interval).not.toBe(7);
      expect(kernel.noDelay).toBe(1);
    }
  });

  it("TLS: an owner's setKeepAlive on the TLSSocket reaches the TCP handle, and the policy holds there", async () => {
    const server = track(tls.createServer(tlsOptions, (s) => s.resume()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const r = reports();
    install(here(KEEPALIVE), r.options);
    const socket = track(tls.connect({ port: portOf(server), host: '127.0.0.1', rejectUnauthorized: false }));
    await once(socket, 'secureConnect');
    socket.setKeepAlive(true, OWNER_IDLE_MS);
    expect(r.errors).toEqual([]);
    expect(r.overrides.map((o) => [o.by, o.kept])).toEqual([['setKeepAlive', 'policy']]);
    if (linux) expect(kernelKeepAlive(socket)).toMatchObject({ idle: 77, interval: 7, count: 3 });
  });

  it.each(['policy', 'owner'] as const)(
    "createConnection, precedence '%s': the owner's later setKeepAlive",
    async (precedence) => {
      const port = await listener();
      const r = reports();
      const connect = createConnection(here(KEEPALIVE), {
        onApply: r.options.onApply,
        onOverride: r.options.onOverride,
        precedence,
      });
      const socket = track(connect({ host: '127.0.0.1', port })!);
      await once(socket, 'connect');
      socket.setKeepAlive(true, OWNER_IDLE_MS);
      expect(r.overrides).toEqual([{ by: 'setKeepAlive', options: WRITTEN_BY_SET_KEEPALIVE, kept: precedence }]);
      if (linux) expect(kernelKeepAlive(socket).idle).toBe(precedence === 'policy' ? 77 : 30);
    },
  );

  it("a write of the policy's own value is no override: http's setNoDelay(true) under noDelay: true", async () => {
    const port = await listener();
    const r = reports();
    const connect = createConnection({ noDelay: true }, { onOverride: r.options.onOverride });
    const socket = track(connect({ host: '127.0.0.1', port })!);
    await once(socket, 'connect');
    socket.setNoDelay(true); // what Node's http client does with every socket it is given
    expect(r.overrides).toEqual([]);
    if (linux) expect(kernelKeepAlive(socket).noDelay).toBe(1);
    // Another value is one, and the policy's is put back.
    socket.setNoDelay(false);
    expect(r.overrides).toEqual([{ by: 'setNoDelay', options: ['noDelay'], kept: 'policy' }]);
    if (linux) expect(kernelKeepAlive(socket).noDelay).toBe(1);
  });

  it('refuses a precedence it does not know and an onOverride that is not a function', () => {
    expectCode(() => installPolicy(KEEPALIVE, { precedence: 'kernel' as never }), 'ERR_INVALID_ARG_VALUE');
    expectCode(() => installPolicy(KEEPALIVE, { onOverride: 1 as never }), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => createConnection(KEEPALIVE, { precedence: 'kernel' as never }), 'ERR_INVALID_ARG_VALUE');
    expectCode(() => createConnection(KEEPALIVE, { onOverride: 'x' as never }), 'ERR_INVALID_ARG_TYPE');
  });
});
