import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native addon + real captures: separate processes keep a crash or a
    // privilege drop in one file from touching the others.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
