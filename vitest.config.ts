import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'test/electron/**/*.test.ts',
            'test/shared/**/*.test.ts',
            'test/server/**/*.test.ts',
            'test/scripts/**/*.test.ts',
            'test/lint/**/*.test.ts',
          ],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        plugins: [react()],
        test: {
          name: 'dom',
          environment: 'jsdom',
          include: ['test/renderer/**/*.test.{ts,tsx}'],
          setupFiles: ['test/renderer/setup.ts'],
          // A DOM test renders the app and types like a user: on a loaded 2-core machine that takes longer
          // than vitest's 5 s default. Waits end as soon as their condition holds, so this only bounds failures.
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
