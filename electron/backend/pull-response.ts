import { Ajv } from 'ajv';
import { z } from 'zod';
import {
  BucketPageSchema,
  BucketResetSchema,
  OpSchema,
  PullResponseSchema,
  type Op,
  type PullResponse,
} from '../../shared/sync/wire';

/*
 * The check of a pull response's envelope, at the desk's boundary. zod's PullResponseSchema walked every op of a
 * page (5,000 at bootstrap) through its object, enum, regex and integer checks and copied it: ~0.2–0.3 s of desk CPU
 * per 100,000 events (issue 13). Here the op lists are checked by the same op schema compiled to plain JavaScript
 * (`z.toJSONSchema` → Ajv) and passed on as they are; everything else in the response (buckets, cursors,
 * acknowledgements) still goes through zod's own schemas.
 *
 * The compiled check only lets through op lists zod would return unchanged: no key beyond the op's own (zod strips
 * them), lengths counted in characters (code points) as zod counts them. Anything else — a bad op, or a well-formed one with
 * extra keys — is parsed by the full PullResponseSchema, which decides and names the field in its error.
 */

const { $schema: _draft, ...opJsonSchema } = z.toJSONSchema(OpSchema, { io: 'input', target: 'draft-7' });
const isOpList = new Ajv({ strict: false }).compile({
  type: 'array',
  items: { ...opJsonSchema, additionalProperties: false },
});

const CheckedBucketPageSchema = BucketPageSchema.extend({ ops: z.custom<Op[]>((value) => isOpList(value)) });
const CheckedPullResponseSchema = PullResponseSchema.extend({
  buckets: z.array(z.union([CheckedBucketPageSchema, BucketResetSchema])),
});

/** PullResponseSchema's answer for a pull response's JSON, without zod's walk over every op when they are well formed. */
export const PullResponseCheck = {
  safeParse(json: unknown): z.ZodSafeParseResult<PullResponse> {
    const checked = CheckedPullResponseSchema.safeParse(json);
    return checked.success ? checked : PullResponseSchema.safeParse(json);
  },
};
