import { CHANNELS } from '../../shared/ipc/channels';
import { fail } from '../../shared/ipc/result';
import type { Dispatch } from './dispatch';

/** The part of Electron's `ipcMain` we use; tests pass a fake. */
export type IpcLike = {
  handle(channel: string, listener: (event: unknown, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
};

/**
 * Registers one handler per contract channel. Each call first checks the sender
 * (our own window's main frame, loaded from our own origin) and then dispatches.
 * Returns a function that removes the handlers again.
 */
export function registerContract(ipc: IpcLike, dispatch: Dispatch, isTrustedSender: (event: unknown) => boolean): () => void {
  for (const channel of CHANNELS) {
    ipc.handle(channel, (event, input) => {
      if (!isTrustedSender(event)) return fail('forbidden', 'This request did not come from the Lightkeeper window.');
      return dispatch(channel, input);
    });
  }
  return () => {
    for (const channel of CHANNELS) ipc.removeHandler(channel);
  };
}
