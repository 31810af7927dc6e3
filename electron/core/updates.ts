import type { UpdateChannel, UpdateStatus } from '../../shared/ipc/update-views';
import { DeskError } from '../../shared/ipc/result';

/*
 * App updates as the desk core offers them (issue 14). The shell (electron/main/updater.ts,
 * electron-updater over a generic feed) plugs in as a DeskUpdater; without one (browser mode,
 * a checkout, no feed URL) the channels answer `unavailable` with the reason. The channel the
 * person picked is kept in the desk's settings and given to the updater at start.
 */

/** What the core needs from an updater; the shell's electron-updater one, or a test's. */
export type DeskUpdater = {
  status(): UpdateStatus;
  setChannel(channel: UpdateChannel): void;
  /** Asks the feed now; resolves once the check has an answer (or failed). */
  check(): Promise<void>;
  /** Quits and installs the downloaded update; refused unless one is ready. */
  restart(): void;
  onChanged(listener: (status: UpdateStatus) => void): () => void;
};

export type UpdateHandlerOptions = {
  updater: DeskUpdater | null;
  /** Why this desk does not update itself, when there is no updater. */
  unavailableReason: string;
  channel: () => UpdateChannel;
  saveChannel: (channel: UpdateChannel) => void;
  emit: (status: UpdateStatus) => void;
};

export function createUpdateHandlers(options: UpdateHandlerOptions) {
  const { updater } = options;
  const status = (): UpdateStatus =>
    updater?.status() ?? {
      channel: options.channel(),
      state: 'unavailable',
      feedUrl: null,
      version: null,
      percent: null,
      message: options.unavailableReason,
      checkedAt: null,
    };
  updater?.setChannel(options.channel());
  updater?.onChanged((next) => options.emit(next));

  return {
    'updates:status': () => status(),
    'updates:setChannel': (input: { channel: UpdateChannel }) => {
      options.saveChannel(input.channel);
      updater?.setChannel(input.channel);
      const next = status();
      options.emit(next);
      return next;
    },
    'updates:check': async () => {
      if (!updater) throw new DeskError('unavailable', options.unavailableReason);
      await updater.check();
      return status();
    },
    'updates:restart': () => {
      const current = status();
      if (current.state !== 'ready')
        throw new DeskError(
          'conflict',
          current.state === 'unavailable'
            ? options.unavailableReason
            : 'No update is downloaded yet: restart once the About page says "ready to install".',
        );
      updater?.restart();
      return current;
    },
  };
}
