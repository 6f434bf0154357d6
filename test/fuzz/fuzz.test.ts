// A seeded slice of the fuzzer: the same calls on every run, so a failure
// reproduces. `npm run fuzz` runs a million (SOCKCTL_FUZZ_CALLS, SOCKCTL_FUZZ_SEED).
import { describe, expect, it } from 'vitest';
import { coverageProblems, FUNCTIONS, step, VALUES } from './exports';
import { Fuzzer } from './fixture';
import { observe } from './frozen';
import { Pcg32 } from './inputs';
import { emulator, under } from '../helpers/platform';

// Under Wine every call crosses the emulator's server: a smaller slice, the same contract.
const calls = Number(process.env.SOCKCTL_FUZZ_CALLS ?? (emulator === 'wine' ? 2_000 : 20_000));
const seed = Number(process.env.SOCKCTL_FUZZ_SEED ?? 20261127);

describe('fuzz', () => {
  it('PCG32 gives the same sequence for the same seed', () => {
    const a = new Pcg32(7);
    const b = new Pcg32(7);
    const seq = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seq);
    expect(new Set(seq).size).toBe(5);
    expect(new Pcg32(8).next()).not.toBe(seq[0]);
  });

  it('fuzzes every export of the package, each as what it is', () => {
    expect(coverageProblems()).toEqual([]);
  });

  it.skipIf(under('qemu', 'a million-call loop is too slow under emulation; the slice runs natively'))(
    `${calls} calls with hostile arguments keep to the error contract (seed ${seed})`,
    async () => {
      const fuzzer = new Fuzzer(seed);
      await fuzzer.start();
      const findings = new Map<string, { count: number; example: string }>();
      try {
        for (let i = 0; i < calls; i++) {
          const { ok, problem, example } = await step(fuzzer);
          if (ok) continue;
          const seen = findings.get(problem!) ?? { count: 0, example: example ?? '' };
          seen.count++;
          findings.set(problem!, seen);
        }
      } finally {
        await fuzzer.stop();
      }
      // Each finding once, with how often it came and the first call that showed it.
      expect(Object.fromEntries(findings)).toEqual({});
      const total = [...fuzzer.calls.values()].reduce((a, b) => a + b, 0);
      expect(total).toBe(calls);
      // A slice long enough reaches every function export.
      if (calls >= 5_000) expect(Object.keys(FUNCTIONS).filter((fn) => !fuzzer.calls.get(fn))).toEqual([]);
    },
    // About half a millisecond a call here; a long run gets room in proportion.
    Math.max(600_000, calls * 2),
  );

  it('the probes of the immutability check answer the same twice', () => {
    expect(observe()).toEqual(observe());
  });

  it.each(Object.keys(VALUES))('nothing written to %s changes what sockctl does', (name) => {
    expect(VALUES[name]()).toEqual([]);
  });
});
