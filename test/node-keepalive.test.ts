// What Node's own socket.setKeepAlive leaves in the kernel (Linux), which
// the docs tell users to set sockctl's keepalive values after. libuv writes
// TCP_KEEPIDLE (the delay in whole seconds), TCP_KEEPINTVL 1 and
// TCP_KEEPCNT 10 only for a delay of at least 1 s; without one it writes
// SO_KEEPALIVE alone (Node 18/20 also try TCP_KEEPIDLE 0, which the kernel
// refuses), so idle, interval and count stay the kernel's defaults — a
// count of 9, not 10, by default. Seen from a duplicate of the descriptor
// in another process and from ss's keepalive timer, never through sockctl.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { under } from './helpers/platform';
import { constants, fdOf } from '../lib';
import { pair, tupleOf } from './helpers/sockets';
import { sockoptOnDup } from './witness/dup';
import { parseSs, ssOf } from './witness/ss';

const linux = process.platform === 'linux';

function sysctl(name: string): number {
  return Number(fs.readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8'));
}

/** SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT as the kernel holds them. */
function keepalive(fd: number): number[] {
  const { SOL_SOCKET, SO_KEEPALIVE, IPPROTO_TCP, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT } = constants;
  return sockoptOnDup(fd, [
    [SOL_SOCKET!, SO_KEEPALIVE!],
    [IPPROTO_TCP!, TCP_KEEPIDLE!],
    [IPPROTO_TCP!, TCP_KEEPINTVL!],
    [IPPROTO_TCP!, TCP_KEEPCNT!],
  ]) as number[];
}

describe.runIf(linux)("Node's setKeepAlive, as the kernel holds it (Linux)", () => {
  it('setKeepAlive(true) turns keepalive on and leaves idle, interval and count at the kernel defaults', async () => {
    const { client } = await pair();
    client.setKeepAlive(true);
    const defaults = [sysctl('tcp_keepalive_time'), sysctl('tcp_keepalive_intvl'), sysctl('tcp_keepalive_probes')];
    expect(keepalive(fdOf(client))).toEqual([1, ...defaults]);
    // The timer counts down from the kernel's idle time (7200 s by default; ss shows whole minutes).
    const detail = ssOf(tupleOf(client));
    expect(parseSs(detail).keepaliveSecs, detail).toBeGreaterThan(defaults[0] - 120);
  });

  it('setKeepAlive(true, 500): a delay under 1 s is 0 s to libuv, and changes nothing more', async () => {
    const { client } = await pair();
    client.setKeepAlive(true, 500);
    const defaults = [sysctl('tcp_keepalive_time'), sysctl('tcp_keepalive_intvl'), sysctl('tcp_keepalive_probes')];
    expect(keepalive(fdOf(client))).toEqual([1, ...defaults]);
  });

  it.skipIf(
    under('Deno', "Deno's setKeepAlive writes SO_KEEPALIVE and the idle time alone, not libuv's interval and count"),
  )("setKeepAlive(true, 5000) also writes libuv's interval of 1 s and count of 10", async () => {
    const { client } = await pair();
    client.setKeepAlive(true, 5000);
    expect(keepalive(fdOf(client))).toEqual([1, 5, 1, 10]);
    const detail = ssOf(tupleOf(client));
    const secs = parseSs(detail).keepaliveSecs;
    expect(secs, detail).toBeGreaterThan(3);
    expect(secs, detail).toBeLessThanOrEqual(5);
  });
});
