import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Handlers, RunMode, SyncStatus } from '../../shared/ipc/contract';
import { DeskError } from '../../shared/ipc/result';
import { CACHE_MIGRATIONS } from '../db/migrations';
import { openDatabase } from '../db/open';
import { createDispatch, type Dispatch, type Logger } from '../ipc/dispatch';
import { createEventHub, type EventHub } from './events';

/** Everything the desk core needs from its host; nothing is reached for globally. */
export type DeskOptions = {
  dataDir: string;
  mode: RunMode;
  appVersion: string;
  platform: string;
  log: Logger;
  /** See `OpenOptions.nativeBinding`. */
  sqliteBinding?: string;
};

/** A running desk core. */
export type Desk = {
  cache: Database.Database;
  dispatch: Dispatch;
  events: EventHub;
  close(): void;
};

/** The cache file inside a data directory. */
export function cachePath(dataDir: string): string {
  return path.join(dataDir, 'cache.sqlite');
}

/** Opens the cache and wires the contract handlers. */
export function createDesk(options: DeskOptions): Desk {
  const file = cachePath(options.dataDir);
  const cache = openDatabase({ file, migrations: CACHE_MIGRATIONS, label: 'cache database', nativeBinding: options.sqliteBinding });
  const events = createEventHub();
  const syncStatus: SyncStatus = {
    state: 'not_configured',
    lastSyncAt: null,
    pendingOutbox: 0,
    message: 'No backend is configured yet.',
    isBootstrapping: false,
    backendUrl: null,
  };
  const pendingFeature = (what: string) => () => {
    throw new DeskError('unavailable', `${what} is not available in this build yet.`);
  };

  const handlers: Handlers = {
    'app:info': () => ({
      appVersion: options.appVersion,
      mode: options.mode,
      dataDir: options.dataDir,
      cachePath: file,
      cacheSchemaVersion: cache.pragma('user_version', { simple: true }) as number,
      platform: options.platform,
    }),
    'sync:status': () => syncStatus,
    'sync:now': () => syncStatus,
    'backend:get': () => ({ mode: 'demo', url: null, hasToken: false }),
    'backend:set': pendingFeature('Choosing a backend'),
    'customers:list': pendingFeature('The customer list'),
    'customers:get': pendingFeature('The customer page'),
    'timeline:page': pendingFeature('The timeline'),
    'events:get': pendingFeature('Event details'),
    'events:precedingChanges': pendingFeature('Preceding changes'),
    'search:query': pendingFeature('Search'),
    'notes:create': pendingFeature('Notes'),
    'notes:update': pendingFeature('Notes'),
  };

  return {
    cache,
    dispatch: createDispatch(handlers, options.log),
    events,
    close() {
      cache.close();
    },
  };
}
