// The Windows rule for a linger above 0 (lib/options/windows-linger.ts), for every
// platform on every run: the rule takes the platform as an argument. Under
// Wine or on Windows, options-windows.test.ts proves the public calls refuse.
import dgram from 'node:dgram';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { refuseBlockingLinger, type LingerOwner } from '../lib/options/windows-linger';
import { onCleanup } from './helpers/cleanup';
import { expectCode } from './helpers/errors';

const UNAVAILABLE = 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM';

function nodeOwned(): [string, LingerOwner][] {
  const udp = dgram.createSocket('udp4');
  onCleanup(() => udp.close());
  return [
    ['a net.Socket', new net.Socket()],
    ['a net.Server', new net.Server()],
    ['a dgram.Socket', udp],
    ["a route's sockets", 'route'],
  ];
}

const waiting: unknown[] = [1, 65535, { enabled: true, seconds: 1 }, { enabled: true, seconds: 30 }];
const notWaiting: unknown[] = [0, false, undefined, { enabled: true, seconds: 0 }, { enabled: false, seconds: 9 }];

describe('refuseBlockingLinger', () => {
  it('on win32, refuses a linger above 0 on every socket Node closes, saying why', () => {
    for (const [what, owner] of nodeOwned()) {
      for (const value of waiting) {
        const err = expectCode(() => refuseBlockingLinger(owner, value, 'win32'), UNAVAILABLE);
        expect(err, `${what}, ${JSON.stringify(value)}`).toBeInstanceOf(TypeError);
        expect(err.message).toContain('SO_LINGER above 0 on a socket Node closes');
        expect(err.message).toContain('WSAEWOULDBLOCK');
      }
    }
  });

  it('on win32, lets linger 0 (abort) and a disabled linger through, and anything on a bare SOCKET', () => {
    for (const [, owner] of nodeOwned()) {
      for (const value of notWaiting) expect(() => refuseBlockingLinger(owner, value, 'win32')).not.toThrow();
    }
    for (const value of [...waiting, ...notWaiting]) {
      expect(() => refuseBlockingLinger(3, value, 'win32')).not.toThrow();
    }
  });

  it('leaves values it does not understand to the validator that follows it', () => {
    for (const value of [-1, '5', { enabled: 1, seconds: 5 }, { enabled: true, seconds: '5' }, null]) {
      expect(() => refuseBlockingLinger('route', value, 'win32')).not.toThrow();
    }
  });

  it.each(['linux', 'darwin', 'freebsd'] as const)('on %s, refuses nothing', (platform) => {
    for (const [, owner] of nodeOwned()) {
      for (const value of [...waiting, ...notWaiting]) {
        expect(() => refuseBlockingLinger(owner, value, platform)).not.toThrow();
      }
    }
  });

  it('defaults to the platform it runs on', () => {
    const call = (): void => refuseBlockingLinger(new net.Socket(), 5);
    if (process.platform === 'win32') expectCode(call, UNAVAILABLE);
    else expect(call).not.toThrow();
  });
});
