import { describe, expect, it } from 'vitest';
import { catalogSpecs } from '../../../shared/catalog/publish';
import { neutralResult } from '../../../electron/wizards/practice';
import { demoPublishedCatalog, publishedCatalogOf, WEBHOOKS_CATALOG_PATH } from '../../support/catalog';

/**
 * Practice runs answer probes from the catalog the desk synced (issue 11): the
 * probe's declared `example`, else a plain value of its declared result type —
 * for a shop's own catalog as for the demo's — and every answer fits the type
 * the engine checks it against.
 */

const now = '2026-01-05T09:00:00.000Z';
const customer = { id: 'acme-corp', name: 'Acme Corp', version: '5.2.0' };

describe('practice answers from the synced catalog', () => {
  it("answers a demo probe with the catalog's example", () => {
    const catalog = demoPublishedCatalog();
    const result = neutralResult({ source: 'probe', probe: 'sso.login', params: {} }, customer, now, catalog);
    expect(result).toEqual(catalog.probes.find((probe) => probe.name === 'sso.login')?.example);
  });

  it("answers a shop's probe that declares no example with a plain value of its result type, which the engine accepts", () => {
    const catalog = publishedCatalogOf(WEBHOOKS_CATALOG_PATH);
    for (const probe of catalog.probes) {
      expect(probe.example).toBeNull();
      const result = neutralResult({ source: 'probe', probe: probe.name, params: {} }, customer, now, catalog);
      const checked = catalogSpecs(catalog).probes.get(probe.name)?.result.safeParse(result);
      expect(checked?.success, `${probe.name}: ${JSON.stringify(result)}`).toBe(true);
    }
  });

  it('knows no probe the catalog does not have, and none before a catalog is synced', () => {
    const request = { source: 'probe' as const, probe: 'sso.login', params: {} };
    expect(neutralResult(request, customer, now, publishedCatalogOf(WEBHOOKS_CATALOG_PATH))).toEqual({});
    expect(neutralResult(request, customer, now, null)).toEqual({});
  });
});
