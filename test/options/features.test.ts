// What `features` and the table promise, on every OS (macOS, Windows, Wine
// too): each option either works or throws ERR_FEATURE_UNAVAILABLE_ON_PLATFORM.
import { describe, expect, it } from 'vitest';
import { apply, features, getOption, optionNames, runtimeLimits, setOption, type Policy } from '../../lib';
import { expectCode } from '../helpers/errors';
import { emulator, runtime } from '../helpers/platform';
import { type Host } from '../helpers/sockets';
import {
  cannotSet,
  linux,
  osRow,
  platform,
  qemu,
  rowOf,
  samples,
  settable,
  typeOf,
  UNAVAILABLE,
  unboundTcp,
} from './fixtures';

describe('features', () => {
  it('has a boolean for every option name, plus tcpInfo and bindHelpers, and nothing else', () => {
    expect(Object.keys(features).sort()).toEqual([...optionNames, 'tcpInfo', 'bindHelpers'].sort());
    for (const [name, value] of Object.entries(features)) expect(typeof value, name).toBe('boolean');
    expect(Object.isFrozen(features)).toBe(true);
  });

  it('runtimeLimits: none on Node; on Bun and Deno, what each lacks, frozen, bindHelpers among them', () => {
    expect(Object.isFrozen(runtimeLimits)).toBe(true);
    if (runtime === undefined) return expect(runtimeLimits).toEqual([]);
    expect(runtimeLimits.length).toBeGreaterThan(2);
    expect(runtimeLimits.some((l) => /bindHelpers/.test(l))).toBe(!features.bindHelpers);
    for (const limit of runtimeLimits) expect(limit).toMatch(/^[A-Z'].*\.$/);
  });

  it('supports no option that has no row for this OS', () => {
    const withoutRow = optionNames.filter((name) => osRow(name) === undefined);
    for (const name of withoutRow) expect(features[name], name).toBe(false);
    // Linux has a row for every option; macOS and Windows lack some.
    if (linux) expect(withoutRow).toEqual([]);
    else expect(withoutRow.length).toBeGreaterThan(0);
  });

  // Linux 4.11+ has every option; qemu-user answers some options it cannot
  // translate with ENOPROTOOPT, and features then reports them missing.
  it.runIf(linux)('on Linux, supports every option natively (under qemu, what qemu translates)', () => {
    const missing = optionNames.filter((name) => !features[name]);
    if (emulator === 'qemu') console.log(`under qemu, features lacks: ${missing.join(', ') || 'nothing'}`);
    else expect(missing).toEqual([]);
    // The options of every OS are there even under emulation.
    for (const name of ['keepAlive', 'recvBufferBytes', 'noDelay', 'linger', 'reuseAddress'] as const) {
      expect(features[name], name).toBe(true);
    }
  });

  describe.each(optionNames)('%s', (name) => {
    const row = rowOf(name);
    // The family the load-time probe asked: IPv6 for an IPv6-level option.
    const host: Host = osRow(name)?.level === 'IPPROTO_IPV6' ? '::1' : '127.0.0.1';

    it(`either works or throws ${UNAVAILABLE}, as features says`, () => {
      const fd = unboundTcp(host);
      const value = samples[name];
      if (!features[name]) {
        for (const call of [() => setOption(fd, name, value as never), () => getOption(fd, name)]) {
          const err = expectCode(call, UNAVAILABLE);
          expect(err).toBeInstanceOf(TypeError);
          expect(err.message).toContain(name);
        }
        // Skipped by name, whatever its value: nothing is validated or set.
        expect(apply(fd, { [name]: value })).toEqual({ applied: [], skipped: [{ name, reason: 'unsupported' }] });
        expect(apply(fd, { [name]: Symbol('not even a value') } as Policy).skipped).toEqual([
          { name, reason: 'unsupported' },
        ]);
        return;
      }
      // Windows before build 1709 sets the keepalive times through a
      // write-only ioctl: supported, but not readable.
      try {
        expect(typeof getOption(fd, name)).toBe(typeOf[row.value]);
      } catch (err) {
        expect(platform === 'win32' && /^keepAlive(Idle|Interval)Secs$/.test(name), String(err)).toBe(true);
        expect((err as { code?: string }).code).toBe(UNAVAILABLE);
      }
      // An unbound socket: every phase is still in time.
      if (settable.includes(name)) expect(apply(fd, { [name]: value })).toEqual({ applied: [name], skipped: [] });
      else expectCode(() => apply(fd, { [name]: value }), cannotSet.get(name)!);
    });
  });
});

describe.runIf(qemu)('under qemu-user', () => {
  it('the exceptions taken are qemu’s own: mark reads but does not set, bindToDevice sets but does not read back', () => {
    const fd = unboundTcp('127.0.0.1');
    expect(features.mark).toBe(true);
    expect(getOption(fd, 'mark')).toBe(0);
    expectCode(() => setOption(fd, 'mark', 1), 'ENOPROTOOPT');
    expect(getOption(fd, 'bindToDevice')).toBe('');
    setOption(fd, 'bindToDevice', 'lo');
    expectCode(() => getOption(fd, 'bindToDevice'), 'EINVAL');
  });
});
