import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { silentLogger } from '../../../electron/core/log';
import { openCache } from '../../../electron/db/cache';
import { createOutbox } from '../../../electron/db/outbox';
import { createWizardLibrary, type WizardLibrary } from '../../../electron/wizards/library';
import { customerContext, eventContext, rankWizards } from '../../../electron/wizards/suggest';
import { faultRoster } from '../../../server/demo/fleet';
import type { DemoFault } from '../../../server/demo/types';
import { tempDirs } from '../../support/temp';
import { customerWithFault, demoFleet, FLEET_NOW, seedCustomers } from './support/demo-cache';
import { LIBRARY_DIR } from './support/harness';

/**
 * Suggestions from the bundled library for demo customers: each fault's
 * customer gets the starter wizard for that fault first, from its own cached
 * evidence; a healthy customer gets no suggestion.
 */
const dirs = tempDirs('lk-wizard-suggest-');
const now = Date.parse(FLEET_NOW);
const expected: Record<DemoFault, string> = {
  sso_enforced_without_idp: 'sso-sign-in-failing',
  feature_entitlement_mismatch: 'feature-not-visible',
  provisioning_stuck: 'onboarding-provisioning-stuck',
  export_lag: 'export-job-behind',
  upgrade_regression: 'degraded-after-version-upgrade',
};
const healthy =
  demoFleet().customers.find(
    (customer) =>
      customer.health === 'ok' &&
      customer.lifecycle === 'live' &&
      !demoFleet().states.find((state) => state.customerId === customer.id)?.faults.length,
  )?.id ?? '';
let db: Database.Database;
let library: WizardLibrary;

beforeAll(() => {
  db = openCache({ dataDir: dirs.make(), log: silentLogger }).db;
  seedCustomers(db, createOutbox(db), [...Object.values(faultRoster(demoFleet())).flat(), healthy]);
  library = createWizardLibrary({ db, bundledDirectory: LIBRARY_DIR, log: silentLogger });
  library.loadBundled();
});
afterAll(() => {
  db.close();
  dirs.cleanup();
});

describe('for a customer', () => {
  it('ranks the SSO wizard first for the customer with an open SSO alert, and says why', () => {
    const ranked = rankWizards(library.latest(), customerContext(db, customerWithFault('sso_enforced_without_idp'), now));
    expect(ranked[0]?.entry.id).toBe('sso-sign-in-failing');
    expect(ranked[0]?.isSuggested).toBe(true);
    expect(ranked[0]?.reasons).toContain('feature sso is down');
    expect(ranked[0]?.reasons.some((reason) => /^open alert on sso: “SSO login failure rate 100%/.test(reason))).toBe(true);
    expect(ranked.find((suggestion) => suggestion.entry.id === 'feature-not-visible')?.isSuggested).toBe(false);
  });

  it.each(Object.entries(expected))(
    'suggests the wizard for %s first for every demo customer with that fault',
    (fault, wizardId) => {
      const customers = faultRoster(demoFleet())[fault as DemoFault];
      expect(customers.length).toBeGreaterThan(0);
      for (const customerId of customers) {
        const ranked = rankWizards(library.latest(), customerContext(db, customerId, now));
        expect({ customerId, first: ranked[0]?.entry.id, isSuggested: ranked[0]?.isSuggested }).toEqual({
          customerId,
          first: wizardId,
          isSuggested: true,
        });
      }
    },
  );

  it('suggests nothing for a healthy customer and lists the whole library by title', () => {
    const ranked = rankWizards(library.latest(), customerContext(db, healthy, now));
    expect(ranked.filter((suggestion) => suggestion.isSuggested)).toEqual([]);
    expect(ranked.map((suggestion) => suggestion.entry.title)).toEqual(
      [...ranked.map((suggestion) => suggestion.entry.title)].sort((a, b) => a.localeCompare(b)),
    );
    expect(ranked).toHaveLength(5);
  });

  it('refuses a customer the cache does not hold', () => {
    expect(() => customerContext(db, 'nobody', now)).toThrow(/not in the local cache/);
  });
});

describe('for an event', () => {
  it('ranks the SSO wizard first for the SSO alert', () => {
    const customerId = customerWithFault('sso_enforced_without_idp');
    const alertId = db
      .prepare("select event_id from threads where customer_id = ? and kind = 'alert' and feature = 'sso' and status = 'open'")
      .pluck()
      .get(customerId) as string;
    const ranked = rankWizards(library.latest(), eventContext(db, alertId));
    expect(ranked[0]?.entry.id).toBe('sso-sign-in-failing');
    expect(ranked[0]?.reasons[0]).toBe('the alert is about sso');
    expect(ranked.filter((suggestion) => suggestion.isSuggested).map((suggestion) => suggestion.entry.id)).toEqual([
      'sso-sign-in-failing',
    ]);
  });
});
