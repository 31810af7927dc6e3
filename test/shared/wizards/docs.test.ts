import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  CACHE_QUERIES,
  OUTCOMES,
  PROBES,
  ROOT_CAUSES,
  STEP_KINDS,
  VALIDATION_CODES,
} from '../../../shared/wizards/index';

const guide = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'wizards.md'), 'utf8');

describe('docs/wizards.md', () => {
  it('explains every step kind, validation code, outcome, root cause and catalog entry', () => {
    const names = [
      ...STEP_KINDS,
      ...VALIDATION_CODES,
      ...OUTCOMES,
      ...ROOT_CAUSES,
      ...Object.keys(CACHE_QUERIES),
      ...Object.keys(PROBES),
      ...Object.keys(ACTIONS),
    ];
    const missing = names.filter((name) => !guide.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('lists each action with the risk level the catalog gives it', () => {
    for (const [name, spec] of Object.entries(ACTIONS))
      expect(guide).toMatch(new RegExp(`\\| \`${name.replace('.', '\\.')}\` +\\|[^\\n]*\\| ${spec.risk} +\\|`));
  });
});
