import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_QUERIES, OUTCOMES, ROOT_CAUSES, STEP_KINDS, VALIDATION_CODES } from '../../../shared/wizards/index';
import { demoPublishedCatalog } from '../../support/catalog';

const guide = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'wizards.md'), 'utf8');

describe('docs/wizards.md', () => {
  it('explains every step kind, validation code, outcome, root cause and catalog entry', () => {
    const names = [
      ...STEP_KINDS,
      ...VALIDATION_CODES,
      ...OUTCOMES,
      ...ROOT_CAUSES,
      ...Object.keys(CACHE_QUERIES),
      ...demoPublishedCatalog().probes.map((probe) => probe.name),
      ...demoPublishedCatalog().actions.map((action) => action.name),
    ];
    const missing = names.filter((name) => !guide.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('lists each demo action with the risk level the demo catalog gives it', () => {
    for (const { name, risk } of demoPublishedCatalog().actions)
      expect(guide).toMatch(new RegExp(`\\| \`${name.replace('.', '\\.')}\` +\\|[^\\n]*\\| ${risk} +\\|`));
  });
});
