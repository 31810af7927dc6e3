import type Database from 'better-sqlite3';
import type { Handlers } from '../../shared/ipc/contract';
import { DeskError } from '../../shared/ipc/result';
import type { WizardListItem } from '../../shared/ipc/wizard-views';
import { createRunHistoryQueries } from '../db/run-history';
import type { RunHost } from './host';
import type { LibraryEntry, WizardLibrary } from './library';
import { customerContext, describeReasons, eventContext, rankWizards, type ResolvingRun } from './suggest';

type WizardChannels = 'wizards:list' | 'wizards:get' | 'runs:start' | 'runs:get' | 'runs:list' | 'runs:history' | 'runs:act';

/** How many history rows one `runs:history` answer carries unless asked for fewer. */
const HISTORY_PAGE = 100;

function listItem(
  entry: LibraryEntry,
  isSuggested: boolean,
  reason: string | null,
  resolvedBy: ResolvingRun | null = null,
): WizardListItem {
  return {
    id: entry.id,
    version: entry.version,
    title: entry.title,
    description: entry.description,
    appliesTo: entry.appliesTo,
    isSuggested,
    reason,
    origin: entry.origin,
    resolvedBy: resolvedBy && {
      runId: resolvedBy.runId,
      outcome: resolvedBy.outcome,
      finishedAt: resolvedBy.finishedAt,
      actor: resolvedBy.actor,
      isLocal: resolvedBy.isLocal,
    },
  };
}

/** The contract handlers for the wizard library and runs. */
export function createWizardHandlers(deps: {
  db: Database.Database;
  library: WizardLibrary;
  host: RunHost;
  now: () => number;
}): Pick<Handlers, WizardChannels> {
  const { db, library, host } = deps;
  const history = createRunHistoryQueries(db);
  return {
    'wizards:list': (input) => {
      const context = input.eventId
        ? eventContext(db, input.eventId)
        : input.customerId
          ? customerContext(db, input.customerId, deps.now())
          : null;
      const ranked = rankWizards(library.latest(), context);
      return {
        wizards: ranked.map((suggestion) =>
          listItem(
            suggestion.entry,
            suggestion.isSuggested,
            suggestion.isSuggested ? describeReasons(suggestion.reasons) : null,
            suggestion.resolvedBy,
          ),
        ),
        ...(context?.scope === 'event' ? { isEventResolved: context.isResolved } : {}),
      };
    },
    'wizards:get': (input) => {
      const entry = library.find(input.wizardId, input.version);
      if (!entry) {
        throw new DeskError(
          'not_found',
          `Wizard "${input.wizardId}"${input.version ? ` version ${input.version}` : ''} is not in the library. Sync, then try again.`,
        );
      }
      return { ...listItem(entry, false, null), source: entry.source, definition: entry.definition };
    },
    'runs:start': (input) => host.start(input),
    'runs:get': (input) => host.get(input.runId),
    'runs:list': (input) => ({
      runs: host.list(input).map((run) => ({
        runId: run.runId,
        wizardId: run.wizardId,
        wizardVersion: run.wizardVersion,
        title: run.title,
        customerId: run.customerId,
        customerName: run.customerName,
        practice: run.practice,
        status: run.status,
        startedAt: run.startedAt,
        updatedAt: run.updatedAt,
        startedBy: run.startedBy,
      })),
    }),
    'runs:history': (input) => {
      const titles = new Map(library.latest().map((entry) => [entry.id, entry.title]));
      const since = input.days === undefined ? undefined : new Date(deps.now() - input.days * 86_400_000).toISOString();
      const { rows, next } = history.page({
        wizardId: input.wizardId,
        outcome: input.outcome,
        ranBy: input.ranBy,
        since,
        before: input.before ?? null,
        limit: input.limit ?? HISTORY_PAGE,
      });
      return {
        runs: rows.map(({ localTitle, ...row }) => ({ ...row, title: localTitle ?? titles.get(row.wizardId) ?? row.wizardId })),
        next,
        operators: history.operators(since),
      };
    },
    'runs:act': (input) => host.act(input.runId, input.act),
  };
}
