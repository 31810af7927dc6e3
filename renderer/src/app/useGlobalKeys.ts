import { useEffect } from 'react';
import type { AppRoute } from '../../../shared/routes';
import { NAV_ITEMS } from '../components/Sidebar';
import { isPaletteShortcut, isTypingTarget } from '../lib/keys';
import { useStore } from '../store/store';
import { navigate } from './useHashRoute';

/** App-wide shortcuts: Ctrl/Cmd+K (palette), / (search), Alt+<n> (views, as the sidebar lists them). */
export function useGlobalKeys(): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const store = useStore.getState();
      if (isPaletteShortcut(event)) {
        event.preventDefault();
        store.setPaletteOpen(!store.isPaletteOpen);
        return;
      }
      if (store.isPaletteOpen) return;
      if (event.altKey && !event.ctrlKey && !event.metaKey) {
        const item = NAV_ITEMS.find((candidate) => candidate.shortcut === event.key);
        if (item) {
          event.preventDefault();
          navigate({ view: item.view } as AppRoute);
        }
        return;
      }
      if (event.key === '/' && !event.ctrlKey && !event.metaKey && !isTypingTarget(event.target)) {
        event.preventDefault();
        store.requestSearchFocus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
