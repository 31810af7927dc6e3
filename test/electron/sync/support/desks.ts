import { createDesk, type Desk } from '../../../../electron/core/desk';
import { silentLogger } from '../../../../electron/core/log';
import type { Channel } from '../../../../shared/ipc/channels';
import type { Input, Output } from '../../../../shared/ipc/contract';
import type { Result } from '../../../../shared/ipc/result';
import { waitFor } from '../../../support/wait';

/** The value of a contract answer, or the error it carried as an exception. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** One typed contract call on a desk, unwrapped. */
export async function call<C extends Channel>(desk: Desk, channel: C, input: Input<C>): Promise<Output<C>> {
  return unwrap((await desk.dispatch(channel, input)) as Result<Output<C>>);
}

/** A desk core in this process, with short timeouts and backoff, pointed at `url` with `token`. */
export async function openDesk(dataDir: string, url: string, token: string, pullLimit = 50): Promise<Desk> {
  const desk = createDesk({
    dataDir,
    mode: 'browser',
    appVersion: 'test',
    platform: 'linux',
    log: silentLogger,
    requestTimeoutMs: 400,
    backoff: { baseMs: 20, capMs: 300 },
    pullLimit,
    bundledWizardsDir: null,
  });
  await call(desk, 'backend:set', { mode: 'remote', url, token });
  return desk;
}

/** Waits until the desk is online with its first copy complete and `customerId` in its cache. */
export async function online(desk: Desk, customerId = 'acme'): Promise<void> {
  await waitFor(async () => {
    const status = await call(desk, 'sync:status', undefined);
    return status.state === 'online' && !status.isBootstrapping;
  }, 'online');
  await waitFor(async () => (await desk.dispatch('customers:get', { customerId })).ok, `${customerId} in the cache`);
}
