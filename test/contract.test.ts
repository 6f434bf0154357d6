// The argument contract every export keeps, as Node keeps its own: misspelled
// keys are refused with the nearest valid one, ports fail as Node's do, and
// the published tables cannot be changed from outside.
import net from 'node:net';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  bindDgram,
  connect,
  constants,
  createConnection,
  features,
  installPolicy,
  limits,
  listen,
  listSockets,
  openBoundSocket,
  optionNames,
  optionTable,
  setOption,
  TCP_STATES,
  tcpStateName,
  undiciConnector,
  watchCloseWait,
} from '../lib';
import { expectCode } from './helpers/errors';
import { pair } from './helpers/sockets';
import { runtime } from './helpers/platform';
import dgram from 'node:dgram';

function nodeError(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('Node threw nothing');
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('nothing was thrown');
}

describe('misspelled keys', () => {
  const didYouMean = (err: Error, key: string, near: string, arg = 'options'): void => {
    expect((err as { code?: string }).code).toBe('ERR_INVALID_ARG_VALUE');
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toContain(`'${arg}.${key}'`);
    expect(err.message).toContain(`did you mean '${near}'?`);
  };

  it('openBoundSocket refuses reuseport, naming reusePort, and opens nothing', () => {
    didYouMean(
      expectCode(() => openBoundSocket({ type: 'tcp', reuseport: true } as never), 'ERR_INVALID_ARG_VALUE'),
      'reuseport',
      'reusePort',
    );
  });

  it('connect, listen and bindDgram refuse theirs before any socket exists', async () => {
    didYouMean(await rejection(connect({ port: 1, localport: 40000 } as never)), 'localport', 'localPort');
    didYouMean(await rejection(listen(new net.Server(), { reuseport: true } as never)), 'reuseport', 'reusePort');
    const udp = dgram.createSocket('udp4');
    try {
      didYouMean(await rejection(bindDgram(udp, { adress: '127.0.0.1' } as never)), 'adress', 'address');
    } finally {
      udp.close();
    }
  });

  it('the routes, installPolicy, the census and the watchdog refuse theirs', () => {
    didYouMean(
      expectCode(() => createConnection({}, { onapply: () => {} } as never), 'ERR_INVALID_ARG_VALUE'),
      'onapply',
      'onApply',
      'route',
    );
    didYouMean(
      expectCode(() => undiciConnector({}, { TLS: {} } as never), 'ERR_INVALID_ARG_VALUE'),
      'TLS',
      'tls',
    );
    didYouMean(
      expectCode(() => installPolicy({}, { onerror: () => {} } as never), 'ERR_INVALID_ARG_VALUE'),
      'onerror',
      'onError',
    );
    didYouMean(
      expectCode(() => listSockets({ states: 'LISTEN' } as never), 'ERR_INVALID_ARG_VALUE'),
      'states',
      'state',
    );
    didYouMean(
      expectCode(() => watchCloseWait({ afterMs: 5 } as never), 'ERR_INVALID_ARG_VALUE'),
      'afterMs',
      'after',
    );
  });

  it('an unknown option name gets the nearest name, not a list of all of them', async () => {
    const { client: a } = await pair();
    {
      const err = expectCode(() => setOption(a, 'keepalive' as never, true as never), 'ERR_INVALID_ARG_VALUE');
      expect(err.message).toContain("did you mean 'keepAlive'?");
      expect(err.message).not.toContain(optionNames.join(', '));
      const far = expectCode(() => setOption(a, 'zzzzzzzzzzzz' as never, true as never), 'ERR_INVALID_ARG_VALUE');
      expect(far.message).not.toContain(optionNames.join(', '));
      const policyKey = expectCode(() => installPolicy({ userTimeout: 5 } as never), 'ERR_INVALID_ARG_VALUE');
      expect(policyKey.message).toContain("did you mean 'userTimeoutMs'?");
    }
  });
});

describe("Node's own conventions", () => {
  it('a port out of range is RangeError ERR_SOCKET_BAD_PORT with the message Node gives', async () => {
    const ours = expectCode(() => openBoundSocket({ type: 'tcp', port: 70000 }), 'ERR_SOCKET_BAD_PORT');
    expect(ours).toBeInstanceOf(RangeError);
    // Node: 'Port should be >= 0 and < 65536. Received type number (70000).' (Bun's and Deno's own differ.)
    expect(ours.message).toBe('options.port should be >= 0 and < 65536. Received type number (70000).');
    const node = nodeError(() => new net.Socket().connect({ port: 70000 }));
    expect(node.code).toBe('ERR_SOCKET_BAD_PORT');
    if (runtime === undefined) expect(ours.message).toBe(node.message.replace(/^Port/, 'options.port'));
    const viaConnect = await rejection(connect({ port: -1 }));
    expect(viaConnect).toBeInstanceOf(RangeError);
    expect(viaConnect.code).toBe('ERR_SOCKET_BAD_PORT');
  });

  it('says "property" for a dotted name and "argument" for a plain one, as Node does', () => {
    const dotted = expectCode(() => openBoundSocket({ type: 'tcp', port: '80' as never }), 'ERR_INVALID_ARG_TYPE');
    expect(dotted.message).toMatch(
      /^The "options\.port" property must be of type number\. Received type string \('80'\)$/,
    );
    const plain = expectCode(() => listSockets(7 as never), 'ERR_INVALID_ARG_TYPE');
    expect(plain.message).toMatch(/^The "options" argument must be of type object\. Received type number \(7\)$/);
  });

  it('cuts a long inspected value as Node does (128 characters and ...)', () => {
    const err = expectCode(() => openBoundSocket({ type: 'x'.repeat(500) as never }), 'ERR_INVALID_ARG_VALUE');
    const received = err.message.slice(err.message.indexOf('Received ') + 'Received '.length);
    expect(received).toBe(`'${'x'.repeat(127)}...`);
  });

  it('types constants as numbers where every platform has them, number | undefined elsewhere', () => {
    expectTypeOf(constants.SOL_SOCKET).toEqualTypeOf<number>();
    expectTypeOf(constants.TCP_INFO).toEqualTypeOf<number | undefined>();
    expect(typeof constants.SOL_SOCKET).toBe('number');
    expect(constants.NO_SUCH_CONSTANT).toBeUndefined();
  });
});

describe('every export validates its arguments', () => {
  it('tcpStateName refuses an unknown numbering and a non-number, and knows no prototype keys', () => {
    expectCode(() => tcpStateName('nope' as never, 1), 'ERR_INVALID_ARG_VALUE');
    expectCode(() => tcpStateName('constructor' as never, 1), 'ERR_INVALID_ARG_VALUE');
    expectCode(() => tcpStateName('linux', '1' as never), 'ERR_INVALID_ARG_TYPE');
    expect(tcpStateName('linux', 99)).toBeUndefined();
    expect(tcpStateName('linux', 1)).toBe('ESTABLISHED');
  });

  it('limits refuses a wrong name and a prototype key', () => {
    expectCode(() => limits(7 as never), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => limits('toString' as never), 'ERR_INVALID_ARG_VALUE');
    expectCode(() => limits('__proto__' as never), 'ERR_INVALID_ARG_VALUE');
  });
});

describe('the published tables cannot be changed', () => {
  it('a write to optionTable neither lands nor changes validation', async () => {
    expect(Object.isFrozen(optionTable)).toBe(true);
    expect(Object.isFrozen(optionTable.keepAlive)).toBe(true);
    expect(() => {
      (optionTable.keepAlive as { value: string }).value = 'integer';
    }).toThrow(TypeError);
    expect(optionTable.keepAlive.value).toBe('boolean');
    const { client: a } = await pair();
    {
      expectCode(() => setOption(a, 'keepAlive', 1 as never), 'ERR_INVALID_ARG_TYPE');
    }
  });

  it('optionNames, features, TCP_STATES and constants are frozen', () => {
    for (const value of [optionNames, features, TCP_STATES, constants]) expect(Object.isFrozen(value)).toBe(true);
    expect(() => (optionNames as string[]).push('x')).toThrow(TypeError);
  });

  it('limits says the bounds the table gives this platform', () => {
    const linger = limits('linger');
    expect(linger).toMatchObject({ kind: 'linger', min: 0 });
    expect(limits('noDelay')).toEqual({ kind: 'boolean' });
    if (features.keepAliveCount) expect(limits('keepAliveCount')).toMatchObject({ kind: 'integer', min: 1 });
    else expect(limits('keepAliveCount')).toBeUndefined();
    if (features.congestion) expect(limits('congestion')).toEqual({ kind: 'string', maxBytes: 15 });
    expect(Object.isFrozen(linger)).toBe(true);
  });
});
