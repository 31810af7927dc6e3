import { useEffect } from 'react';
import { useDesk } from '../api/DeskContext';
import { changeTimeZone, useStore } from '../store/store';

/** Loads what the frame shows from the desk core and follows its events. */
export function useDeskState(): void {
  const desk = useDesk();
  const setInfo = useStore((state) => state.setInfo);
  const setSyncStatus = useStore((state) => state.setSyncStatus);
  const setRoute = useStore((state) => state.setRoute);
  const noteCacheChanged = useStore((state) => state.noteCacheChanged);
  const setIdentity = useStore((state) => state.setIdentity);

  useEffect(() => {
    let isLive = true;
    void desk.app.info().then((result) => {
      if (!isLive) return;
      if (result.ok) setInfo(result.value);
      else setInfo(null, result.error);
    });
    void desk.sync.status().then((result) => {
      if (isLive && result.ok) setSyncStatus(result.value);
    });
    void desk.identity.get().then((result) => {
      if (isLive && result.ok) setIdentity(result.value);
    });
    void desk.preferences.get().then((result) => {
      if (isLive && result.ok) changeTimeZone(result.value.timeZone);
    });
    const stopSync = desk.events.syncChanged((status) => setSyncStatus(status));
    const stopIdentity = desk.events.identityChanged((identity) => setIdentity(identity));
    const stopLinks = desk.events.appLinkOpened((route) => setRoute(route));
    const stopCache = desk.events.cacheChanged((change) => noteCacheChanged(change));
    return () => {
      isLive = false;
      stopSync();
      stopLinks();
      stopCache();
      stopIdentity();
    };
  }, [desk, setInfo, setSyncStatus, setRoute, noteCacheChanged, setIdentity]);
}
