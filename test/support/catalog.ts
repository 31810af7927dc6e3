import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PublishedCatalog } from '../../shared/catalog/format';
import { formatCatalogIssue, parseCatalog } from '../../shared/catalog/parse';
import { publishCatalog } from '../../shared/catalog/publish';

/** The repository's catalog files. */
export const DEMO_CATALOG_PATH = join(import.meta.dirname, '..', '..', 'resources', 'catalogs', 'demo.catalog.yaml');
export const WEBHOOKS_CATALOG_PATH = join(import.meta.dirname, '..', 'fixtures', 'catalog', 'webhooks.catalog.yaml');

const published = new Map<string, PublishedCatalog>();

/** A catalog file as a server publishes it to desks (parsed once per file); throws with its issues if it is broken. */
export function publishedCatalogOf(file: string): PublishedCatalog {
  const cached = published.get(file);
  if (cached) return cached;
  const parsed = parseCatalog(readFileSync(file, 'utf8'), file);
  if (!parsed.definition) throw new Error(parsed.issues.map(formatCatalogIssue).join('\n'));
  const catalog = publishCatalog(parsed.definition, '2026-01-05T09:00:00.000Z');
  published.set(file, catalog);
  return catalog;
}

/** The demo fleet's catalog as desks receive it: what the starter wizards are written against. */
export function demoPublishedCatalog(): PublishedCatalog {
  return publishedCatalogOf(DEMO_CATALOG_PATH);
}
