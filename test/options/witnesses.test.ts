// Linux: each option seen by a witness outside sockctl:
// - `ss -tnoeim --tos --inet-sockopt` for what the kernel shows of exactly
//   one connection: keepalive timer, fwmark, skmem, congestion algorithm,
//   bound device, tos/tclass and priority, inet flags, advertised MSS;
// - the kernel's own answers: bind refusing an IPv4-mapped address
//   (ipv6Only), a deferred accept held in SYN-RECV (deferAcceptSecs).
import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { NO_ADOPTION, runtime, under } from '../helpers/platform';
import { apply, features, getOption, optionNames, setOption, type OptionName, type Policy } from '../../lib';
import { track } from '../helpers/cleanup';
import { closeFd, pair, portOf, tupleOf, waitFor } from '../helpers/sockets';
import { bindOnDup } from '../witness/dup';
import { parseSs, ssOf } from '../witness/ss';
import { allowed, connectFrom, hosts, linux, otherCongestion, server, unavailable, unboundTcp } from './fixtures';

describe.runIf(linux).each(hosts)('what ss shows on %s', (host) => {
  const v6 = host === '::1';
  // Every option ss shows, set on an unbound socket before Node connects it.
  const policyFor = (congestion: string): Policy => {
    const all: Policy = {
      keepAlive: true,
      keepAliveIdleSecs: 77,
      mark: 0x5eed,
      recvBufferBytes: 40_000,
      sendBufferBytes: 40_000,
      congestion,
      bindToDevice: 'lo',
      tos: 0x28,
      priority: 5,
      maxSegBytes: 1000,
      freeBind: true,
      transparent: true,
      bindAddressNoPort: true,
    };
    return allowed(all);
  };

  it.skipIf(runtime !== undefined && under(runtime, NO_ADOPTION))(
    'shows each option set before connect on exactly that connection, and none on a plain one',
    async () => {
      const s = await server(host);
      const control = ssOf(tupleOf((await pair(host)).client));
      const plain = parseSs(control);
      const defaultCongestion = features.congestion ? getOption(unboundTcp(host), 'congestion') : '';
      const policy = policyFor(features.congestion ? otherCongestion(defaultCongestion) : '');

      const fd = unboundTcp(host, false);
      let result;
      try {
        result = apply(fd, policy);
      } catch (err) {
        closeFd(fd);
        throw err;
      }
      expect(result).toEqual({ applied: optionNames.filter((n) => n in policy), skipped: [] });
      // With a local address, Node binds it first (bindAddressNoPort needs a bind).
      const client = await connectFrom(fd, host, portOf(s), host);
      const line = ssOf(tupleOf(client));
      const seen = parseSs(line);
      const why = `ss: ${line}\ncontrol: ${control}`;

      expect(seen.state, why).toBe('ESTAB');
      if (policy.keepAlive) {
        // The keepalive timer runs down from the idle time, not the default 2 h.
        expect(plain.keepaliveSecs, why).toBeUndefined();
        expect(seen.keepaliveSecs, why).toBeGreaterThan(60);
        expect(seen.keepaliveSecs, why).toBeLessThanOrEqual(77);
      }
      if (policy.mark) {
        expect(plain.fwmark, why).toBeUndefined();
        expect(seen.fwmark, why).toBe(0x5eed);
      }
      if (policy.recvBufferBytes) {
        // The kernel's double of what was set; the receive window scale with it.
        expect(plain.rb, why).not.toBe(80_000);
        expect(seen.rb, why).toBe(80_000);
      }
      if (policy.sendBufferBytes) {
        expect(plain.tb, why).not.toBe(80_000);
        expect(seen.tb, why).toBe(80_000);
      }
      if (policy.congestion) {
        expect(plain.tokens, why).toContain(defaultCongestion);
        expect(plain.tokens, why).not.toContain(policy.congestion);
        expect(seen.tokens, why).toContain(policy.congestion);
        expect(seen.tokens, why).not.toContain(defaultCongestion);
      }
      if (policy.bindToDevice) {
        expect(plain.local, why).not.toContain('%');
        expect(seen.local, why).toBe(`${v6 ? `[${host}]` : host}%lo:${client.localPort}`);
      }
      if (policy.tos !== undefined) {
        // IPV6_TCLASS on an IPv6 socket; ss shows it as tclass.
        expect(v6 ? plain.tclass : plain.tos, why).toBe(0);
        expect(v6 ? seen.tclass : seen.tos, why).toBe(0x28);
      }
      if (policy.priority) {
        // ss reports the priority as class_id where no net_cls class is set.
        expect(plain.classId ?? 0, why).toBe(0);
        expect(seen.classId, why).toBe(5);
      }
      if (policy.maxSegBytes) {
        // The SYN announced at most 1000 (less the timestamp option), not the
        // loopback's ~65 kB.
        expect(plain.advmss, why).toBeGreaterThan(1000);
        expect(seen.advmss, why).toBeLessThanOrEqual(1000);
        expect(seen.advmss, why).toBeGreaterThanOrEqual(1000 - 40);
      }
      const flags = {
        freeBind: 'freebind',
        transparent: 'transparent',
        bindAddressNoPort: 'bind_addr_no_port',
      } as const;
      for (const [name, flag] of Object.entries(flags)) {
        if (!policy[name as OptionName]) continue;
        expect(plain.inetFlags, why).not.toContain(flag);
        expect(seen.inetFlags, why).toContain(flag);
      }
    },
  );

  it('shows keepAlive set after connect as a keepalive timer of the idle time', async () => {
    const { client } = await pair(host);
    const tuple = tupleOf(client);
    expect(parseSs(ssOf(tuple)).keepaliveSecs).toBeUndefined();
    apply(client, { keepAliveIdleSecs: 77, keepAlive: true });
    const seen = parseSs(ssOf(tuple));
    expect(seen.keepaliveSecs).toBeGreaterThan(60);
    expect(seen.keepaliveSecs).toBeLessThanOrEqual(77);
  });

  it('deferAcceptSecs: the listener holds a connection in SYN-RECV until data arrives', async () => {
    if (unavailable('deferAcceptSecs')) return;
    const s = await server(host);
    setOption(s, 'deferAcceptSecs', 10);
    let accepted = 0;
    s.on('connection', () => accepted++);
    const client = track(net.connect({ host, port: portOf(s) }));
    await once(client, 'connect');
    const ours = tupleOf(client);
    const theirs = {
      localAddress: ours.remoteAddress,
      localPort: ours.remotePort,
      remoteAddress: ours.localAddress,
      remotePort: ours.localPort,
    };
    // The client is established; the listener dropped its bare ACK.
    expect(parseSs(ssOf(ours)).state).toBe('ESTAB');
    expect(parseSs(ssOf(theirs)).state).toBe('SYN-RECV');
    expect(accepted).toBe(0);
    const connection = once(s, 'connection');
    client.write('x');
    await connection;
    await waitFor('the accepted side established', () => parseSs(ssOf(theirs)).state === 'ESTAB');
  });

  it('deferAcceptSecs control: without it, the listener accepts a silent connection', async () => {
    const s = await server(host);
    const connection = once(s, 'connection');
    const client = track(net.connect({ host, port: portOf(s) }));
    await once(client, 'connect');
    await connection;
  });
});

describe.runIf(linux)('what the kernel answers with ipv6Only', () => {
  it('refuses to bind an IPv6 socket to an IPv4-mapped address', () => {
    if (unavailable('ipv6Only')) return;
    for (const only of [false, true]) {
      const fd = unboundTcp('::1');
      setOption(fd, 'ipv6Only', only);
      const answer = bindOnDup(fd, '::ffff:127.0.0.1');
      expect(answer, `ipv6Only ${only}`).toBe(only ? 'EINVAL' : 'ok');
    }
  });
});

describe.runIf(linux)('a dual-stack socket carrying IPv4 (Linux)', () => {
  it('tos marks its packets through IP_TOS, as ss shows, not IPV6_TCLASS', async () => {
    const server = track(net.createServer());
    server.listen(0, '::');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[net.Socket]>;
    const client = track(net.connect(portOf(server), '127.0.0.1'));
    await once(client, 'connect');
    const [socket] = await accepted;
    track(socket);
    expect(socket.localAddress).toBe('::ffff:127.0.0.1');
    expect(apply(socket, { tos: 0x20 })).toEqual({ applied: ['tos'], skipped: [] });
    expect(getOption(socket, 'tos')).toBe(0x20);
    expect(parseSs(ssOf(tupleOf(socket))).tos).toBe(0x20);
  });
});
