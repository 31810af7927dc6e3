import { useId, useState } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useStore } from '../../store/store';

/** The header's "Alice Operator (you)": who the desk writes notes and runs as. */
export function SignedInAs() {
  const identity = useStore((state) => state.identity);
  if (!identity?.user) return null;
  return (
    <span className="signed-in-as" data-testid="signed-in-as" title={identity.user.email ?? identity.user.userId}>
      {identity.user.name} (you)
    </span>
  );
}

/** Sign in and out with the backend's identity provider; where sign-ins and tokens are kept. */
export function SignInPanel() {
  const desk = useDesk();
  const identity = useStore((state) => state.identity);
  const setIdentity = useStore((state) => state.setIdentity);
  const [busy, setBusy] = useState<'signIn' | 'signOut' | 'accept' | null>(null);
  const [error, setError] = useState<{ title: string; error: ContractError } | null>(null);
  const [forgetCache, setForgetCache] = useState(false);
  const forgetId = useId();

  if (!identity) return null;
  const run = async (kind: 'signIn' | 'signOut' | 'accept') => {
    setBusy(kind);
    setError(null);
    const result =
      kind === 'signIn'
        ? await desk.identity.signIn()
        : kind === 'signOut'
          ? await desk.identity.signOut({ forgetCache })
          : await desk.identity.acceptUnprotectedSecrets();
    setBusy(null);
    if (result.ok) setIdentity(result.value);
    else
      setError({
        title: kind === 'signIn' ? 'Sign-in did not finish' : kind === 'signOut' ? 'Sign-out did not finish' : 'Not changed',
        error: result.error,
      });
  };
  const { user } = identity;

  return (
    <section aria-labelledby="sign-in-title" className="panel sign-in">
      <h2 id="sign-in-title">Signed in</h2>
      {user ? (
        <p data-testid="sign-in-user">
          {user.name} (you){user.email ? ` · ${user.email}` : ''}
          {user.roles.length > 0 ? ` · ${user.roles.join(', ')}` : ''}
        </p>
      ) : (
        <p>{identity.signInNeeded ? 'Nobody is signed in. Sign in to sync with this backend.' : 'Not known yet.'}</p>
      )}
      {identity.method === 'oidc' && identity.signInNeeded ? (
        <p>
          <button type="button" className="primary" disabled={busy !== null} onClick={() => void run('signIn')}>
            {busy === 'signIn' ? 'Finish signing in in your browser…' : 'Sign in'}
          </button>{' '}
          {identity.issuer ? <span className="muted">with {identity.issuer}, in your browser</span> : null}
        </p>
      ) : null}
      {identity.method === 'oidc' && !identity.signInNeeded ? (
        <div>
          <label className="check" htmlFor={forgetId}>
            <input
              id={forgetId}
              type="checkbox"
              checked={forgetCache}
              onChange={(event) => setForgetCache(event.target.checked)}
            />
            Also delete the cached customer data on this computer (unsent notes are kept)
          </label>
          <button type="button" disabled={busy !== null} onClick={() => void run('signOut')}>
            {busy === 'signOut' ? 'Signing out…' : 'Sign out'}
          </button>
        </div>
      ) : null}
      <p className="muted" data-testid="secrets-place">
        {identity.secrets.description}
      </p>
      {identity.secrets.needsConsent ? (
        <p>
          <button type="button" disabled={busy !== null} onClick={() => void run('accept')}>
            Keep them without a keyring
          </button>{' '}
          <span className="muted">
            Anyone who can read your files could then use your sign-in and tokens. Without this you sign in again after each
            restart.
          </span>
        </p>
      ) : null}
      {error ? <ErrorMessage title={error.title} error={error.error} /> : null}
    </section>
  );
}
