import { useStore } from '../../store/store';
import { UpdatesPanel } from './UpdatesPanel';

/** Values read from the running desk core, through the contract. */
export function AboutView() {
  const info = useStore((state) => state.info);
  const error = useStore((state) => state.infoError);
  const openShortcuts = useStore((state) => state.setShortcutsOpen);
  return (
    <section aria-labelledby="about-title" className="page">
      <h1 id="about-title">About Lightkeeper</h1>
      <p>
        Everything works from the keyboard:{' '}
        <button type="button" className="link-button" aria-keyshortcuts="Shift+?" onClick={() => openShortcuts(true)}>
          Keyboard shortcuts
        </button>{' '}
        (press <kbd>?</kbd> anywhere).
      </p>
      {error ? (
        <p role="alert">Could not read app information: {error.message}</p>
      ) : info ? (
        <dl className="facts" aria-label="Application facts">
          <dt>Version</dt>
          <dd data-testid="about-version">{info.appVersion}</dd>
          <dt>Run mode</dt>
          <dd data-testid="about-mode">{info.mode}</dd>
          <dt>Data directory</dt>
          <dd data-testid="about-data-dir">
            <code>{info.dataDir}</code>
          </dd>
          <dt>Cache schema version</dt>
          <dd data-testid="about-schema">{info.cacheSchemaVersion}</dd>
          <dt>Cache file</dt>
          <dd>
            <code>{info.cachePath}</code>
          </dd>
          <dt>Platform</dt>
          <dd>{info.platform}</dd>
        </dl>
      ) : (
        <p>Reading from the desk core…</p>
      )}
      <UpdatesPanel />
    </section>
  );
}
