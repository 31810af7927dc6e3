import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';
import { resetStore } from '../../renderer/src/store/store';

// findBy*/waitFor give up after 1 s by default, which a loaded machine can exceed while the condition is
// about to hold; they still return as soon as it holds.
configure({ asyncUtilTimeout: 5_000 });

afterEach(() => {
  cleanup();
  resetStore();
  window.localStorage.clear();
  window.location.hash = '';
});
