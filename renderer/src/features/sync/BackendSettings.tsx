import { useEffect, useId, useState, type FormEvent } from 'react';
import type { Output } from '../../../../shared/ipc/contract';
import type { ContractError } from '../../../../shared/ipc/result';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { safeHttpUrl } from '../../lib/values';

type Settings = Output<'backend:get'>;

/**
 * Demo backend or a remote server (URL, and a token for servers without an
 * identity provider or for automation; people sign in instead). The token is
 * write-only: the desk only says whether one is stored, and the field always starts empty.
 */
export function BackendSettings() {
  const desk = useDesk();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [loadError, setLoadError] = useState<ContractError | null>(null);
  const [mode, setMode] = useState<'demo' | 'remote'>('demo');
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<ContractError | null>(null);
  const [saved, setSaved] = useState(false);
  const [isSaving, setSaving] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const name = useId();

  useEffect(() => {
    let isCurrent = true;
    void desk.backend.get().then((result) => {
      if (!isCurrent) return;
      if (result.ok) {
        setSettings(result.value);
        setMode(result.value.mode);
        setUrl(result.value.url ?? '');
        setLoadError(null);
      } else setLoadError(result.error);
    });
    return () => {
      isCurrent = false;
    };
  }, [desk, attempt]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    if (mode === 'remote') {
      if (!safeHttpUrl(url)) {
        setProblem('Enter the server address as an http:// or https:// URL.');
        return;
      }
    }
    setProblem(null);
    setSaving(true);
    const result = await desk.backend.set(
      mode === 'demo'
        ? { mode: 'demo' }
        : { mode: 'remote', url: url.trim(), ...(token.trim() === '' ? {} : { token: token.trim() }) },
    );
    setSaving(false);
    // The token leaves the page's memory as soon as the desk has it (or refused it).
    setToken('');
    if (result.ok) {
      setSettings(result.value);
      setSaveError(null);
      setSaved(true);
    } else setSaveError(result.error);
  };

  return (
    <section aria-labelledby="backend-title" className="panel backend-settings">
      <h2 id="backend-title">Backend</h2>
      {loadError ? (
        <ErrorMessage
          title="Could not read the backend setting"
          error={loadError}
          onRetry={() => setAttempt((value) => value + 1)}
        />
      ) : null}
      <form onSubmit={(event) => void submit(event)} aria-describedby={`${name}-help`}>
        <p id={`${name}-help`} className="muted">
          The demo backend runs inside Lightkeeper with a simulated fleet. For a remote server enter its address; you then sign in
          with your company account. An access token is only for servers without sign-in.
        </p>
        <fieldset>
          <legend>Sync with</legend>
          <label className="check">
            <input type="radio" name={name} value="demo" checked={mode === 'demo'} onChange={() => setMode('demo')} />
            Demo backend (built in)
          </label>
          <label className="check">
            <input type="radio" name={name} value="remote" checked={mode === 'remote'} onChange={() => setMode('remote')} />
            Remote server
          </label>
        </fieldset>
        {mode === 'remote' ? (
          <>
            <label className="field">
              <span>Server URL</span>
              <input
                type="url"
                value={url}
                placeholder="https://ops.example.com"
                onChange={(event) => setUrl(event.target.value)}
              />
            </label>
            <label className="field">
              <span>Access token (optional)</span>
              <input
                type="password"
                value={token}
                autoComplete="off"
                placeholder={settings?.hasToken ? 'A token is stored; enter a new one to replace it' : 'Paste the token'}
                onChange={(event) => setToken(event.target.value)}
              />
            </label>
            <p className="muted">
              {settings?.hasToken
                ? 'A token is stored in the keychain. It is never shown again.'
                : 'No token is stored. Leave it empty to sign in with your company account.'}
            </p>
          </>
        ) : null}
        {problem ? (
          <p role="alert" className="field-error">
            {problem}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={isSaving}>
          {isSaving ? 'Saving…' : 'Save backend setting'}
        </button>
        {saved ? (
          <p aria-live="polite">
            Saved. Lightkeeper now syncs with {settings?.mode === 'remote' ? settings.url : 'the demo backend'}.
          </p>
        ) : null}
        {saveError ? <ErrorMessage title="The backend setting was not saved" error={saveError} /> : null}
      </form>
    </section>
  );
}
