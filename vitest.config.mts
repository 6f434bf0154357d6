import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Native addons and worker threads don't mix: one process per file.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
