import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesk, type Desk } from '../../../electron/core/desk';
import { silentLogger } from '../../../electron/core/log';
import type { Result } from '../../../shared/ipc/result';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { addCustomers, startTestServer, token, type TestServer } from '../support/server';
import { addSource } from './support';

/*
 * End to end with the real producer (issue 10): a real Alertmanager binary
 * (Debian's prometheus-alertmanager; .ci/run installs it) with a
 * webhook_configs receiver pointed at the real server's source URL. Alerts are
 * posted to Alertmanager's own API; the desk, synced from the server, shows the
 * alert open and then resolved, and Alertmanager reports every notification
 * delivered (a failed firing notification would keep it from sending resolved).
 */

const BINARY = process.env.LIGHTKEEPER_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';
const hasBinary = fs.existsSync(BINARY);
if (!hasBinary && process.env.CI) throw new Error(`CI is set but ${BINARY} is missing: apt-get install prometheus-alertmanager`);

const dirs = tempDirs('lk-am-');
let database: TestDatabase;
let server: TestServer;
let alertmanager: ChildProcess | null = null;
let alertmanagerUrl = '';
let desk: Desk | null = null;
let stderr = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

async function postAlerts(alerts: unknown[]): Promise<void> {
  const response = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts),
  });
  if (!response.ok) throw new Error(`Alertmanager answered ${response.status}: ${await response.text()}`);
}

/** Alertmanager's own count of webhook notifications, sent and failed. */
async function notificationCounts(): Promise<{ sent: number; failed: number }> {
  const text = await (await fetch(`${alertmanagerUrl}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name}\\{integration="webhook"\\} (\\d+)`, 'm').exec(text)?.[1] ?? '0');
  return { sent: metric('alertmanager_notifications_total'), failed: metric('alertmanager_notifications_failed_total') };
}

function thread(threadKey: string): { status: string; severity: string; summary: string } | undefined {
  return desk?.cache
    .prepare('select status, severity, summary from threads where customer_id = ? and thread = ?')
    .get('acme', threadKey) as { status: string; severity: string; summary: string } | undefined;
}

beforeAll(async () => {
  if (!hasBinary) return;
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  const admin = await token(database.storage, { userId: 'admin', role: 'admin' });
  const deskToken = await token(database.storage, { userId: 'dana', role: 'desk' });
  await addCustomers(database.storage, ['acme', 'globex']);
  const source = await addSource(server.url, admin, { id: 'prod-alertmanager', kind: 'alertmanager' });

  const dir = dirs.make();
  const port = await freePort();
  alertmanagerUrl = `http://127.0.0.1:${port}`;
  fs.writeFileSync(
    path.join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: lightkeeper',
      "  group_by: ['alertname']",
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: lightkeeper',
      '    webhook_configs:',
      `      - url: ${server.url}${source.path}`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  );
  alertmanager = spawn(
    BINARY,
    [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  alertmanager.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  await waitFor(
    async () => (await fetch(`${alertmanagerUrl}/-/ready`).catch(() => null))?.ok === true,
    `Alertmanager ready (${stderr})`,
    30_000,
  );

  desk = createDesk({
    dataDir: dirs.make(),
    mode: 'browser',
    appVersion: 'test',
    platform: 'linux',
    log: silentLogger,
    requestTimeoutMs: 2_000,
    backoff: { baseMs: 20, capMs: 300 },
  });
  unwrap(await desk.dispatch('backend:set', { mode: 'remote', url: server.url, token: deskToken }));
}, 60_000);

afterAll(async () => {
  await desk?.stop();
  desk?.close();
  if (alertmanager && alertmanager.exitCode === null) {
    const exited = new Promise((resolve) => alertmanager?.once('exit', resolve));
    alertmanager.kill('SIGTERM');
    await exited;
  }
  await server?.close();
  await database?.dispose();
  dirs.cleanup();
});

describe.skipIf(!hasBinary)('a real Alertmanager', () => {
  it('delivers firing then resolved to the customer’s timeline, and every notification gets 2xx', async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const alert = {
      labels: { alertname: 'SsoLoginFailures', customer: 'acme', feature: 'sso', severity: 'critical', instance: 'idp-1' },
      annotations: { summary: 'SSO logins failing', description: 'More than 20% of SSO logins fail.' },
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=sso_failures',
      startsAt,
    };
    await postAlerts([alert]);
    const [listed] = (await (await fetch(`${alertmanagerUrl}/api/v2/alerts`)).json()) as { fingerprint: string }[];
    const threadKey = `am:${listed?.fingerprint ?? ''}`;

    const open = await waitFor(() => thread(threadKey), 'the firing alert on the desk', 60_000);
    expect(open).toEqual({ status: 'open', severity: 'critical', summary: 'SSO logins failing' });
    const event = desk?.cache
      .prepare("select links, properties from events where customer_id = 'acme' and kind = 'alert'")
      .get() as { links: string; properties: string };
    expect(JSON.parse(event.links)).toEqual({ url: alert.generatorURL });
    expect(JSON.parse(event.properties)).toMatchObject({ labels: { instance: 'idp-1' }, status: 'open' });

    // Resolving: the same alert with an end time in the past.
    await postAlerts([{ ...alert, endsAt: new Date().toISOString() }]);
    await waitFor(() => thread(threadKey)?.status === 'resolved', 'the resolved alert on the desk', 60_000);
    expect(thread(threadKey)).toMatchObject({ status: 'resolved', summary: 'Resolved: SSO logins failing' });
    const counts = await notificationCounts();
    expect(counts.sent).toBeGreaterThanOrEqual(2);
    expect(counts.failed).toBe(0);
  }, 150_000);
});
