import { useState } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import { useDesk } from '../../api/DeskContext';
import { navigate } from '../../app/useHashRoute';
import { useStore } from '../../store/store';

/** What to start: a wizard for a customer, for real or in practice, maybe from an event. */
export type StartRequest = { wizardId: string; customerId: string; practice: boolean; eventId?: string };

/** Starts runs and opens the runner; remembers which start is in flight and the desk's refusal. */
export function useStartRun() {
  const desk = useDesk();
  const startRun = useStore((state) => state.startRun);
  const [pendingKey, setPendingKey] = useState<string | null>(null);
  const [failure, setFailure] = useState<{ key: string; error: ContractError } | null>(null);

  const start = async (request: StartRequest) => {
    const key = startKey(request);
    setPendingKey(key);
    setFailure(null);
    const result = await startRun(desk, {
      wizardId: request.wizardId,
      customerId: request.customerId,
      practice: request.practice,
      ...(request.eventId ? { eventId: request.eventId } : {}),
    });
    setPendingKey(null);
    if (result.ok) navigate({ view: 'run', runId: result.value.runId });
    else setFailure({ key, error: result.error });
  };

  return { start, pendingKey, failure };
}

/** Identifies one start button. */
export function startKey(request: Pick<StartRequest, 'wizardId' | 'practice'>): string {
  return `${request.wizardId}:${request.practice ? 'practice' : 'real'}`;
}
