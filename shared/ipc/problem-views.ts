import { z } from 'zod';
import { CustomerIdSchema } from '../domain';
import { ProblemSchema } from '../problems';

/** Contract shapes for known problems on the desk (issue 12), read from the synced problems and the cached events. */

const HitSchema = z.object({
  customerId: z.string(),
  linkedBy: z.enum(['signature', 'hand', 'both']),
  occurrences: z.number().int().nonnegative(),
  firstAt: z.string().nullable(),
  lastAt: z.string().nullable(),
  regression: z.object({ at: z.string(), version: z.string() }).nullable(),
});

/** A problem hitting one customer: how often, whether it came back after its fix, and the wizard to try first. */
export const CustomerProblemSchema = z.object({
  problem: ProblemSchema,
  hit: HitSchema,
  /** A known error's (or a regressed problem's) workaround wizard: offered before any other. */
  suggestedWizard: z.string().nullable(),
});
export type CustomerProblem = z.infer<typeof CustomerProblemSchema>;

export const ProblemsForCustomerInputSchema = z.strictObject({ customerId: CustomerIdSchema });
export const ProblemsForCustomerOutputSchema = z.object({ problems: z.array(CustomerProblemSchema) });
