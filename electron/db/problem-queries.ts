import type Database from 'better-sqlite3';
import type {
  CustomerProblem,
  ProblemDetail,
  ProblemHistory,
  ProblemRegression,
  ProblemView,
} from '../../shared/ipc/problem-views';
import {
  assessHit,
  isPastFix,
  type Problem,
  type ProblemCreateArgs,
  type ProblemFields,
  type ProblemHit,
  type SignatureRule,
  suggestedWorkaround,
} from '../../shared/problems';
import type { Outbox } from './outbox';
import { createSignatureSeen } from './signature-seen';
import { fieldRevisions } from './field-revisions';

type Raw = {
  id: string;
  title: string;
  status: Problem['status'];
  rules: string;
  customers: string;
  workaround_wizard: string | null;
  fixed_version: string | null;
  fixed_at: string | null;
  owner: string | null;
  workaround: string | null;
  ticket_url: string | null;
  fix_url: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  ver: number;
};

type Counted = { customer_id: string; n: number; first_at: string | null; last_at: string | null; last_after: string | null };

function toProblem(raw: Raw): Problem {
  return {
    id: raw.id,
    title: raw.title,
    status: raw.status,
    rules: JSON.parse(raw.rules) as SignatureRule[],
    customers: JSON.parse(raw.customers) as string[],
    workaroundWizard: raw.workaround_wizard,
    fixedVersion: raw.fixed_version,
    fixedAt: raw.fixed_at,
    owner: raw.owner,
    workaround: raw.workaround,
    ticketUrl: raw.ticket_url,
    fixUrl: raw.fix_url,
    createdBy: raw.created_by,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
  };
}

/** This desk's writes of one problem the cache may not show yet. */
type Local = {
  create?: ProblemCreateArgs & { clientTime: string };
  set: Partial<ProblemFields>;
  isPending: boolean;
  error: string | null;
};

/** The highest code point: `prefix || MAX_CHAR` bounds every text starting with `prefix` (SQLite compares bytes). */
const MAX_CHAR = String.fromCodePoint(0x10ffff);

/**
 * Known problems from the cache alone (offline too): the synced problems with
 * this desk's own writes still on their way folded in (so an edit never flips
 * back on screen), and who they hit — cached events whose signature falls
 * under their rules, counted with the server's rule (shared/problems.ts
 * `assessHit`).
 */
/** How many days back a problem's signatures are counted on its page ("seen 12 times on 6 customers" in them) unless asked. */
export const PROBLEM_SEEN_WINDOW_DAYS = 30;

export function createProblemQueries(db: Database.Database, outbox?: Outbox, options: { now?: () => number } = {}) {
  const now = options.now ?? (() => Date.now());
  const signatureSeen = createSignatureSeen(db);
  const all = db.prepare<[], Raw>('select * from problems order by created_at, id');
  const one = db.prepare<[string], Raw>('select * from problems where id = ?');
  const version = db.prepare<[string], string>('select version from customers where id = ?').pluck();
  const customers = db.prepare<[], { id: string; name: string; version: string }>('select id, name, version from customers');
  const counts = db.prepare<
    { customerId: string; exact: string; prefixes: string; fixedAt: string | null },
    { n: number; first_at: string | null; last_at: string | null; last_after: string | null }
  >(
    `select count(*) as n, min(occurred_at) as first_at, max(occurred_at) as last_at,
            max(case when @fixedAt is not null and occurred_at > @fixedAt then occurred_at end) as last_after
       from events
      where customer_id = @customerId and signature is not null
        and (signature in (select value from json_each(@exact))
             or exists (select 1 from json_each(@prefixes) p where substr(signature, 1, length(p.value)) = p.value))`,
  );
  // Fleet-wide, per customer. Exact signatures and prefix ranges are separate arms so each reads the signature
  // index (one OR over both made SQLite scan every event); an event matching two rules counts once (distinct rid).
  const fleetCounts = db.prepare<{ exact: string; prefixes: string; fixedAt: string | null; maxChar: string }, Counted>(
    `with matched as (
       select e.rid, e.customer_id, e.occurred_at from events e
        where e.signature in (select value from json_each(@exact))
       union
       select e.rid, e.customer_id, e.occurred_at from json_each(@prefixes) p
         cross join events e on e.signature >= p.value and e.signature < p.value || @maxChar
                      and substr(e.signature, 1, length(p.value)) = p.value
     )
     select customer_id, count(*) as n, min(occurred_at) as first_at, max(occurred_at) as last_at,
            max(case when @fixedAt is not null and occurred_at > @fixedAt then occurred_at end) as last_after
       from matched group by customer_id`,
  );
  const revisions = fieldRevisions(db, 'problem');

  const exactOf = (rules: readonly SignatureRule[]) =>
    JSON.stringify(rules.flatMap((rule) => ('signature' in rule ? [rule.signature] : [])));
  const prefixesOf = (rules: readonly SignatureRule[]) =>
    JSON.stringify(rules.flatMap((rule) => ('prefix' in rule ? [rule.prefix] : [])));

  /** This desk's problem writes, folded per problem id in the order they were made. */
  function overlay(): Map<string, Local> {
    const locals = new Map<string, Local>();
    if (!outbox) return locals;
    for (const row of outbox.all()) {
      if (row.name !== 'problem.create' && row.name !== 'problem.update') continue;
      const args = row.args as { problemId: string; set?: Partial<ProblemFields> } & Partial<ProblemCreateArgs>;
      const local = locals.get(args.problemId) ?? { set: {}, isPending: false, error: null };
      if (row.name === 'problem.create') local.create = { ...(args as ProblemCreateArgs), clientTime: row.clientTime };
      else Object.assign(local.set, args.set ?? {});
      if (row.status === 'pending') local.isPending = true;
      if (row.status === 'rejected')
        local.error = `${row.lastError ?? 'The server refused this change.'} (${row.resultCode ?? 'rejected'})`;
      locals.set(args.problemId, local);
    }
    return locals;
  }

  function fromCreate(id: string, create: NonNullable<Local['create']>, me: string): Problem & { ver: number } {
    return {
      id,
      title: create.title,
      status: create.workaroundWizard ? 'known_error' : 'investigating',
      rules: create.rules ?? [],
      customers: create.customers ?? [],
      workaroundWizard: create.workaroundWizard ?? null,
      fixedVersion: null,
      fixedAt: null,
      owner: create.owner ?? null,
      workaround: create.workaround ?? null,
      ticketUrl: create.ticketUrl ?? null,
      fixUrl: null,
      createdBy: me,
      createdAt: create.clientTime,
      updatedAt: create.clientTime,
      ver: 0,
    };
  }

  /** Every customer the problem hits, from the cache. */
  function hitsOf(problem: Problem): ProblemHit[] {
    const versions = new Map(customers.all().map((row) => [row.id, row.version]));
    const rows = fleetCounts.all({
      exact: exactOf(problem.rules),
      prefixes: prefixesOf(problem.rules),
      fixedAt: problem.fixedAt,
      maxChar: MAX_CHAR,
    });
    const byCustomer = new Map(rows.map((row) => [row.customer_id, row]));
    for (const id of problem.customers)
      if (!byCustomer.has(id)) byCustomer.set(id, { customer_id: id, n: 0, first_at: null, last_at: null, last_after: null });
    const hits: ProblemHit[] = [];
    for (const row of byCustomer.values()) {
      const customerVersion = versions.get(row.customer_id);
      if (customerVersion === undefined) continue;
      hits.push(
        assessHit(problem, {
          customerId: row.customer_id,
          version: customerVersion,
          occurrences: row.n,
          firstAt: row.first_at,
          lastAt: row.last_at,
          lastAfterFixAt: row.last_after,
        }),
      );
    }
    return hits.sort((a, b) => a.customerId.localeCompare(b.customerId));
  }

  function toView(base: Problem & { ver: number }, local: Local | undefined): { view: ProblemView; hits: ProblemHit[] } {
    const problem: Problem = { ...base, ...(local?.set ?? {}) };
    const hits = hitsOf(problem);
    const lastAt = hits.reduce<string | null>(
      (latest, hit) => (hit.lastAt && (!latest || hit.lastAt > latest) ? hit.lastAt : latest),
      null,
    );
    return {
      hits,
      view: {
        ...problem,
        ver: base.ver,
        pending: local?.isPending === true && local.error === null,
        error: local?.error ?? null,
        replaced: base.ver > 0 ? revisions.replacedOf(base.id) : null,
        customersHit: hits.length,
        occurrences: hits.reduce((sum, hit) => sum + hit.occurrences, 0),
        regressions: hits.filter((hit) => hit.regression !== null).length,
        lastAt,
      },
    };
  }

  function synced(id: string): (Problem & { ver: number }) | null {
    const raw = one.get(id);
    return raw ? { ...toProblem(raw), ver: raw.ver } : null;
  }

  return {
    forCustomer(customerId: string): CustomerProblem[] {
      const customerVersion = version.get(customerId);
      if (customerVersion === undefined) return [];
      const locals = overlay();
      const found: CustomerProblem[] = [];
      for (const raw of all.all()) {
        const problem: Problem = { ...toProblem(raw), ...(locals.get(raw.id)?.set ?? {}) };
        const row = counts.get({
          customerId,
          exact: exactOf(problem.rules),
          prefixes: prefixesOf(problem.rules),
          fixedAt: problem.fixedAt,
        });
        const occurrences = row?.n ?? 0;
        if (occurrences === 0 && !problem.customers.includes(customerId)) continue;
        const hit = assessHit(problem, {
          customerId,
          version: customerVersion,
          occurrences,
          firstAt: row?.first_at ?? null,
          lastAt: row?.last_at ?? null,
          lastAfterFixAt: row?.last_after ?? null,
        });
        found.push({ problem, hit, suggestedWizard: suggestedWorkaround(problem, hit) });
      }
      const rank = (item: CustomerProblem) => (item.hit.regression ? 0 : item.problem.status === 'known_error' ? 1 : 2);
      return found.sort((a, b) => rank(a) - rank(b) || (b.hit.lastAt ?? '').localeCompare(a.hit.lastAt ?? ''));
    },

    /** Every known problem as shown (this desk's own new ones too), open ones first, newest signal first. */
    list(me: string): ProblemView[] {
      const locals = overlay();
      const views: ProblemView[] = [];
      for (const raw of all.all()) {
        views.push(toView({ ...toProblem(raw), ver: raw.ver }, locals.get(raw.id)).view);
        locals.delete(raw.id);
      }
      for (const [id, local] of locals) if (local.create) views.push(toView(fromCreate(id, local.create, me), local).view);
      const rank = (view: ProblemView) =>
        view.regressions > 0 ? 0 : view.status === 'closed' ? 3 : view.status === 'fixed' ? 2 : 1;
      return views.sort((a, b) => rank(a) - rank(b) || (b.lastAt ?? b.createdAt).localeCompare(a.lastAt ?? a.createdAt));
    },

    /**
     * One problem as shown with every customer it hits, its signatures counted over the
     * last `days` days, or null when neither the cache nor the outbox has it.
     */
    get(id: string, me: string, days = PROBLEM_SEEN_WINDOW_DAYS): ProblemDetail | null {
      const local = overlay().get(id);
      const base = synced(id) ?? (local?.create ? fromCreate(id, local.create, me) : null);
      if (!base) return null;
      const { view, hits } = toView(base, local);
      const names = new Map(customers.all().map((row) => [row.id, row.name]));
      const to = now();
      const from = new Date(to - days * 86_400_000).toISOString();
      return {
        problem: view,
        hits: hits.map((hit) => ({ ...hit, customerName: names.get(hit.customerId) ?? hit.customerId })),
        signatures: view.rules.map((rule) => signatureSeen.seen(rule, from, new Date(to).toISOString())),
      };
    },

    /** The synced row (the base of an edit). */
    synced,

    /**
     * Every customer where a fixed (or closed) problem's signature came back on
     * a version that carries the fix: what the fleet marks and filters by.
     */
    regressions(me: string): ProblemRegression[] {
      const locals = overlay();
      const bases: (Problem & { ver: number })[] = all.all().map((raw) => ({ ...toProblem(raw), ver: raw.ver }));
      for (const [id, local] of locals)
        if (local.create && !bases.some((base) => base.id === id)) bases.push(fromCreate(id, local.create, me));
      const found: ProblemRegression[] = [];
      for (const base of bases) {
        const problem: Problem = { ...base, ...(locals.get(base.id)?.set ?? {}) };
        if (!isPastFix(problem)) continue;
        for (const hit of hitsOf(problem))
          if (hit.regression)
            found.push({
              customerId: hit.customerId,
              problemId: problem.id,
              title: problem.title,
              fixedVersion: problem.fixedVersion ?? '',
              at: hit.regression.at,
              version: hit.regression.version,
            });
      }
      return found.sort((a, b) => a.customerId.localeCompare(b.customerId) || b.at.localeCompare(a.at));
    },

    /** Every write of a problem the cache holds, oldest first, with what each replaced. */
    history(id: string): ProblemHistory {
      return { revisions: revisions.history(id) };
    },
  };
}

export type ProblemQueries = ReturnType<typeof createProblemQueries>;
