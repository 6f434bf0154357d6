// The option table types each name's value: `npm run typecheck` (part of
// `npm run lint` and CI) fails if a wrong value stops being a type error,
// since each @ts-expect-error below must then find an error.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { getOption, optionNames, setOption, type Linger, type OptionValues, type Policy } from '../../lib';

function typeChecks(fd: number): void {
  setOption(fd, 'keepAliveIdleSecs', 30);
  setOption(fd, 'noDelay', true);
  setOption(fd, 'congestion', 'reno');
  setOption(fd, 'linger', { enabled: true, seconds: 0 });
  setOption(fd, 'linger', false);
  // @ts-expect-error a number option takes no boolean
  setOption(fd, 'keepAliveIdleSecs', true);
  // @ts-expect-error a boolean option takes no number
  setOption(fd, 'noDelay', 1);
  // @ts-expect-error a string option takes no number
  setOption(fd, 'congestion', 5);
  // @ts-expect-error no such option
  setOption(fd, 'keepAliveIdle', 30);
  // @ts-expect-error a policy's values are typed too
  const bad: Policy = { tos: '0x10' };
  void bad;
}

describe('option types', () => {
  it('getOption returns the type the table names', () => {
    expectTypeOf(getOption).returns.not.toBeAny();
    expectTypeOf<OptionValues['keepAliveIdleSecs']>().toEqualTypeOf<number>();
    expectTypeOf<OptionValues['noDelay']>().toEqualTypeOf<boolean>();
    expectTypeOf<OptionValues['bindToDevice']>().toEqualTypeOf<string>();
    expectTypeOf<OptionValues['linger']>().toEqualTypeOf<Linger>();
    // Every name the runtime knows is a key of the types.
    expectTypeOf(optionNames).toEqualTypeOf<readonly (keyof OptionValues)[]>();
    expect(typeof typeChecks).toBe('function');
  });
});
