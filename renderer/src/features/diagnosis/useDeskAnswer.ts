import { useCallback, useEffect, useState } from 'react';
import type { ContractError, Result } from '../../../../shared/ipc/result';

/**
 * One desk call's answer for a view: asked again whenever `key` changes (or on
 * `retry`), answers to an earlier key dropped. The previous value stays on
 * screen while the next one loads (`isLoading`), so a refresh after
 * `cache:changed` never blanks the panel.
 */
export function useDeskAnswer<T>(
  key: string | null,
  ask: () => Promise<Result<T>>,
): { value: T | null; error: ContractError | null; isLoading: boolean; retry: () => void } {
  const [state, setState] = useState<{ key: string | null; attempt: number; value: T | null; error: ContractError | null }>({
    key: null,
    attempt: -1,
    value: null,
    error: null,
  });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (key === null) return;
    let isCurrent = true;
    void ask().then((result) => {
      if (!isCurrent) return;
      setState(
        result.ok ? { key, attempt, value: result.value, error: null } : { key, attempt, value: null, error: result.error },
      );
    });
    return () => {
      isCurrent = false;
    };
    // `ask` is a fresh closure each render; the key says when the question changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, attempt]);
  const retry = useCallback(() => setAttempt((value) => value + 1), []);
  const isLoading = key !== null && (state.key !== key || state.attempt !== attempt);
  return { value: state.value, error: isLoading ? null : state.error, isLoading, retry };
}
