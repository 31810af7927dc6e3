import type { ContractError, ErrorCode } from '../../../shared/ipc/result';
import { navigate } from '../app/useHashRoute';

const NEXT_STEP: Record<ErrorCode, string> = {
  bad_request: 'Check what you entered and try again.',
  not_found: 'It is not in the local cache. Check the id, or sync and try again.',
  forbidden: 'The backend refused the credentials. Check the backend token on the Sync page.',
  conflict: 'It changed meanwhile. Try again to work on the latest version.',
  unavailable: 'The desk could not answer right now. Try again in a moment.',
  offline: 'You are offline. Everything already synced stays available; this will work again once the backend is reachable.',
  cache_too_new: 'The local cache was written by a newer Lightkeeper. Update the app to open it.',
  internal: 'Something went wrong inside the desk. Try again; if it keeps failing, look at the Sync page.',
  unauthorized: 'Your sign-in is needed. Sign in on the Sync page, then try again.',
};

/** A failed call, with what happened and what to do next: never a dead end. */
export function ErrorMessage({
  title,
  error,
  onRetry,
  compact = false,
}: {
  title: string;
  error: ContractError;
  onRetry?: () => void;
  compact?: boolean;
}) {
  return (
    <div role="alert" className={compact ? 'error-box compact' : 'error-box'}>
      <p className="error-title">{title}</p>
      <p>{error.message}</p>
      <p className="error-hint">{NEXT_STEP[error.code] ?? NEXT_STEP.internal}</p>
      <div className="error-actions">
        {onRetry ? (
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        ) : null}
        {error.code === 'forbidden' || error.code === 'offline' || error.code === 'internal' ? (
          <button type="button" onClick={() => navigate({ view: 'sync' })}>
            Open sync settings
          </button>
        ) : null}
      </div>
    </div>
  );
}
