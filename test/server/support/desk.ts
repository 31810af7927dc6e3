import { BucketPageSchema, PullResponseSchema, type Op, type PullResponse } from '../../../shared/sync/wire';
import { pull, pullRequest } from './server';

type BucketState = { cursor: string | null; pageToken: string | null };

/**
 * The smallest faithful sync client: discovers buckets, bootstraps them in
 * pages, catches up, applies ops only when their version is newer, and
 * re-bootstraps on reset. Tests compare what it ends up with to what was written.
 */
export class MiniDesk {
  readonly buckets = new Map<string, BucketState>();
  readonly rows = new Map<string, { ver: number; row: unknown }>();
  readonly responses: PullResponse[] = [];

  constructor(
    private readonly url: string,
    private readonly bearer: string,
    readonly clientId = `desk-${Math.random().toString(36).slice(2, 12)}`,
    private readonly limit = 1_000,
  ) {}

  /** One pull over every known bucket; returns the validated response. */
  async pullOnce(): Promise<PullResponse> {
    const buckets = [...this.buckets].map(([bucket, state]) => ({ bucket, cursor: state.cursor, pageToken: state.pageToken }));
    const response = PullResponseSchema.parse(await pull(this.url, this.bearer, pullRequest(this.clientId, buckets, this.limit)));
    this.responses.push(response);
    for (const entry of response.buckets) {
      if ('reset' in entry) {
        for (const key of [...this.rows.keys()]) if (key.startsWith(`${entry.bucket}|`)) this.rows.delete(key);
        this.buckets.set(entry.bucket, { cursor: null, pageToken: null });
        continue;
      }
      const page = BucketPageSchema.parse(entry);
      for (const op of page.ops) this.apply(page.bucket, op);
      const isBootstrapping = page.bootstrap !== undefined && !page.bootstrap.done;
      this.buckets.set(
        page.bucket,
        isBootstrapping
          ? { cursor: null, pageToken: page.bootstrap?.pageToken ?? null }
          : { cursor: page.cursor, pageToken: null },
      );
    }
    for (const bucket of response.addedBuckets)
      if (!this.buckets.has(bucket)) this.buckets.set(bucket, { cursor: null, pageToken: null });
    for (const bucket of response.removedBuckets) {
      this.buckets.delete(bucket);
      for (const key of [...this.rows.keys()]) if (key.startsWith(`${bucket}|`)) this.rows.delete(key);
    }
    return response;
  }

  /** Pulls until nothing is pending (no hasMore, no new buckets). */
  async sync(maxRounds = 1_000): Promise<void> {
    for (let round = 0; round < maxRounds; round += 1) {
      const response = await this.pullOnce();
      const isPending =
        response.addedBuckets.length > 0 ||
        response.buckets.some(
          (entry) => 'reset' in entry || entry.hasMore || (entry.bootstrap !== undefined && !entry.bootstrap.done),
        );
      if (!isPending) return;
    }
    throw new Error('sync did not settle');
  }

  /**
   * Syncs until `done` holds. Another transaction anywhere on the PostgreSQL
   * cluster (other test files) may hold the fence back for a moment; the
   * protocol promises delivery, not delivery on the first pull.
   */
  async syncUntil(done: (desk: MiniDesk) => boolean, maxRounds = 2_000): Promise<void> {
    for (let round = 0; round < maxRounds; round += 1) {
      await this.sync();
      if (done(this)) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('the expected rows never arrived');
  }

  row(bucket: string, entity: string, id: string): unknown {
    return this.rows.get(`${bucket}|${entity}|${id}`)?.row;
  }

  entityIds(bucket: string, entity: string): string[] {
    const prefix = `${bucket}|${entity}|`;
    return [...this.rows.keys()].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
  }

  private apply(bucket: string, op: Op): void {
    const key = `${bucket}|${op.entity}|${op.id}`;
    const current = this.rows.get(key);
    if (current && current.ver >= op.ver) return;
    if (op.op === 'del') this.rows.delete(key);
    else this.rows.set(key, { ver: op.ver, row: op.row });
  }
}
