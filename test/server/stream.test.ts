import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBucket } from '../../shared/sync/wire';
import type { Storage } from '../../server/storage/types';
import { createTestDatabase, type TestDatabase } from './support/database';
import { openStream } from './support/stream';
import { addCustomers, event, request, startTestServer, token, type TestServer } from './support/server';

let database: TestDatabase;
let server: TestServer;
let adminToken: string;
let ingestToken: string;

async function ingest(url: string, customerId: string): Promise<void> {
  const response = await request(url, 'POST', '/v1/events', ingestToken, { events: [event(customerId)] });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage, { heartbeatMs: 50 });
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  ingestToken = await token(database.storage, { userId: 'feeder', role: 'ingest' });
  await addCustomers(database.storage, ['acme', 'globex']);
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

describe('GET /v1/stream', () => {
  it('pokes the changed bucket after an ingest, with no data, and sends heartbeats', async () => {
    const stream = await openStream(server.url, adminToken);
    try {
      expect(stream.status).toBe(200);
      await ingest(server.url, 'acme');
      const poke = await stream.waitForPoke((item) => item.buckets.includes(customerBucket('acme')));
      expect(Object.keys(poke).sort()).toEqual(['buckets', 'type']);
      while (!stream.comments.includes('heartbeat')) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      stream.close();
    }
  });

  it('never pokes a scoped token about customers outside its scope', async () => {
    const scoped = await token(database.storage, { userId: 'bob', role: 'desk', scope: ['globex'] });
    const stream = await openStream(server.url, scoped);
    try {
      await ingest(server.url, 'acme');
      await ingest(server.url, 'globex');
      // acme changed first, so had it been passed through it would have arrived by now.
      await stream.waitForPoke((item) => item.buckets.includes(customerBucket('globex')));
      expect(stream.pokes.flatMap((item) => item.buckets)).not.toContain(customerBucket('acme'));
    } finally {
      stream.close();
    }
  });

  it('pokes streams of every server process over the database, not only the one that wrote', async () => {
    // A second process is a second server over its own connection (PostgreSQL) or the shared PGlite.
    let other: Storage = database.storage;
    if (database.databaseUrl !== null) other = await database.openAnother();
    const second = await startTestServer(other);
    const stream = await openStream(second.url, adminToken);
    try {
      await ingest(server.url, 'globex');
      await stream.waitForPoke((item) => item.buckets.includes(customerBucket('globex')));
    } finally {
      stream.close();
      await second.close();
    }
  });

  it('refuses ingest-only tokens and closes cleanly when the server stops', async () => {
    const refused = await request(server.url, 'GET', '/v1/stream', ingestToken);
    expect(refused.status).toBe(403);
    const own = await startTestServer(database.storage);
    const stream = await openStream(own.url, adminToken);
    // close() would hang on the open stream if the server did not end it.
    await own.close();
    stream.close();
  });
});
