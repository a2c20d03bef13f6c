import { defineConfig } from 'vitest/config';

// Dawn finds no adapter inside worker threads, so tests run in forked processes.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
