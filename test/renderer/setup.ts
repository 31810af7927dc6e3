import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach } from 'vitest';
import { preloadPages } from '../../renderer/src/app/pages';
import { resetStore } from '../../renderer/src/store/store';

// findBy*/waitFor give up after 1 s by default, which a loaded machine can exceed while the condition is
// about to hold; they still return as soon as it holds.
configure({ asyncUtilTimeout: 5_000 });

// Pages are lazy chunks (#15, item 16); loaded ahead here, a page renders at once as it did before the split.
// test/renderer/features/lazy-pages.test.tsx covers the loading state and a page whose chunk fails.
beforeAll(preloadPages);

// React reports sibling elements with the same key only as a console error, and then may show one
// element's state in the other: a test that renders such a list fails.
const keyWarnings: string[] = [];
const consoleError = console.error.bind(console);
beforeEach(() => {
  keyWarnings.length = 0;
  console.error = (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (text.includes('Encountered two children with the same key')) keyWarnings.push(text);
    consoleError(...args);
  };
});

afterEach(() => {
  console.error = consoleError;
  if (keyWarnings.length > 0) {
    throw new Error(`React found sibling elements with the same key:\n${keyWarnings.join('\n')}`);
  }
});

afterEach(() => {
  cleanup();
  resetStore();
  window.localStorage.clear();
  window.location.hash = '';
});
