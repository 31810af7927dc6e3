import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LinksConfigError, loadLinksConfig } from '../../../server/links/config';

/*
 * A bad links config is refused at start with a typed error (issue 14): every
 * problem names the file, the line and column, the field, and what to change.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-links-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function refusal(file: string): LinksConfigError {
  try {
    loadLinksConfig(file);
  } catch (error) {
    if (error instanceof LinksConfigError) return error;
    throw error;
  }
  throw new Error(`${file} was accepted`);
}

describe('links config refusals (issue 14)', () => {
  it('accepts a good file', () => {
    const file = write(
      'good.json',
      JSON.stringify({
        templates: [
          { system: 'zendesk', kind: 'ticket', template: 'https://acme.zendesk.com/agent/tickets/{id}' },
          { system: 'alertmanager', kind: 'alert', template: '{generatorURL}' },
        ],
      }),
    );
    expect(loadLinksConfig(file).templates).toHaveLength(2);
  });

  it('names the line, the field and what to change for each bad template, and refuses the whole file', () => {
    const file = write(
      'bad.json',
      [
        '{',
        '  "templates": [',
        '    { "system": "zendesk", "kind": "ticket", "template": "https://acme.zendesk.com/agent/tickets/{id}" },',
        '    { "system": "jira", "kind": "ticket", "template": "http://jira.example.com/browse/{id}" },',
        '    { "system": "pagerduty", "kind": "incidents", "template": "https://acme.pagerduty.com/incidents/{externalId}" },',
        '    { "system": "opsgenie", "kind": "alert", "url": "https://acme.app.opsgenie.com/alert/{id}" }',
        '  ]',
        '}',
      ].join('\n'),
    );
    const error = refusal(file);
    expect(error.file).toBe(file);
    expect(error.issues).toEqual([
      {
        line: 4,
        column: 55,
        field: 'templates[1].template',
        message: expect.stringMatching(/must start with https:\/\//),
      },
      {
        line: 5,
        column: 38,
        field: 'templates[2].kind',
        message: expect.stringMatching(/"incidents" is not a kind: use "ticket", "incident" or "alert"/),
      },
      {
        line: 6,
        column: 5,
        field: 'templates[3].template',
        message: expect.stringMatching(/missing: add "template"/),
      },
      {
        line: 6,
        column: 46,
        field: 'templates[3].url',
        message: expect.stringMatching(
          /unknown field "url": a template has "system", "kind" and "template" — rename or remove it/,
        ),
      },
    ]);
    expect(error.message).toContain(`${file}:4:55: templates[1].template: must start with https://`);
    expect(error.message).toMatch(/nothing from it was applied/);
  });

  it('points at a JSON syntax error by line and column', () => {
    const file = write('syntax.json', '{\n  "templates": [\n    { "system": "zendesk", }\n  ]\n}\n');
    const error = refusal(file);
    expect(error.issues).toEqual([{ line: 3, column: 28, field: '', message: expect.stringMatching(/not valid JSON/) }]);
    expect(error.message).toContain(`${file}:3:28:`);
  });

  it('refuses a key written twice, which JSON would silently resolve to the last one', () => {
    const file = write(
      'twice.json',
      '{ "templates": [\n  { "system": "zendesk", "kind": "ticket", "template": "https://a.example.com/{id}", "template": "https://b.example.com/{id}" }\n] }\n',
    );
    const error = refusal(file);
    expect(error.issues).toEqual([
      { line: 2, column: 86, field: 'templates[0].template', message: expect.stringMatching(/written twice/) },
    ]);
  });

  it('names a second template for the same system and kind at its line', () => {
    const file = write(
      'dup.json',
      '{ "templates": [\n  { "system": "zendesk", "kind": "ticket", "template": "https://a.example.com/{id}" },\n  { "system": "zendesk", "kind": "ticket", "template": "https://b.example.com/{id}" }\n] }\n',
    );
    expect(refusal(file).issues).toEqual([
      { line: 3, column: 3, field: 'templates[1]', message: expect.stringMatching(/a second ticket template for zendesk/) },
    ]);
  });

  it('says so when the file cannot be read', () => {
    const error = refusal(path.join(dir, 'missing.json'));
    expect(error.issues).toEqual([{ line: 1, column: 1, field: '', message: expect.stringMatching(/cannot be read/) }]);
  });
});
