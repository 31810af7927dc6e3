import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSourcesCommand } from '../../../server/ingest/admin-cli';
import { applySourcesFile, parseSourcesFile, SourcesFileError } from '../../../server/ingest/sources-file';
import { tempDirs } from '../../support/temp';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { addCustomers, request, startTestServer, token, type TestServer } from '../support/server';
import { produce } from './support';

/* Sources declared in a --sources file and managed with `npm run server -- sources …` (issue 10). */

const ROOT = path.resolve(import.meta.dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const dirs = tempDirs('lk-sources-');
const AM_TOKEN = 'am-token-from-the-environment-0123456789';
const GH_SECRET = 'github-secret-from-the-environment-0123';

const GOOD = `sources:
  - id: prod-alertmanager
    kind: alertmanager
    tokenEnv: LK_AM_TOKEN
    customerLabels: [tenant]
    aliases:
      acme-prod: acme
  - id: github
    kind: github
    secretEnv: LK_GH_SECRET
`;

let database: TestDatabase;
let server: TestServer;
let adminToken: string;

function problems(text: string, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    parseSourcesFile(text, 'sources.yaml', env);
  } catch (error) {
    if (error instanceof SourcesFileError) return error.issues;
    throw error;
  }
  return [];
}

async function cli(args: string[], env: NodeJS.ProcessEnv = { LIGHTKEEPER_ADMIN_TOKEN: adminToken }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSourcesCommand([...args, '--url', server.url], {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  await addCustomers(database.storage, ['acme']);
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
  dirs.cleanup();
});

describe('the --sources file', () => {
  it('names the line and column of every problem', () => {
    expect(
      problems(
        `sources:
  - id: Prod_AM
    kind: alertmanager
    tokenEnv: LK_AM_TOKEN
  - id: github
    kind: gitlab
  - id: hooks
    kind: generic
    token: short
    mapping: { jsonata: "summary & " }
    colour: red
`,
        { LK_AM_TOKEN: AM_TOKEN },
      ),
    ).toEqual([
      expect.stringMatching(/^sources\.yaml:2:9: sources\[0\]\.id: must be 1–48 lower-case/),
      expect.stringMatching(/^sources\.yaml:6:11: sources\[1\]\.kind: /),
      // A mapping that does not compile is found with the other problems of its entry.
      expect.stringMatching(/^sources\.yaml:10:25: sources\[2\]\.mapping\.jsonata: does not compile: /),
      expect.stringMatching(/^sources\.yaml:7:5: sources\[2\]: unknown key colour/),
    ]);
    expect(problems(GOOD, { LK_AM_TOKEN: AM_TOKEN })).toEqual([
      expect.stringMatching(/^sources\.yaml:10:16: sources\[1\]\.secretEnv: the environment variable LK_GH_SECRET is not set/),
    ]);
    expect(
      problems(
        'sources:\n  - id: hooks\n    kind: generic\n    token: "0123456789012345678901234"\n    mapping: { jsonata: "summary & " }\n',
      ),
    ).toEqual([expect.stringMatching(/^sources\.yaml:5:25: sources\[0\]\.mapping\.jsonata: /)]);
    expect(problems('sources:\n  - id: am\n    kind: alertmanager\n    token: 0123456789012345678901234\n')).toEqual([
      'sources.yaml:4:12: sources[0].token: the token must be a string of at least 24 characters (quote it)',
    ]);
    expect(problems('sources: [\n')[0]).toMatch(/^sources\.yaml:\d+:\d+: /);
  });

  it('declares its sources with credentials from the environment, and removes the ones no longer declared', async () => {
    const env = { LK_AM_TOKEN: AM_TOKEN, LK_GH_SECRET: GH_SECRET };
    const applied = await applySourcesFile(
      database.storage,
      'sources.yaml',
      parseSourcesFile(GOOD, 'sources.yaml', env),
      Date.now(),
    );
    expect(applied).toEqual({ declared: ['prod-alertmanager', 'github'], removed: [] });
    const alert = {
      version: '4',
      status: 'firing',
      alerts: [{ status: 'firing', labels: { alertname: 'Down', tenant: 'acme-prod' }, startsAt: '2026-04-01T07:00:00Z' }],
    };
    const posted = await produce(server.url, `/v1/ingest/prod-alertmanager/${AM_TOKEN}`, JSON.stringify(alert), {
      'content-type': 'application/json',
    });
    expect(posted.status).toBe(200);
    expect(posted.body).toMatchObject({ items: [{ customers: ['acme'] }] });
    // A file source's credential lives in the file: the API does not rotate or remove it.
    expect((await request(server.url, 'POST', '/v1/sources/github/rotate', adminToken, {})).status).toBe(409);
    expect((await request(server.url, 'DELETE', '/v1/sources/github', adminToken)).status).toBe(409);

    const fewer = GOOD.split('  - id: github')[0] ?? '';
    const again = await applySourcesFile(
      database.storage,
      'sources.yaml',
      parseSourcesFile(fewer, 'sources.yaml', env),
      Date.now(),
    );
    expect(again).toEqual({ declared: ['prod-alertmanager'], removed: ['github'] });
    expect((await request(server.url, 'GET', '/v1/sources', adminToken)).body).toMatchObject({
      sources: [{ id: 'prod-alertmanager', origin: 'file' }],
    });
  });

  it('stops the server before it starts when the file is wrong', async () => {
    const file = path.join(dirs.make(), 'sources.yaml');
    fs.writeFileSync(file, 'sources:\n  - id: am\n    kind: alertmanager\n    tokenEnv: NOT_SET_ANYWHERE\n');
    const child = spawn(
      TSX,
      ['server/cli.ts', '--port', '0', '--sources', file, '--database-url', 'postgres://nowhere.invalid/x'],
      {
        cwd: ROOT,
        env: { ...process.env, NOT_SET_ANYWHERE: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:4:15: sources[0].tokenEnv: the environment variable NOT_SET_ANYWHERE is not set`);
  }, 60_000);
});

describe('npm run server -- sources', () => {
  it('adds, lists, rotates and removes a source; the credential is printed once and works', async () => {
    const added = await cli(['add', '--id', 'ci', '--kind', 'cloudevents']);
    expect(added.code).toBe(0);
    const token = /Token \(shown once[^:]*\): (\S+)/.exec(added.out)?.[1] ?? '';
    expect(added.out).toContain(`post to ${server.url}/v1/ingest/ci/${token}`);
    const listed = await cli(['list']);
    expect(listed.out).toMatch(/^ci\tcloudevents\turl_token\tapi\tunmatched 0\t/m);
    expect(listed.out).not.toContain(token);

    const rotated = await cli(['rotate', 'ci']);
    const next = /Token \(shown once[^:]*\): (\S+)/.exec(rotated.out)?.[1] ?? '';
    expect(next).not.toBe(token);
    const event = JSON.stringify({ specversion: '1.0', id: '1', source: '/x', type: 't', subject: 'acme' });
    const headers = { 'content-type': 'application/cloudevents+json' };
    expect((await produce(server.url, `/v1/ingest/ci/${token}`, event, headers)).status).toBe(401);
    expect((await produce(server.url, `/v1/ingest/ci/${next}`, event, headers)).status).toBe(200);

    expect((await cli(['remove', 'ci'])).out).toBe('Removed source ci.');
    expect((await cli(['remove', 'ci'])).code).toBe(1);
    expect((await cli(['list'], {})).code).toBe(2);
    expect((await cli(['list'], {})).err).toContain('LIGHTKEEPER_ADMIN_TOKEN');
  });
});
