/**
 * Writes resources/wizard.schema.json from the wizard format's zod schema, and
 * resources/catalog.schema.json from the catalog format's (issue 11).
 *
 *   npx tsx scripts/generate-wizard-schema.ts          write the file
 *   npx tsx scripts/generate-wizard-schema.ts --check  exit 1 if the committed file is stale
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { catalogJsonSchemaText } from '../shared/catalog/format';
import { wizardJsonSchemaText } from '../shared/wizards/json-schema';

/** The committed schema file. */
export const WIZARD_SCHEMA_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'wizard.schema.json');

/** The committed catalog schema file. */
export const CATALOG_SCHEMA_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'catalog.schema.json');

/** Whether the file on disk equals what the format generates now. */
export function isWizardSchemaCurrent(path = WIZARD_SCHEMA_PATH): boolean {
  return existsSync(path) && readFileSync(path, 'utf8') === wizardJsonSchemaText();
}

/** Whether the catalog schema on disk equals what the catalog format generates now. */
export function isCatalogSchemaCurrent(path = CATALOG_SCHEMA_PATH): boolean {
  return existsSync(path) && readFileSync(path, 'utf8') === catalogJsonSchemaText();
}

const isEntryPoint = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isEntryPoint) {
  if (process.argv.includes('--check')) {
    for (const [name, isCurrent] of [
      ['wizard', isWizardSchemaCurrent()],
      ['catalog', isCatalogSchemaCurrent()],
    ] as const) {
      if (isCurrent) console.log(`resources/${name}.schema.json is up to date`);
      else {
        console.error(`resources/${name}.schema.json is stale: run npx tsx scripts/generate-wizard-schema.ts`);
        process.exitCode = 1;
      }
    }
  } else {
    writeFileSync(WIZARD_SCHEMA_PATH, wizardJsonSchemaText());
    writeFileSync(CATALOG_SCHEMA_PATH, catalogJsonSchemaText());
    console.log(`wrote ${WIZARD_SCHEMA_PATH} and ${CATALOG_SCHEMA_PATH}`);
  }
}
