import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' } },
      {
        // Against a real sandbox host: one file at a time, generous timeouts for boots.
        test: {
          name: 'integration', include: ['tests/integration/**/*.test.ts'], environment: 'node',
          fileParallelism: false, testTimeout: 240_000, hookTimeout: 400_000,
        },
      },
    ],
  },
});
