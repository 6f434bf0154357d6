import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Native addons and worker threads don't mix: one process per file.
    pool: 'forks',
    // Most of a socket test's time is spent waiting on the kernel and on
    // peers (bounded polling for a state, a server starting), not on the CPU:
    // two files per core keep the cores busy. vitest's default (one fewer
    // than the cores) leaves a 2-core machine running one file at a time.
    maxWorkers: Math.max(2, availableParallelism() * 2),
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
