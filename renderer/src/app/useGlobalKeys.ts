import { useEffect } from 'react';
import type { AppRoute } from '../../../shared/routes';
import { NAV_ITEMS } from '../components/Sidebar';
import { isTypingTarget } from '../lib/keys';
import { useStore } from '../store/store';
import { matchesShortcut } from './shortcuts';
import { navigate } from './useHashRoute';

/** App-wide shortcuts (the "Anywhere" entries of `shortcuts.ts`): palette, search, the shortcut sheet, the views. */
export function useGlobalKeys(): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const store = useStore.getState();
      if (matchesShortcut(event, 'palette') && !event.shiftKey) {
        event.preventDefault();
        store.setPaletteOpen(!store.isPaletteOpen);
        return;
      }
      if (store.isPaletteOpen || store.isShortcutsOpen) return;
      const item = NAV_ITEMS.find((candidate) => matchesShortcut(event, `view-${candidate.view}`));
      if (item) {
        event.preventDefault();
        navigate({ view: item.view } as AppRoute);
        return;
      }
      if (isTypingTarget(event.target)) return;
      if (matchesShortcut(event, 'search')) {
        event.preventDefault();
        store.requestSearchFocus();
      } else if (matchesShortcut(event, 'help')) {
        event.preventDefault();
        store.setShortcutsOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
