import { useCallback, useEffect } from 'react';
import { useDesk } from '../../api/DeskContext';
import { useStore } from '../../store/store';

/**
 * The title of a wizard of this desk's library by its id, for pages that name a
 * wizard they did not list themselves (a known problem's workaround). Loads the
 * library once if no page did yet. The answer is `undefined` while it loads (show
 * the id), `null` once it is known that the library does not hold that wizard.
 */
export function useWizardTitles(): (wizardId: string) => string | null | undefined {
  const desk = useDesk();
  const library = useStore((state) => state.library);
  useEffect(() => {
    if (library.status === 'idle') void useStore.getState().loadLibrary(desk, { quiet: true });
  }, [desk, library.status]);
  return useCallback(
    (wizardId: string) => {
      const found = library.wizards.find((wizard) => wizard.id === wizardId);
      if (found) return found.title;
      return library.status === 'ready' ? null : undefined;
    },
    [library],
  );
}
