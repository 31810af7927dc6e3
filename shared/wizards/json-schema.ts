import { z } from 'zod';
import { WizardSchema } from './format';

/**
 * The JSON Schema for wizard authors, generated from {@link WizardSchema}: the same
 * definition validation uses, so the two cannot drift. Describes the input side
 * (fields with defaults are optional). Cross-step rules (targets, CEL, catalog
 * names) are beyond JSON Schema; `npm run wizards -- lint` checks those.
 */
export function wizardJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(WizardSchema, { io: 'input', target: 'draft-2020-12' });
  return { ...generated, title: 'Lightkeeper wizard' };
}

/** The schema file's exact text: two-space JSON and a final newline. */
export function wizardJsonSchemaText(): string {
  return `${JSON.stringify(wizardJsonSchema(), null, 2)}\n`;
}
