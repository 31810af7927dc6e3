import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackendError, createBackendClient } from '../../../electron/backend/client';
import { PullResponseCheck } from '../../../electron/backend/pull-response';
import { PullResponseSchema, type PullResponse } from '../../../shared/sync/wire';
import { eventRow, pullResponse, put } from '../../support/rows';

// Issue 13: the desk checks a pull response's op lists with OpSchema compiled by Ajv instead of zod's walk over every
// op, and must answer exactly what PullResponseSchema answers: the same refusals, the same data.

const event = eventRow('acme', '2026-11-01T10:00:00.000Z');
const good = (): PullResponse =>
  pullResponse(
    [
      { bucket: 'customer:acme', ops: [put('event', event.id, event), { op: 'del', entity: 'note', id: 'n1', ver: 3 }] },
      { bucket: 'customer:globex', ops: [], cursor: 'c2', hasMore: true, bootstrap: { pageToken: 'p', done: false } },
    ],
    { addedBuckets: ['global'], acked: { lastSeq: 2, results: [{ seq: 2, status: 'applied' }] } },
  );

describe('PullResponseCheck', () => {
  it('passes well-formed op lists on as they are, with the answer zod gives', () => {
    const json = good();
    const checked = PullResponseCheck.safeParse(json);
    expect(checked.success).toBe(true);
    expect(checked.data).toEqual(PullResponseSchema.parse(json));
    const page = checked.data?.buckets[0];
    // The same array, not zod's copy: the ops were not walked by zod.
    expect(page && 'ops' in page ? page.ops : null).toBe(json.buckets[0] && 'ops' in json.buckets[0] ? json.buckets[0].ops : []);
  });

  it('refuses what zod refuses, with its issues, and strips what zod strips', () => {
    // What each case spoils (for the failure message).
    const refusals: [string, (json: { buckets: { ops: Record<string, unknown>[] }[] }) => void][] = [
      ['buckets.0.ops.1.ver', (json) => void (json.buckets[0]!.ops[1]!.ver = -1)],
      ['buckets.0.ops.1.ver', (json) => void (json.buckets[0]!.ops[1]!.ver = 1.5)],
      ['buckets.0.ops.0.op', (json) => void (json.buckets[0]!.ops[0]!.op = 'upsert')],
      ['buckets.0.ops.0.entity', (json) => void (json.buckets[0]!.ops[0]!.entity = 'Event')],
      ['buckets.0.ops.0.id', (json) => void (json.buckets[0]!.ops[0]!.id = '')],
      // zod counts characters (code points), not UTF-16 units: 301 rockets are too long, 200 (400 units) are not.
      ['buckets.0.ops.0.id', (json) => void (json.buckets[0]!.ops[0]!.id = '🚀'.repeat(301))],
    ];
    for (const [path, spoil] of refusals) {
      const json = good() as unknown as { buckets: { ops: Record<string, unknown>[] }[] };
      spoil(json);
      const checked = PullResponseCheck.safeParse(json);
      expect(checked.success, path).toBe(false);
      // zod's own issues: the bad op's field, or the page holding it where zod's union names only the page.
      expect(checked.error?.issues, path).toEqual(PullResponseSchema.safeParse(json).error?.issues);
      expect(path.startsWith(checked.error?.issues[0]?.path.join('.') ?? 'none'), path).toBe(true);
    }
    const astral = good() as unknown as { buckets: { ops: Record<string, unknown>[] }[] };
    astral.buckets[0]!.ops[1]!.id = '🚀'.repeat(200);
    expect(PullResponseCheck.safeParse(astral).data).toEqual(PullResponseSchema.parse(astral));
    const extra = good() as unknown as { buckets: { ops: Record<string, unknown>[] }[] };
    extra.buckets[0]!.ops[1]!.reset = true;
    const stripped = PullResponseCheck.safeParse(extra);
    expect(stripped.data).toEqual(PullResponseSchema.parse(extra));
    expect(stripped.data?.buckets[0] && 'ops' in stripped.data.buckets[0] ? stripped.data.buckets[0].ops[1] : null).toEqual({
      op: 'del',
      entity: 'note',
      id: 'n1',
      ver: 3,
    });
  });

  it('agrees with PullResponseSchema on generated responses, good and bad', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('', 'event', 'del', 'put', '🚀'.repeat(151), 'a'.repeat(301)),
    );
    const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-0, 2 ** 53, -1, 0));
    const op = fc.record(
      {
        op: fc.oneof(fc.constantFrom('put', 'del'), text),
        entity: fc.oneof(fc.constantFrom('event', 'note', 'follow_up'), text),
        id: text,
        ver: fc.oneof(number, fc.constant(null), text),
        row: fc.oneof(fc.constant(undefined), fc.jsonValue()),
        extra: fc.oneof(fc.constant(undefined), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    const ops = fc.oneof(fc.array(op, { maxLength: 6 }), fc.jsonValue());
    fc.assert(
      fc.property(ops, fc.boolean(), (list, isReset) => {
        const json = JSON.parse(
          JSON.stringify({
            buckets: [
              isReset
                ? { bucket: 'customer:acme', reset: true, reason: 'rekeyed', ops: list }
                : { bucket: 'customer:acme', ops: list, cursor: 'c', hasMore: false },
            ],
            addedBuckets: [],
            removedBuckets: [],
            acked: { lastSeq: 0, results: [] },
          }),
        ) as unknown;
        const checked = PullResponseCheck.safeParse(json);
        const parsed = PullResponseSchema.safeParse(json);
        expect(checked.success).toBe(parsed.success);
        if (parsed.success) expect(checked.data).toEqual(parsed.data);
        else expect(checked.error?.issues).toEqual(parsed.error.issues);
      }),
      { numRuns: 500 },
    );
  });

  it('makes the backend client refuse a response with a bad op, with a typed error naming the page', async () => {
    const json = good() as unknown as { buckets: { ops: Record<string, unknown>[] }[] };
    json.buckets[0]!.ops[0]!.ver = 'one';
    const client = createBackendClient({
      baseUrl: 'http://backend.test',
      token: 'token',
      fetch: async () => new Response(JSON.stringify(json), { headers: { 'content-type': 'application/json' } }),
    });
    const refused = await client
      .pull({ protocol: 1, clientId: 'desk-0001', schemaVersion: 1, limit: 10, buckets: [] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BackendError);
    expect(refused).toMatchObject({ kind: 'invalid' });
    expect((refused as Error).message).toMatch(/^The backend sent an unexpected response \(buckets\.0[.:]/);
  });
});
