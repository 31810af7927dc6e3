import { createContext, useContext, type ReactNode } from 'react';
import type { DeskApi } from '../../../shared/ipc/contract';

const DeskContext = createContext<DeskApi | null>(null);

/** Provides the desk API to the component tree; tests pass a fake transport's API. */
export function DeskProvider({ api, children }: { api: DeskApi; children: ReactNode }) {
  return <DeskContext.Provider value={api}>{children}</DeskContext.Provider>;
}

/** The desk API of the nearest provider. */
export function useDesk(): DeskApi {
  const api = useContext(DeskContext);
  if (!api) throw new Error('useDesk must be used inside <DeskProvider>');
  return api;
}
