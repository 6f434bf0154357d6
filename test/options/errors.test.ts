// The errors of setOption, getOption and apply: wrong types, out of range,
// unknown names, closed descriptors, and the kernel's own refusals (Linux).
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  apply,
  constants,
  fdOf,
  features,
  getOption,
  optionNames,
  setLinger,
  setOption,
  setsockopt,
  type ApplyError,
  type OptionName,
  type OptionRow,
  type Policy,
} from '../../lib';
import { errnoOf, expectCode } from '../helpers/errors';
import { onCleanup } from '../helpers/cleanup';
import { boundDgram, closedFd, pair } from '../helpers/sockets';
import { sockoptOnDup } from '../witness/dup';
import {
  bounds,
  linux,
  readBacks,
  rowOf,
  samples,
  supported,
  udp,
  UNAVAILABLE,
  unavailable,
  unboundTcp,
} from './fixtures';

/** Values of the wrong type for each kind of option. */
const wrongTypes: Record<OptionRow['value'], unknown[]> = {
  boolean: [1, 0, 'true', null, {}],
  integer: ['1', true, 1n, null, [], {}],
  string: [1, null, true, Buffer.from('lo'), ['lo']],
  linger: ['1', true, null, { enabled: 1, seconds: 0 }, { enabled: true, seconds: '1' }, { enabled: true }],
};

describe('errors', () => {
  describe.each(optionNames)('%s', (name) => {
    const row = rowOf(name);
    // An unsupported option is refused by name before its value is looked at.
    const valueCode = (code: string) => (features[name] ? code : UNAVAILABLE);

    it('throws TypeError ERR_INVALID_ARG_TYPE for a value of the wrong type, and for undefined', () => {
      const fd = unboundTcp('127.0.0.1');
      for (const value of [...wrongTypes[row.value], undefined]) {
        const err = expectCode(() => setOption(fd, name, value as never), valueCode('ERR_INVALID_ARG_TYPE'));
        expect(err).toBeInstanceOf(TypeError);
        if (features[name] && value !== undefined) {
          const inApply = expectCode(() => apply(fd, { [name]: value } as Policy), 'ERR_INVALID_ARG_TYPE');
          expect(inApply.message).toContain(`policy.${name}`);
        }
      }
      // In a policy, an undefined option is left out, not an error.
      expect(apply(fd, { [name]: undefined })).toEqual({ applied: [], skipped: [] });
    });

    it('throws RangeError ERR_OUT_OF_RANGE for a value out of range', () => {
      const fd = unboundTcp('127.0.0.1');
      const { min, max } = bounds(name);
      const bad: unknown[] =
        row.value === 'integer'
          ? [min - 1, max + 1, min + 0.5, NaN, Infinity, -Infinity]
          : row.value === 'linger'
            ? [-1, 1.5, max + 1, { enabled: true, seconds: -1 }, { enabled: false, seconds: NaN }]
            : row.value === 'string'
              ? ['x'.repeat(row.maxBytes! + 1), 'é'.repeat(Math.ceil((row.maxBytes! + 1) / 2))]
              : [];
      for (const value of bad) {
        const err = expectCode(() => setOption(fd, name, value as never), valueCode('ERR_OUT_OF_RANGE'));
        if (features[name]) expect(err).toBeInstanceOf(RangeError);
      }
      if (row.value === 'string') {
        // A NUL byte would cut the name short in the kernel.
        expectCode(() => setOption(fd, name, 'l\0o' as never), valueCode('ERR_INVALID_ARG_VALUE'));
      }
      if (row.value === 'boolean') expect(bad).toEqual([]);
    });
  });

  it('throws ERR_INVALID_ARG_VALUE for an unknown option name, and ERR_INVALID_ARG_TYPE for a name that is no string', () => {
    const fd = unboundTcp('127.0.0.1');
    for (const name of ['nope', '', '__proto__', 'toString', 'constructor', 'KEEPALIVE', 'keepalive']) {
      expect(expectCode(() => setOption(fd, name as never, true as never), 'ERR_INVALID_ARG_VALUE')).toBeInstanceOf(
        TypeError,
      );
      expectCode(() => getOption(fd, name as never), 'ERR_INVALID_ARG_VALUE');
    }
    for (const name of [1, null, undefined, Symbol('keepAlive'), {}, ['keepAlive']]) {
      expectCode(() => setOption(fd, name as never, true as never), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => getOption(fd, name as never), 'ERR_INVALID_ARG_TYPE');
    }
  });

  it('refuses a policy that is not an object', () => {
    const fd = unboundTcp('127.0.0.1');
    for (const policy of [null, undefined, 'tos', 1, true, [], [{ tos: 1 }], () => {}]) {
      expectCode(() => apply(fd, policy as never), 'ERR_INVALID_ARG_TYPE');
    }
    expect(apply(fd, {})).toEqual({ applied: [], skipped: [] });
  });

  it('validates a whole policy before any system call: an unknown key or a bad value sets nothing', () => {
    const fd = unboundTcp('127.0.0.1');
    const first = supported[0];
    const initial = getOption(fd, first);
    const changed = readBacks[first].set(initial as never);
    const err = expectCode(() => apply(fd, { [first]: changed, nope: 1 } as Policy), 'ERR_INVALID_ARG_VALUE');
    expect(err.message).toContain('policy.nope');
    expect(getOption(fd, first)).toEqual(initial);
    // The last option in table order is bad: the first is still not set.
    const lastInteger = [...supported].reverse().find((name) => rowOf(name).value === 'integer' && name !== first)!;
    expectCode(
      () => apply(fd, { [first]: changed, [lastInteger]: bounds(lastInteger).max + 1 } as Policy),
      'ERR_OUT_OF_RANGE',
    );
    expectCode(() => apply(fd, { [first]: changed, [lastInteger]: 'x' } as Policy), 'ERR_INVALID_ARG_TYPE');
    expect(getOption(fd, first)).toEqual(initial);
  });

  it('judges the arguments before the target has a socket, as Node does: a bad value is the error, not EBADF', () => {
    const unconnected = new net.Socket();
    expectCode(() => setLinger(unconnected, { enabled: true, seconds: -1 }), 'ERR_OUT_OF_RANGE');
    expectCode(() => setOption(unconnected, 'noDelay', 1 as never), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => apply(unconnected, { keepAliveIdleSecs: 0 }), 'ERR_OUT_OF_RANGE');
    expectCode(
      () => setsockopt(unconnected, constants.SOL_SOCKET, constants.SO_KEEPALIVE, 2 ** 40),
      'ERR_OUT_OF_RANGE',
    );
    // With good arguments, the target's own error.
    const err = expectCode(() => setLinger(unconnected, 0), 'EBADF') as NodeJS.ErrnoException;
    expect(err.syscall).toBe('fdOf');
    // The target's type and range still come first.
    expectCode(() => setLinger('7' as never, { enabled: true, seconds: -1 }), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => setLinger(-1, { enabled: true, seconds: -1 }), 'ERR_OUT_OF_RANGE');
  });

  it('throws EBADF, as a system error, for a closed descriptor', () => {
    const fd = closedFd();
    const name = supported[0];
    const get = expectCode(() => getOption(fd, name), 'EBADF') as NodeJS.ErrnoException;
    expect(get.syscall).toBe('getsockopt');
    const set = expectCode(() => setOption(fd, name, samples[name] as never), 'EBADF') as NodeJS.ErrnoException;
    expect(set.syscall).toBe('setsockopt');
    expect(set.errno).toBe(errnoOf('EBADF'));
  });

  describe.runIf(linux)('from the kernel (Linux)', () => {
    it('apply stops at a refused option: a Node-style error whose result says what was set before it', () => {
      if (unavailable('congestion')) return;
      const fd = unboundTcp('127.0.0.1');
      const policy: Policy = { tos: 0x28, noDelay: true, congestion: 'nonexistent', reuseAddress: true };
      const err = expectCode(() => apply(fd, policy), 'ENOENT') as ApplyError;
      expect(err).toBeInstanceOf(Error);
      expect(err.errno).toBe(errnoOf('ENOENT'));
      expect(err.syscall).toBe('setsockopt');
      expect(err.option).toBe('TCP_CONGESTION');
      expect(err.message).toBe('setsockopt ENOENT (TCP_CONGESTION)');
      expect(err.result).toEqual({ applied: ['tos', 'noDelay'], skipped: [] });
      // Set before it, and nothing after it.
      expect(getOption(fd, 'tos')).toBe(0x28);
      expect(getOption(fd, 'noDelay')).toBe(true);
      expect(getOption(fd, 'reuseAddress')).toBe(false);
    });

    it('apply skips the TCP-only options on a UDP socket as unsupported, and sets the rest', async () => {
      const socket = await boundDgram('127.0.0.1');
      const policy: Policy = { keepAlive: true, tos: 0x28, noDelay: true, reuseAddress: true };
      expect(apply(socket, policy)).toEqual({
        applied: ['tos', 'reuseAddress'],
        skipped: [
          { name: 'keepAlive', reason: 'unsupported' },
          { name: 'noDelay', reason: 'unsupported' },
        ],
      });
      const keepAliveAndReuse: Array<[number, number]> = [
        [constants.SOL_SOCKET, constants.SO_KEEPALIVE],
        [constants.SOL_SOCKET, constants.SO_REUSEADDR],
      ];
      // The kernel, on a duplicate in another process: SO_KEEPALIVE untouched, SO_REUSEADDR set.
      expect(sockoptOnDup(fdOf(socket), keepAliveAndReuse)).toEqual([0, 1]);
      // A bare descriptor is left to the kernel, which takes SO_KEEPALIVE on any socket and refuses TCP_NODELAY.
      const fd = udp('127.0.0.1');
      expect(apply(fd, policy)).toEqual({
        applied: ['keepAlive', 'tos', 'reuseAddress'],
        skipped: [{ name: 'noDelay', reason: 'unsupported' }],
      });
      expect(sockoptOnDup(fd, keepAliveAndReuse)).toEqual([1, 1]);
    });

    it('setOption and getOption refuse a TCP-only option on a UDP or Unix socket, before setting anything', async () => {
      const socket = await boundDgram('127.0.0.1');
      for (const name of ['keepAlive', 'noDelay', 'linger'] as const) {
        const err = expectCode(
          () => setOption(socket, name, (name === 'linger' ? 0 : true) as never),
          'ERR_SOCKET_OPTION_TCP_ONLY',
        );
        expect(err).toMatchObject({ option: name });
        expectCode(() => getOption(socket, name), 'ERR_SOCKET_OPTION_TCP_ONLY');
      }
      expect(sockoptOnDup(fdOf(socket), [[constants.SOL_SOCKET, constants.SO_KEEPALIVE]])).toEqual([0]);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockctl-unix-'));
      onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
      const server = net.createServer().listen(path.join(dir, 's'));
      onCleanup(() => server.close());
      await once(server, 'listening');
      const unix = net.connect(path.join(dir, 's'));
      onCleanup(() => unix.destroy());
      await once(unix, 'connect');
      // Before, keepAlive succeeded there and noDelay threw ENOTSUP.
      expectCode(() => setOption(unix, 'keepAlive', true), 'ERR_SOCKET_OPTION_TCP_ONLY');
      expectCode(() => setOption(unix, 'noDelay', true), 'ERR_SOCKET_OPTION_TCP_ONLY');
      expect(apply(unix, { noDelay: true }).skipped).toEqual([{ name: 'noDelay', reason: 'unsupported' }]);
      // Its bare descriptor: the kernel's refusal (EOPNOTSUPP), said as what it means.
      expectCode(() => setOption(fdOf(unix), 'noDelay', true), 'ERR_SOCKET_OPTION_TCP_ONLY');
      expectCode(() => getOption(fdOf(unix), 'noDelay'), 'ERR_SOCKET_OPTION_TCP_ONLY');
    });

    it('the error result lists what was skipped too late before the failure as well', async () => {
      if (unavailable('fastOpenQueue', 'congestion')) return;
      const { client } = await pair('127.0.0.1');
      const err = expectCode(
        () => apply(client, { tos: 0x28, fastOpenQueue: 5, congestion: 'nonexistent' }),
        'ENOENT',
      ) as ApplyError;
      expect(err.result).toEqual({ applied: ['tos'], skipped: [{ name: 'fastOpenQueue', reason: 'too-late' }] });
    });

    it('setOption throws the kernel refusal as a system error naming the option', () => {
      const fd = unboundTcp('127.0.0.1');
      const cases: Array<[OptionName, unknown, string, string]> = [
        ['congestion', 'nonexistent', 'ENOENT', 'TCP_CONGESTION'],
        // The table's range is 0 … 32767; Linux takes 0 or 88 … 32767.
        ['maxSegBytes', 50, 'EINVAL', 'TCP_MAXSEG'],
        ['bindToDevice', 'nosuchdev0', 'ENODEV', 'SO_BINDTODEVICE'],
      ];
      for (const [name, value, code, option] of cases) {
        if (unavailable(name)) continue;
        const err = expectCode(() => setOption(fd, name, value as never), code) as ApplyError;
        expect(err.syscall).toBe('setsockopt');
        expect(err.option).toBe(option);
        expect(err.message).toBe(`setsockopt ${code} (${option})`);
      }
      // A TCP-level option on a UDP socket is sockctl's refusal now, not the kernel's ENOTSUP.
      expectCode(() => getOption(udp('127.0.0.1'), 'noDelay'), 'ERR_SOCKET_OPTION_TCP_ONLY');
    });
  });
});
