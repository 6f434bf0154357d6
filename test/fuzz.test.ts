// A seeded slice of the fuzzer: the same calls on every run, so a failure
// reproduces. `npm run fuzz` runs a million (SOCKCTL_FUZZ_CALLS, SOCKCTL_FUZZ_SEED).
import { describe, expect, it } from 'vitest';
import { Fuzzer, Pcg32 } from './fuzz';
import { under } from './platform';

const calls = Number(process.env.SOCKCTL_FUZZ_CALLS ?? 20_000);
const seed = Number(process.env.SOCKCTL_FUZZ_SEED ?? 20261127);

describe('fuzz', () => {
  it('PCG32 gives the reference sequence', () => {
    // First outputs of pcg32_srandom(42, 54)-style seeding with the default stream.
    const a = new Pcg32(7);
    const b = new Pcg32(7);
    const seq = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seq);
    expect(new Set(seq).size).toBe(5);
    expect(new Pcg32(8).next()).not.toBe(seq[0]);
  });

  it.skipIf(under('qemu', 'a million-call loop is too slow under emulation; the slice runs natively'))(
    `${calls} calls with hostile arguments keep to the error contract (seed ${seed})`,
    async () => {
      const fuzzer = new Fuzzer(seed);
      await fuzzer.start();
      const problems = new Map<string, number>();
      try {
        for (let i = 0; i < calls; i++) {
          const { ok, problem } = await fuzzer.step();
          if (!ok) problems.set(problem!, (problems.get(problem!) ?? 0) + 1);
        }
      } finally {
        await fuzzer.stop();
      }
      expect(Object.fromEntries(problems)).toEqual({});
      expect(fuzzer.calls).toBe(calls);
    },
    600_000,
  );
});
