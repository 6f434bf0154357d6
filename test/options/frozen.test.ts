// apply() lays a frozen policy out once and copies its ops back on later
// calls (lib/options/plan.ts, planOnce): what the kernel holds must be what
// each call's policy says, whether it was laid out again or not.
import { describe, expect, it } from 'vitest';
import { apply, constants, fdOf, type Policy } from '../../lib';
import { expectCode } from '../helpers/errors';
import { pair } from '../helpers/sockets';
import { sockoptBytesOnDup, sockoptOnDup } from '../witness/dup';
import { linux } from './fixtures';

/** SO_KEEPALIVE and SO_RCVBUF, read by the kernel on a duplicate in another process. */
function held(fd: number): Array<number | string> {
  return sockoptOnDup(fd, [
    [constants.SOL_SOCKET, constants.SO_KEEPALIVE],
    [constants.SOL_SOCKET, constants.SO_RCVBUF],
  ]);
}

describe.runIf(linux)('apply with a frozen policy', () => {
  it('sets the same on every socket, and on one socket after another policy', async () => {
    const policy = Object.freeze({ keepAlive: true, recvBufferBytes: 65_536 });
    const other = Object.freeze({ keepAlive: false, recvBufferBytes: 32_768, noDelay: true });
    const sockets = [(await pair()).client, (await pair()).client];
    for (const socket of sockets) {
      expect(apply(socket, policy)).toEqual({ applied: ['keepAlive', 'recvBufferBytes'], skipped: [] });
      // Linux doubles SO_RCVBUF for its bookkeeping.
      expect(held(fdOf(socket))).toEqual([1, 131_072]);
      apply(socket, other);
      expect(held(fdOf(socket))).toEqual([0, 65_536]);
      apply(socket, policy);
      expect(held(fdOf(socket))).toEqual([1, 131_072]);
    }
  });

  it('reads a getter anew on every call, and a linger object that is not frozen', async () => {
    const { client } = await pair();
    const fd = fdOf(client);
    let on = true;
    const withGetter = Object.freeze({
      get keepAlive() {
        return on;
      },
    }) as Policy;
    apply(client, withGetter);
    expect(held(fd)[0]).toBe(1);
    on = false;
    apply(client, withGetter);
    expect(held(fd)[0]).toBe(0);

    const linger = { enabled: true, seconds: 5 };
    const withLinger = Object.freeze({ linger });
    apply(client, withLinger);
    linger.seconds = 7;
    apply(client, withLinger);
    // struct linger { l_onoff, l_linger }: the second int is the time.
    const [onoff, seconds] = new Int32Array(sockoptBytesOnDup(fd, constants.SOL_SOCKET, constants.SO_LINGER, 8).buffer);
    expect([onoff, seconds]).toEqual([1, 7]);
  });

  it('still refuses a bad frozen policy on every call, and caches nothing for it', async () => {
    const { client } = await pair();
    const bad = Object.freeze({ keepAlive: true, keepAliveCount: 0 });
    expectCode(() => apply(client, bad), 'ERR_OUT_OF_RANGE');
    expectCode(() => apply(client, bad), 'ERR_OUT_OF_RANGE');
  });
});
