import { isOverdue, OPEN_FOLLOW_UP_STATES, type FollowUpFields } from '../../../shared/follow-ups';
import type { FollowUpView } from '../../../shared/ipc/follow-up-views';
import type { Channel } from '../../../shared/ipc/channels';
import type { Fixtures } from './fixtures';

/** The day the fake desk measures "overdue" against. */
export const FAKE_TODAY = '2026-11-20';
/** Who the fake desk's user is. */
export const FAKE_ME = 'you@ops.example';

/** A follow-up as the desk shows it, for fixtures. */
export function makeFollowUp(overrides: Partial<FollowUpView> & { id: string; customerId: string }): FollowUpView {
  const base: FollowUpView = {
    customerName: overrides.customerId,
    title: 'Follow-up',
    owner: null,
    state: 'open',
    dueDate: null,
    runId: null,
    problemId: null,
    release: null,
    ticketUrl: null,
    source: 'hand',
    createdBy: 'sam@ops.example',
    createdAt: '2026-11-18T09:00:00.000Z',
    updatedAt: '2026-11-18T09:00:00.000Z',
    ver: 1,
    pending: false,
    error: null,
    overdue: false,
    replaced: null,
    ...overrides,
  };
  return { ...base, overdue: isOverdue(base, FAKE_TODAY) };
}

/** The `followUps:*` channels over the fixtures' follow-ups, as the desk core answers them. */
export function createFakeFollowUps(fixtures: Fixtures): Partial<Record<Channel, (input: never) => unknown>> {
  const rows = fixtures.followUps ?? (fixtures.followUps = []);
  let seq = 0;
  const nameOf = (customerId: string) => fixtures.customers.find((customer) => customer.id === customerId)?.name ?? customerId;
  return {
    'followUps:list': (input: {
      scope: 'all' | 'mine' | 'overdue';
      customerId?: string;
      problemId?: string;
      includeClosed: boolean;
    }) => ({
      rows: rows
        .filter((row) => input.customerId === undefined || row.customerId === input.customerId)
        .filter((row) => input.problemId === undefined || row.problemId === input.problemId)
        .filter((row) => input.includeClosed || OPEN_FOLLOW_UP_STATES.includes(row.state))
        .filter((row) => input.scope !== 'mine' || row.owner === FAKE_ME)
        .filter((row) => input.scope !== 'overdue' || row.overdue),
      me: FAKE_ME,
      today: FAKE_TODAY,
    }),
    'followUps:counts': () => {
      const open = rows.filter((row) => OPEN_FOLLOW_UP_STATES.includes(row.state));
      const customers = [...new Set(open.map((row) => row.customerId))];
      return {
        open: open.length,
        overdue: open.filter((row) => row.overdue).length,
        mine: open.filter((row) => row.owner === FAKE_ME).length,
        byCustomer: customers.map((customerId) => ({
          customerId,
          open: open.filter((row) => row.customerId === customerId).length,
          overdue: open.filter((row) => row.customerId === customerId && row.overdue).length,
        })),
      };
    },
    'followUps:create': (input: Partial<FollowUpFields> & { customerId: string; title: string }) => {
      seq += 1;
      const created = makeFollowUp({
        ...input,
        id: `local-follow-up-${seq}`,
        customerName: nameOf(input.customerId),
        createdBy: FAKE_ME,
        ver: 0,
        pending: true,
      });
      rows.push(created);
      return created;
    },
    'followUps:update': (input: { followUpId: string; set: Partial<FollowUpFields> }) => {
      const index = rows.findIndex((row) => row.id === input.followUpId);
      const row = rows[index];
      if (!row) return { error: { code: 'not_found', message: 'That follow-up is not in the local cache.' } };
      const updated = makeFollowUp({ ...row, ...input.set, pending: true });
      rows[index] = updated;
      return updated;
    },
    // Known problems (issue 12): none unless a test overrides the channel.
    'problems:forCustomer': () => ({ problems: [] }),
    'followUps:history': (input: { followUpId: string }) => {
      const row = rows.find((candidate) => candidate.id === input.followUpId);
      if (!row) return { error: { code: 'not_found', message: 'That follow-up is not in the local cache yet.' } };
      return {
        revisions: [
          {
            id: `${row.id}-1`,
            ver: 1,
            kind: 'create',
            actor: row.createdBy,
            at: row.createdAt,
            changes: [{ field: 'title', value: row.title, replaced: null }],
          },
        ],
      };
    },
  };
}
