import { useSyncExternalStore } from 'react';

/**
 * Whether a CSS media query matches now, following the window as it is resized. Where there is
 * no `matchMedia` (a test DOM), `fallback` stands in for the answer.
 */
export function useMediaQuery(query: string, fallback: boolean): boolean {
  return useSyncExternalStore(
    (onChange) => {
      if (typeof window.matchMedia !== 'function') return () => {};
      const list = window.matchMedia(query);
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    () => (typeof window.matchMedia === 'function' ? window.matchMedia(query).matches : fallback),
  );
}
