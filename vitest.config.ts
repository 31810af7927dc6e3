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
            'test/bench/**/*.test.ts',
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
          // Run once per zone by the dom-tz-* projects below.
          exclude: ['test/renderer/time-zones/**'],
          setupFiles: ['test/renderer/setup.ts'],
          // A DOM test renders the app and types like a user: on a loaded 2-core machine that takes longer
          // than vitest's 5 s default. Waits end as soon as their condition holds, so this only bounds failures.
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      // Times on screen carry their zone (issue 14): the same DOM tests under two TZ settings, one behind UTC
      // and one ahead of it by a half hour, so a dropped zone or a hard-wired offset fails in at least one.
      ...['America/New_York', 'Asia/Kolkata'].map((zone) => ({
        plugins: [react()],
        test: {
          name: `dom-tz-${zone.split('/')[1]?.toLowerCase()}`,
          environment: 'jsdom',
          include: ['test/renderer/time-zones/**/*.test.{ts,tsx}'],
          setupFiles: ['test/renderer/setup.ts'],
          env: { TZ: zone },
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      })),
    ],
  },
});
