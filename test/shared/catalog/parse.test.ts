import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CATALOG_ISSUE_CODES,
  catalogSpecs,
  formatCatalogIssue,
  parseCatalog,
  publishCatalog,
  type CatalogEnvironment,
  type CatalogIssue,
} from '../../../shared/catalog/index';

const root = path.join(import.meta.dirname, '..', '..', '..');
const demoText = fs.readFileSync(path.join(root, 'resources', 'catalogs', 'demo.catalog.yaml'), 'utf8');
const webhooksText = fs.readFileSync(path.join(root, 'test', 'fixtures', 'catalog', 'webhooks.catalog.yaml'), 'utf8');

/** A small valid catalog; tests break one thing at a time. */
const base = `catalog: acme
secrets:
  token: { env: ACME_TOKEN }
probes:
  thing.state:
    summary: The thing's state.
    params:
      type: object
      properties: { id: { type: string } }
      required: [id]
    result:
      type: object
      properties: { ok: { type: boolean }, count: { type: integer } }
      required: [ok]
    call:
      kind: http
      method: GET
      url: "https://admin.acme.example/things/\${params.id}"
      headers: { authorization: "Bearer \${secrets.token}" }
      retries: { attempts: 2 }
    map:
      ok: response.body.ok
actions:
  thing.reset:
    summary: Resets the thing.
    risk: low
    params:
      type: object
      properties: { id: { type: string } }
      required: [id]
    call:
      kind: http
      method: POST
      url: "https://admin.acme.example/things/\${params.id}/reset"
      headers: { authorization: "Bearer \${secrets.token}" }
`;

function issuesOf(text: string, environment?: CatalogEnvironment): CatalogIssue[] {
  return parseCatalog(text, 'acme.catalog.yaml', environment).issues;
}

function only(text: string, environment?: CatalogEnvironment): CatalogIssue {
  const issues = issuesOf(text, environment);
  expect(issues.map(formatCatalogIssue)).toHaveLength(1);
  return issues[0] as CatalogIssue;
}

/** Line (1-based) of the first line containing `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`"${needle}" is not in the text`);
  return index + 1;
}

describe('catalog files', () => {
  it('accepts the demo catalog, the worked example and the base catalog', () => {
    expect(issuesOf(demoText)).toEqual([]);
    expect(issuesOf(webhooksText)).toEqual([]);
    expect(issuesOf(base)).toEqual([]);
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    const issue = only(base.replace('  thing.reset:', '  thing.reset:\n    summary: twice'));
    expect(issue.code).toBe('yaml-syntax');
    expect(issue.line).toBe(lineOf(base, '    summary: Resets the thing.') + 1);
    expect(only('catalog: [unclosed').code).toBe('yaml-syntax');
  });

  it('reports schema errors at the key, saying what is wanted', () => {
    const unknown = only(base.replace('    risk: low', '    risk: low\n    danger: yes'));
    expect(unknown).toMatchObject({ code: 'schema', line: lineOf(base, '    risk: low') + 1, column: 5 });
    expect(unknown.message).toContain('unknown key "danger"');

    const duration = only(base.replace('retries: { attempts: 2 }', 'retries: { attempts: 2, backoff: soon }'));
    expect(duration.code).toBe('schema');
    expect(duration.message).toMatch(/a duration like 500ms, 30s/);
    expect(duration.line).toBe(lineOf(base, 'retries:'));

    const risk = only(base.replace('risk: low', 'risk: scary'));
    expect(risk.message).toMatch(/low|medium|high/);

    const missing = only(base.replace('    risk: low\n', ''));
    expect(missing.message).toBe('missing required "risk"');

    const kind = only(base.replace('kind: http\n      method: POST', 'kind: ftp\n      method: POST'));
    expect(kind.message).toMatch(/http, script, builtin/);

    const secret = only(base.replace('{ env: ACME_TOKEN }', '{ vault: acme }'));
    expect(secret.where).toBe('secrets.token');
    expect(secret.message).toMatch(/does not fit any allowed form/);
  });

  it('reports type declarations that cannot mean anything', () => {
    const pattern = only(base.replace('count: { type: integer }', 'count: { type: integer, pattern: "^1" }'));
    expect(pattern).toMatchObject({ code: 'type-schema', where: 'probes.thing.state.result.properties.count.pattern' });
    const required = issuesOf(base.replace('required: [ok]', 'required: [ok, missing]'));
    expect(required.map((issue) => issue.code)).toEqual(['type-schema', 'unmapped-field']);
    expect(required[0]?.message).toContain('"missing" is required but not declared');
    const regex = only(
      base.replace(
        'id: { type: string } }\n      required: [id]\n    result',
        'id: { type: string, pattern: "([" } }\n      required: [id]\n    result',
      ),
    );
    expect(regex.message).toContain('not a valid regular expression');
    const notObject = issuesOf(
      base.replace(
        'result:\n      type: object\n      properties: { ok: { type: boolean }, count: { type: integer } }\n      required: [ok]',
        'result: { type: string }',
      ),
    );
    expect(notObject.map((issue) => issue.code)).toEqual(['type-schema', 'unknown-field']);
    expect(notObject[0]?.message).toContain('result must be an object type');
  });

  it('reports CEL syntax errors inside an expression, at the column of the fault', () => {
    const text = base.replace('ok: response.body.ok', 'ok: response.body.ok &&');
    const issue = only(text);
    expect(issue.code).toBe('cel-syntax');
    expect(issue.line).toBe(lineOf(text, 'ok: response.body.ok &&'));
    expect(issue.column).toBeGreaterThan('      ok: response.body.ok'.length);
    expect(only(base.replace('/things/${params.id}/reset', '/things/${params.id/reset')).code).toBe('cel-syntax');
  });

  it('reports unknown variables, parameters, secrets and customer fields with the position inside the template', () => {
    const variable = only(base.replace('ok: response.body.ok', 'ok: reply.body.ok'));
    expect(variable).toMatchObject({ code: 'unknown-variable', column: 11 });
    // The idempotency key exists in an action's call, not in a probe's.
    expect(issuesOf(base.replace('/things/${params.id}/reset', '/things/${idempotencyKey}/reset'))).toEqual([]);
    const keyInProbe = only(base.replace('/things/${params.id}"', '/things/${params.id}?k=${idempotencyKey}"'));
    expect(keyInProbe.message).toContain("only in an action's execution call");
    const param = only(base.replace('/things/${params.id}/reset', '/things/${params.thingId}/reset'));
    expect(param.code).toBe('unknown-param');
    expect(param.column).toBe(lineOfColumn(base, 'url: "https://admin.acme.example/things/${params.id}/reset"', '${') + 2);
    const secret = only(base.replace('Bearer ${secrets.token}" }\n      retries', 'Bearer ${secrets.tokn}" }\n      retries'));
    expect(secret.code).toBe('unknown-secret');
    expect(secret.message).toContain('secrets: token');
    const field = only(base.replace('/things/${params.id}/reset', '/things/${customer.tenant}/reset'));
    expect(field.message).toContain('the customer has no field "tenant"');
  });

  it('type checks mappings against the declared result (cel-type): a field gets what it declares', () => {
    // The body is any JSON, so what it yields fits; a comparison or a size has a known type.
    expect(issuesOf(base.replace('ok: response.body.ok', 'ok: response.body.state == "ok"'))).toEqual([]);
    const mapping = base.replace('ok: response.body.ok', 'ok: response.body.ok\n      count: response.status == 200');
    const wrong = only(mapping);
    expect(wrong).toMatchObject({ code: 'cel-type', line: lineOf(mapping, 'count: response.status') });
    expect(wrong.message).toBe('"response.status == 200" is true or false, but a whole number is declared here');
    const counted = only(base.replace('ok: response.body.ok', "ok: size(response.body.items) > 'none'"));
    expect(counted.code).toBe('cel-type');
    expect(counted.message).toMatch(/cannot compare a whole number \(int\) with a string/);
    // A parameter is typed too: comparing a string parameter with a number never holds.
    const param = only(base.replace('ok: response.body.ok', 'ok: params.id == 7'));
    expect(param).toMatchObject({ code: 'cel-type', column: 11 });
    expect(param.message).toMatch(/compares a string with a whole number .* can never hold/);
  });

  it('reports mappings of fields the result does not declare, and required fields left unmapped', () => {
    expect(only(base.replace('ok: response.body.ok', 'ok: response.body.ok\n      total: response.body.n')).code).toBe(
      'unknown-field',
    );
    expect(only(base.replace('ok: response.body.ok', 'count: size(response.body.items)')).code).toBe('unmapped-field');
  });

  it('checks a probe’s example against its declared result, pointing at the field', () => {
    const withExample = (example: string) =>
      base.replace('    map:\n      ok: response.body.ok', `    map:\n      ok: response.body.ok\n    example: ${example}`);
    expect(issuesOf(withExample('{ ok: true, count: 3 }'))).toEqual([]);
    const wrong = only(withExample('{ ok: "yes" }'));
    expect(wrong.code).toBe('example');
    expect(wrong.message).toMatch(/the example does not fit the declared result at ok: .*boolean/);
    expect(wrong.line).toBe(
      withExample('{ ok: "yes" }')
        .split('\n')
        .findIndex((line) => line.includes('example:')) + 1,
    );
    expect(only(withExample('{ count: 3 }')).message).toContain('ok');
  });

  it('refuses templates in the host, secrets in URLs and retries of calls that are not idempotent', () => {
    const host = only(
      base.replace('https://admin.acme.example/things/${params.id}/reset', 'https://${params.id}.acme.example/reset'),
    );
    expect(host.code).toBe('url-host');
    expect(only(base.replace('https://admin.acme.example/things/${params.id}/reset', 'ftp://x/reset')).code).toBe('url-host');
    expect(only(base.replace('/things/${params.id}/reset', '/things/${params.id}/reset?key=${secrets.token}')).code).toBe(
      'secret-in-url',
    );
    const retry = only(base.replace('/reset"\n', '/reset"\n      retries: { attempts: 3 }\n'));
    expect(retry.code).toBe('retry-not-idempotent');
    // An action's execution retries only with a key the target deduplicates by; idempotent: true alone is not enough.
    expect(only(base.replace('/reset"\n', '/reset"\n      retries: { attempts: 3 }\n      idempotent: true\n')).code).toBe(
      'retry-not-idempotent',
    );
    expect(
      issuesOf(
        base
          .replace('/reset"\n', '/reset"\n      retries: { attempts: 3 }\n')
          .replace('    risk: low\n', '    risk: low\n    idempotencyKeyHeader: Idempotency-Key\n'),
      ),
    ).toEqual([]);
  });

  it('reports plans that cannot be made: a target plan without a call, a template plan over an unknown probe', () => {
    expect(only(`${base}    plan: { from: target }\n`).code).toBe('plan-call');
    const unknown = only(
      `${base}    plan:\n      from: template\n      before: { probe: thing.status }\n      changes: [{ target: thing }]\n`,
    );
    expect(unknown.code).toBe('unknown-probe');
    const param = only(
      `${base}    plan:\n      from: template\n      before: { probe: thing.state, params: { key: x } }\n      changes: [{ target: thing }]\n`,
    );
    expect(param.code).toBe('unknown-param');
    const before = only(`${base}    plan:\n      from: template\n      changes: [{ target: "\${before.ok}" }]\n`);
    expect(before.code).toBe('unknown-variable');
  });

  it('checks the server environment when given one: secrets, connectors, the script allowlist', () => {
    const environment: CatalogEnvironment = {
      isSecretAvailable: () => false,
      connectors: [],
      scriptAllowlist: ['/usr/bin/true'],
    };
    expect(only(base, environment)).toMatchObject({
      code: 'secret-unavailable',
      line: lineOf(base, 'token: { env: ACME_TOKEN }'),
    });
    expect(issuesOf(demoText, environment).every((issue) => issue.code === 'unknown-connector')).toBe(true);
    const script = base.replace(
      '      kind: http\n      method: POST\n      url: "https://admin.acme.example/things/${params.id}/reset"\n      headers: { authorization: "Bearer ${secrets.token}" }\n',
      '      kind: script\n      command: /usr/bin/reset-thing\n      args: ["--id", "${params.id}"]\n',
    );
    const found = issuesOf(script, { ...environment, isSecretAvailable: () => true });
    expect(found.map((issue) => issue.code)).toEqual(['script-not-allowed']);
  });

  it('has a test for every issue code', () => {
    const tested = fs.readFileSync(import.meta.filename, 'utf8');
    for (const code of CATALOG_ISSUE_CODES) expect(tested, code).toContain(`'${code}'`);
  });
});

describe('published catalogs', () => {
  it('carry names, types, risks and rules but no call, mapping or secret', () => {
    const parsed = parseCatalog(webhooksText, 'webhooks.catalog.yaml');
    if (!parsed.definition) throw new Error('the fixture is invalid');
    const published = publishCatalog(parsed.definition, '2026-11-27T12:00:00.000Z');
    const text = JSON.stringify(published);
    expect(text).not.toContain('admin.acme.example');
    expect(text).not.toContain('ACME_ADMIN_TOKEN');
    expect(text).not.toContain('response.body');
    expect(published.actions.map((action) => [action.name, action.risk, action.confirmation, action.requiresApproval])).toEqual([
      ['webhooks.replayFailed', 'low', 'click', false],
      ['webhooks.resendSigningSecret', 'medium', 'click', false],
    ]);
    // The hash follows content, not the moment of publishing.
    expect(publishCatalog(parsed.definition, '2027-01-01T00:00:00.000Z').hash).toBe(published.hash);
    const specs = catalogSpecs(published);
    expect(specs.probes.get('webhooks.deliveries')?.params.safeParse({ within: '1h' }).success).toBe(true);
    expect(specs.probes.get('webhooks.deliveries')?.params.safeParse({ within: 'yesterday' }).success).toBe(false);
    expect(specs.probes.get('webhooks.deliveries')?.params.safeParse({ within: '1h', extra: 1 }).success).toBe(false);
  });
});

function lineOfColumn(text: string, lineText: string, needle: string): number {
  const line = text.split('\n').find((candidate) => candidate.includes(lineText));
  if (!line) throw new Error(`no line with ${lineText}`);
  return line.indexOf(needle) + 1;
}
