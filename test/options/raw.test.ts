// The escape hatch: generic getsockopt/setsockopt and the platform constants.
import { describe, expect, it } from 'vitest';
import { constants, getLinger, getsockopt, MAX_RAW_OPTION_BYTES, setsockopt } from '../../lib';
import { expectCode } from '../helpers/errors';
import { QEMU_TCP_INFO, readInt, under, windows } from '../helpers/platform';
import { pair } from '../helpers/sockets';

describe('constants', () => {
  it('holds only numbers, and cannot be changed', () => {
    for (const [name, value] of Object.entries(constants)) {
      expect(Number.isInteger(value), name).toBe(true);
    }
    expect(Object.isFrozen(constants)).toBe(true);
  });

  it('has what every platform defines, and only what this one does', () => {
    for (const name of ['SOL_SOCKET', 'IPPROTO_TCP', 'SO_LINGER', 'SO_REUSEADDR', 'TCP_NODELAY', 'IPV6_V6ONLY']) {
      expect(constants[name], name).toBeTypeOf('number');
    }
    if (process.platform === 'linux') {
      expect(constants.TCP_INFO).toBeTypeOf('number');
      expect(constants.SO_LINGER_SEC).toBeUndefined(); // Apple only
      expect(constants.TCP_CONNECTION_INFO).toBeUndefined();
    }
    // Windows' own option, a negative int; Windows has no SO_REUSEPORT and no TCP_INFO option.
    if (windows) {
      expect(constants.SO_EXCLUSIVEADDRUSE).toBe(~constants.SO_REUSEADDR);
      expect(constants.SO_REUSEPORT).toBeUndefined();
      expect(constants.TCP_INFO).toBeUndefined();
    } else {
      expect(constants.SO_EXCLUSIVEADDRUSE).toBeUndefined();
    }
  });
});

describe('getsockopt / setsockopt', () => {
  it('sets and reads an int option, given a number or a boolean', async () => {
    const { client } = await pair();
    const read = (): number => readInt(getsockopt(client, constants.IPPROTO_TCP, constants.TCP_NODELAY));
    setsockopt(client, constants.IPPROTO_TCP, constants.TCP_NODELAY, false);
    expect(read()).toBe(0);
    setsockopt(client, constants.IPPROTO_TCP, constants.TCP_NODELAY, true);
    expect(read()).toBe(1);
    setsockopt(client, constants.IPPROTO_TCP, constants.TCP_NODELAY, 0);
    expect(read()).toBe(0);
  });

  it('reads the kernel, not what was asked (Linux doubles SO_RCVBUF)', async () => {
    const { client } = await pair();
    setsockopt(client, constants.SOL_SOCKET, constants.SO_RCVBUF, 12345);
    const got = getsockopt(client, constants.SOL_SOCKET, constants.SO_RCVBUF).readInt32LE();
    expect(got).toBe(process.platform === 'linux' ? 2 * 12345 : 12345);
  });

  it('moves a struct as bytes from a Buffer, a TypedArray or a DataView', async () => {
    const { client } = await pair();
    // struct linger { int l_onoff; int l_linger; } on Linux and macOS, two u_shorts on Windows.
    const Field = windows ? Uint16Array : Int32Array;
    const size = Field.BYTES_PER_ELEMENT;
    setsockopt(client, constants.SOL_SOCKET, constants.SO_LINGER, new Field([1, 3]));
    expect(getLinger(client)).toEqual({ enabled: true, seconds: 3 });
    const view = new DataView(new ArrayBuffer(16), 4, 2 * size);
    new Field(view.buffer, view.byteOffset, 2).set([1, 9]);
    setsockopt(client, constants.SOL_SOCKET, constants.SO_LINGER, view);
    expect(getLinger(client)).toEqual({ enabled: true, seconds: 9 });
    const raw = getsockopt(client, constants.SOL_SOCKET, constants.SO_LINGER, 2 * size);
    expect([raw.readIntLE(0, size), raw.readIntLE(size, size)]).toEqual([1, 9]);
  });

  it.skipIf(under('qemu', QEMU_TCP_INFO))('trims the result to the length the kernel returned', async () => {
    const { client } = await pair();
    if (windows) {
      // No TCP_INFO option there; struct linger is 4 bytes. Winsock refuses
      // a buffer smaller than the option with EFAULT.
      expect(getsockopt(client, constants.SOL_SOCKET, constants.SO_LINGER, 4096)).toHaveLength(4);
      expectCode(() => getsockopt(client, constants.SOL_SOCKET, constants.SO_TYPE, 0), 'EFAULT');
      return;
    }
    const info = getsockopt(client, constants.IPPROTO_TCP, constants.TCP_INFO!, 4096);
    expect(info.length).toBeGreaterThanOrEqual(104); // the 2.6 struct
    expect(info.length).toBeLessThan(4096);
    expect(info[0]).toBe(1); // TCP_ESTABLISHED
    expect(getsockopt(client, constants.SOL_SOCKET, constants.SO_TYPE, 0)).toHaveLength(0);
  });

  it('validates level, name, value and length', async () => {
    const { client } = await pair();
    const { SOL_SOCKET, SO_KEEPALIVE } = constants;
    expectCode(() => getsockopt(client, -1, SO_KEEPALIVE), 'ERR_OUT_OF_RANGE');
    expectCode(() => getsockopt(client, SOL_SOCKET, 1.5), 'ERR_OUT_OF_RANGE');
    expectCode(() => getsockopt(client, '1' as never, SO_KEEPALIVE), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => getsockopt(client, SOL_SOCKET, SO_KEEPALIVE, -1), 'ERR_OUT_OF_RANGE');
    expectCode(() => getsockopt(client, SOL_SOCKET, SO_KEEPALIVE, MAX_RAW_OPTION_BYTES + 1), 'ERR_OUT_OF_RANGE');
    expectCode(() => getsockopt(client, SOL_SOCKET, SO_KEEPALIVE, '4' as never), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, 2 ** 31), 'ERR_OUT_OF_RANGE');
    expectCode(() => setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, NaN), 'ERR_OUT_OF_RANGE');
    expectCode(() => setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, '1' as never), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, null as never), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, new ArrayBuffer(4) as never), 'ERR_INVALID_ARG_TYPE');
    expectCode(
      () => setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, Buffer.alloc(MAX_RAW_OPTION_BYTES + 1)),
      'ERR_OUT_OF_RANGE',
    );
    // A short buffer reaches the kernel, which refuses it (Winsock with EFAULT).
    expectCode(
      () => setsockopt(client, SOL_SOCKET, constants.SO_LINGER, Buffer.alloc(0)),
      windows ? 'EFAULT' : 'EINVAL',
    );
    // A negative int is a legal value for some options; the kernel judges it.
    setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, -1);
    expect(readInt(getsockopt(client, SOL_SOCKET, SO_KEEPALIVE))).toBe(1);
  });
});
