import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STEP_KINDS, wizardJsonSchema, wizardJsonSchemaText } from '../../../shared/wizards/index';

const committedPath = join(import.meta.dirname, '..', '..', '..', 'resources', 'wizard.schema.json');

describe('wizard JSON Schema', () => {
  it('is committed exactly as the format generates it (run npx tsx scripts/generate-wizard-schema.ts)', () => {
    expect(readFileSync(committedPath, 'utf8')).toBe(wizardJsonSchemaText());
  });

  it('describes every step kind and refuses unknown keys', () => {
    const schema = wizardJsonSchema() as {
      properties: { steps: { items: { oneOf: unknown[] } } };
      additionalProperties: boolean;
    };
    const text = JSON.stringify(schema.properties.steps);
    for (const kind of STEP_KINDS) expect(text).toContain(`"const":"${kind}"`);
    expect(schema.additionalProperties).toBe(false);
  });
});
