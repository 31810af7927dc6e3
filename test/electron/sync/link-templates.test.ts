import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Desk } from '../../../electron/core/desk';
import { upsertCustomers } from '../../../server/repo/writes';
import { parseLinksConfig } from '../../../server/links/config';
import { publishLinkTemplates } from '../../../server/repo/links';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import { customer, event, request, startTestServer, token, type TestServer } from '../../server/support/server';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';
import { call, openDesk } from './support/desks';

/**
 * Ticket and incident links (issue 14): the server's link templates reach the
 * desk in the global bucket, and an event's ticket id, incident id and alert
 * name come with the address its source system's template gives.
 */
const dirs = tempDirs('lk-links-');
let database: TestDatabase;
let server: TestServer;
let desk: Desk;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  await database.storage.transaction((db) => upsertCustomers(db, [customer('acme')]));
});
afterAll(async () => {
  await desk?.stop();
  desk?.close();
  await server.close();
  await database.dispose();
  dirs.cleanup();
});

it('links ticket ids, incident ids and alert names by the templates synced from the server', async () => {
  const templates = parseLinksConfig({
    templates: [
      { system: 'zendesk', kind: 'ticket', template: 'https://acme.zendesk.com/agent/tickets/{id}' },
      { system: 'pagerduty', kind: 'incident', template: 'https://acme.pagerduty.com/incidents/{externalId}' },
      { system: 'alertmanager', kind: 'alert', template: '{generatorURL}' },
    ],
  });
  expect(await database.storage.transaction((db) => publishLinkTemplates(db, templates))).toBe(true);
  // The same templates again change nothing (no new version for desks to pull).
  expect(await database.storage.transaction((db) => publishLinkTemplates(db, templates))).toBe(false);

  const ingest = await token(database.storage, { userId: 'feeder', role: 'ingest' });
  const dana = await token(database.storage, { userId: 'dana', role: 'desk' });
  const events = [
    event('acme', { kind: 'ticket', summary: 'SSO broken', source: { system: 'zendesk', externalId: 'ZD 1234' } }),
    event('acme', { kind: 'incident', summary: 'Exports down', source: { system: 'pagerduty', externalId: 'P9X' } }),
    event('acme', {
      kind: 'alert',
      summary: 'ExportJobLag',
      source: { system: 'alertmanager', externalId: 'fp-1' },
      links: { url: 'https://prometheus.example.com/graph?g0.expr=lag' },
      properties: { alertname: 'ExportJobLag' },
    }),
    // http from the producer is never linked.
    event('acme', {
      kind: 'alert',
      summary: 'Plain',
      source: { system: 'alertmanager', externalId: 'fp-2' },
      links: { url: 'http://prometheus.example.com/graph' },
      properties: { alertname: 'PlainAlert' },
    }),
    // A system without templates: the id, no link.
    event('acme', { kind: 'ticket', summary: 'Other', source: { system: 'jira', externalId: 'OPS-7' } }),
  ];
  expect((await request(server.url, 'POST', '/v1/events', ingest, { events })).status).toBe(200);

  desk = await openDesk(dirs.make(), server.url, dana);
  const page = async () => (await call(desk, 'timeline:page', { customerId: 'acme', limit: 50 })).rows;
  await waitFor(async () => (await page()).length === 5, 'the events synced');
  const linksOf = async (summary: string) => {
    const row = (await page()).find((candidate) => candidate.summary === summary);
    return (await call(desk, 'events:get', { eventId: row?.id ?? '' })).idLinks;
  };
  await waitFor(async () => (await linksOf('SSO broken'))[0]?.url !== null, 'the templates synced');
  expect(await linksOf('SSO broken')).toEqual([
    { kind: 'ticket', id: 'ZD 1234', url: 'https://acme.zendesk.com/agent/tickets/ZD%201234' },
  ]);
  expect(await linksOf('Exports down')).toEqual([
    { kind: 'incident', id: 'P9X', url: 'https://acme.pagerduty.com/incidents/P9X' },
  ]);
  expect(await linksOf('ExportJobLag')).toEqual([
    { kind: 'alert', id: 'ExportJobLag', url: 'https://prometheus.example.com/graph?g0.expr=lag' },
  ]);
  expect(await linksOf('Plain')).toEqual([{ kind: 'alert', id: 'PlainAlert', url: null }]);
  expect(await linksOf('Other')).toEqual([{ kind: 'ticket', id: 'OPS-7', url: null }]);
});
