import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach, beforeAll } from 'vitest';
import { preloadPages } from '../../renderer/src/app/pages';
import { resetStore } from '../../renderer/src/store/store';

// findBy*/waitFor give up after 1 s by default, which a loaded machine can exceed while the condition is
// about to hold; they still return as soon as it holds.
configure({ asyncUtilTimeout: 5_000 });

// Pages are lazy chunks (#15, item 16); loaded ahead here, a page renders at once as it did before the split.
// test/renderer/features/lazy-pages.test.tsx covers the loading state and a page whose chunk fails.
beforeAll(preloadPages);

afterEach(() => {
  cleanup();
  resetStore();
  window.localStorage.clear();
  window.location.hash = '';
});
