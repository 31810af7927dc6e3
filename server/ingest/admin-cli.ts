import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';

/*
 * `npm run server -- sources add|list|rotate|remove|unmatched`: the ingest
 * admin API from a terminal. It talks to a running server over HTTP (PGlite
 * allows one process, and this way every server process sees the change at
 * once) with the admin token from LIGHTKEEPER_ADMIN_TOKEN — never a flag, which
 * other users can read in `ps`. A new credential is printed once.
 */

export const SOURCES_USAGE = `Usage: npm run server -- sources <command> [options]
  list                             the sources, their kind, credential type and unmatched items
  add --id ID --kind KIND [--config FILE]
                                   register a source (KIND: alertmanager, cloudevents, github, generic;
                                   FILE: YAML or JSON with the rest of its settings, docs/ingest.md);
                                   prints its URL and credential once
  rotate ID                        a new credential for ID; the old one stops working at once
  remove ID                        delete ID with its aliases and unmatched items
  unmatched ID                     items from ID that matched no customer, with the reason
Options:
  --url URL      the server (default http://127.0.0.1:4700)          env LIGHTKEEPER_SERVER_URL
  the admin token comes from the environment: LIGHTKEEPER_ADMIN_TOKEN`;

type Io = { out: (line: string) => void; err: (line: string) => void; env: NodeJS.ProcessEnv };

async function call(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Runs one sources command; returns the process exit code. */
export async function runSourcesCommand(argv: readonly string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: 'string', default: io.env.LIGHTKEEPER_SERVER_URL ?? 'http://127.0.0.1:4700' },
        id: { type: 'string' },
        kind: { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${SOURCES_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, target] = positionals;
  if (values.help || command === undefined) {
    io.out(SOURCES_USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const token = io.env.LIGHTKEEPER_ADMIN_TOKEN;
  if (!token) {
    io.err('Set LIGHTKEEPER_ADMIN_TOKEN to an admin token of the server (it is never taken as a flag).');
    return 2;
  }
  const url = values.url.replace(/\/+$/, '');
  const failed = (answer: { status: number; body: Record<string, unknown> }) => {
    io.err(`The server answered ${answer.status}: ${String(answer.body['message'] ?? answer.body['error'] ?? '')}`);
    return 1;
  };
  try {
    if (command === 'list') {
      const answer = await call(url, token, 'GET', '/v1/sources');
      if (answer.status !== 200) return failed(answer);
      const rows = answer.body['sources'] as {
        id: string;
        kind: string;
        credential: string;
        origin: string;
        unmatched: number;
        path: string;
      }[];
      if (rows.length === 0) io.out('No sources yet: add one with `npm run server -- sources add --id ID --kind KIND`.');
      for (const row of rows)
        io.out(`${row.id}\t${row.kind}\t${row.credential}\t${row.origin}\tunmatched ${row.unmatched}\t${url}${row.path}`);
      return 0;
    }
    if (command === 'add') {
      if (!values.id || !values.kind) {
        io.err(`add needs --id and --kind.\n\n${SOURCES_USAGE}`);
        return 2;
      }
      const extra = values.config ? (parseYaml(fs.readFileSync(values.config, 'utf8')) as Record<string, unknown>) : {};
      const answer = await call(url, token, 'POST', '/v1/sources', { source: { ...extra, id: values.id, kind: values.kind } });
      if (answer.status !== 201) return failed(answer);
      printCredential(io, url, answer.body);
      return 0;
    }
    if ((command === 'rotate' || command === 'remove' || command === 'unmatched') && !target) {
      io.err(`${command} needs the source id.\n\n${SOURCES_USAGE}`);
      return 2;
    }
    if (command === 'rotate') {
      const answer = await call(url, token, 'POST', `/v1/sources/${encodeURIComponent(target ?? '')}/rotate`, {});
      if (answer.status !== 200) return failed(answer);
      printCredential(io, url, answer.body);
      return 0;
    }
    if (command === 'remove') {
      const answer = await call(url, token, 'DELETE', `/v1/sources/${encodeURIComponent(target ?? '')}`);
      if (answer.status !== 204) return failed(answer);
      io.out(`Removed source ${target ?? ''}.`);
      return 0;
    }
    if (command === 'unmatched') {
      const answer = await call(url, token, 'GET', `/v1/sources/${encodeURIComponent(target ?? '')}/unmatched`);
      if (answer.status !== 200) return failed(answer);
      const rows = answer.body['unmatched'] as { receivedAt: string; idempotencyKey: string; reason: string }[];
      if (rows.length === 0) io.out(`Nothing unmatched from ${target ?? ''}.`);
      for (const row of rows) io.out(`${row.receivedAt}\t${row.idempotencyKey}\t${row.reason}`);
      return 0;
    }
  } catch (error) {
    io.err(`Could not reach the server at ${url}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  io.err(`Unknown command "${command}".\n\n${SOURCES_USAGE}`);
  return 2;
}

function printCredential(io: Io, url: string, body: Record<string, unknown>): void {
  const id = String(body['id']);
  io.out(`Source ${id}: post to ${url}${String(body['path'])}`);
  if (typeof body['token'] === 'string') io.out(`Token (shown once; the URL above carries it): ${body['token']}`);
  if (typeof body['secret'] === 'string')
    io.out(`Webhook secret (shown once; paste it into the hook's Secret field): ${body['secret']}`);
}
