import { useEffect } from 'react';
import { parseHash, routeToHash, type AppRoute } from '../../../shared/routes';
import { useStore } from '../store/store';

/** Keeps the store's route and the address hash in step, both ways. */
export function useHashRoute(): void {
  const route = useStore((state) => state.route);
  const setRoute = useStore((state) => state.setRoute);
  const refuseLink = useStore((state) => state.refuseLink);

  useEffect(() => {
    const apply = () => {
      if (window.location.hash === '' || window.location.hash === '#') return;
      const parsed = parseHash(window.location.hash);
      if (parsed.ok) setRoute(parsed.route);
      else refuseLink(parsed.reason);
    };
    apply();
    window.addEventListener('hashchange', apply);
    return () => window.removeEventListener('hashchange', apply);
  }, [setRoute, refuseLink]);

  useEffect(() => {
    const hash = routeToHash(route);
    if (window.location.hash !== hash) window.history.replaceState(null, '', hash);
  }, [route]);
}

/** Navigates inside the app. */
export function navigate(route: AppRoute): void {
  useStore.getState().setRoute(route);
}
