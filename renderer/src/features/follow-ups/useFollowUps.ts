import { useCallback, useEffect, useState } from 'react';
import type { FollowUpCounts, FollowUpsListOutput } from '../../../../shared/ipc/follow-up-views';
import type { ContractError } from '../../../../shared/ipc/result';
import type { Input } from '../../../../shared/ipc/contract';
import { useDesk } from '../../api/DeskContext';
import { useCacheRefresh } from '../../app/useCacheRefresh';

/**
 * Follow-ups matching `query`, read from the desk core and read again whenever
 * the cache changes (a sync, this desk's own write). `key` is the query as
 * text, so a new object with the same query does not reload.
 */
export function useFollowUps(query: Input<'followUps:list'>, concerns: (customerIds: readonly string[]) => boolean) {
  const desk = useDesk();
  const key = JSON.stringify(query);
  const [list, setList] = useState<FollowUpsListOutput | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  const [reloads, setReloads] = useState(0);
  const reload = useCallback(() => setReloads((count) => count + 1), []);

  useEffect(() => {
    let isCurrent = true;
    void desk.followUps.list(JSON.parse(key) as Input<'followUps:list'>).then((result) => {
      if (!isCurrent) return;
      if (result.ok) {
        setList(result.value);
        setError(null);
      } else setError(result.error);
    });
    return () => {
      isCurrent = false;
    };
  }, [desk, key, reloads]);

  useCacheRefresh(
    useCallback((change) => change.global || concerns(change.customerIds), [concerns]),
    reload,
  );
  return { list, error, reload };
}

/** Open and overdue follow-up counts for the fleet, kept current like {@link useFollowUps}. */
export function useFollowUpCounts() {
  const desk = useDesk();
  const [counts, setCounts] = useState<FollowUpCounts | null>(null);
  const [reloads, setReloads] = useState(0);
  useEffect(() => {
    let isCurrent = true;
    void desk.followUps.counts().then((result) => {
      if (isCurrent && result.ok) setCounts(result.value);
    });
    return () => {
      isCurrent = false;
    };
  }, [desk, reloads]);
  useCacheRefresh(
    useCallback((change) => change.global || change.customerIds.length > 0, []),
    useCallback(() => setReloads((count) => count + 1), []),
  );
  return counts;
}
