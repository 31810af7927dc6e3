import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CATALOG_SCHEMA_PATH,
  isCatalogSchemaCurrent,
  isWizardSchemaCurrent,
  WIZARD_SCHEMA_PATH,
} from '../../scripts/generate-wizard-schema';
import { catalogJsonSchemaText } from '../../shared/catalog/format';
import { wizardJsonSchemaText } from '../../shared/wizards/index';

const scratch = mkdtempSync(join(tmpdir(), 'wizard-schema-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('generate-wizard-schema', () => {
  it('finds the committed resources/wizard.schema.json current', () => {
    expect(WIZARD_SCHEMA_PATH.endsWith(join('resources', 'wizard.schema.json'))).toBe(true);
    expect(isWizardSchemaCurrent()).toBe(true);
  });

  it('finds the committed resources/catalog.schema.json current, and a changed one stale', () => {
    expect(CATALOG_SCHEMA_PATH.endsWith(join('resources', 'catalog.schema.json'))).toBe(true);
    expect(isCatalogSchemaCurrent()).toBe(true);
    const stale = join(scratch, 'catalog-stale.json');
    writeFileSync(stale, catalogJsonSchemaText().replace('"probes"', '"checks"'));
    expect(isCatalogSchemaCurrent(stale)).toBe(false);
  });

  it('calls a file stale when it differs from the format', () => {
    const stale = join(scratch, 'stale.json');
    writeFileSync(stale, wizardJsonSchemaText().replace('"steps"', '"stages"'));
    expect(isWizardSchemaCurrent(stale)).toBe(false);
    expect(isWizardSchemaCurrent(join(scratch, 'missing.json'))).toBe(false);
  });

  it('--check exits 0 on the committed file', () => {
    const root = join(import.meta.dirname, '..', '..');
    const result = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['scripts/generate-wizard-schema.ts', '--check'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(result.stdout).toMatch(/up to date/);
    expect(result.status).toBe(0);
  });
});
