import { describe, expect, it } from 'vitest';
import {
  collectReferences,
  evaluate,
  parseCondition,
  parseTemplate,
  renderTemplate,
  renderText,
  renderValue,
} from '../../../shared/wizards/index';

function references(source: string) {
  const parsed = parseCondition(source);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return collectReferences(parsed).map((reference) => ({
    path: reference.path.join('/'),
    isTestOnly: reference.isTestOnly,
    isDynamic: reference.isDynamic,
    offset: reference.offset,
  }));
}

describe('CEL conditions', () => {
  it('evaluates over plain JSON, comparing numbers across int and double', () => {
    const bindings = { checks: { lag: { lagMinutes: 45, state: 'stuck' }, sso: { enabled: false } }, inputs: { limit: 30 } };
    expect(evaluate('checks.sso.enabled == false', bindings)).toEqual({ ok: true, value: true });
    expect(evaluate('checks.lag.lagMinutes > 30 && checks.lag.state == "stuck"', bindings)).toEqual({ ok: true, value: true });
    expect(evaluate('checks.lag.lagMinutes > inputs.limit', bindings)).toEqual({ ok: true, value: true });
    expect(evaluate('size(checks) + 1', bindings)).toEqual({ ok: true, value: 3 });
    expect(evaluate('[1, 2].map(x, x * 2)', bindings)).toEqual({ ok: true, value: [2, 4] });
    expect(evaluate("{'a': checks.lag.state}", bindings)).toEqual({ ok: true, value: { a: 'stuck' } });
    expect(evaluate("'lag' in checks && !('nope' in checks)", bindings)).toEqual({ ok: true, value: true });
    expect(evaluate("checks.lag.state.startsWith('st') && checks.lag.state.upperAscii() == 'STUCK'", bindings)).toEqual({
      ok: true,
      value: true,
    });
  });

  it('returns errors as values, never throwing', () => {
    expect(evaluate('checks.missing.value', { checks: {} })).toMatchObject({ ok: false });
    expect(evaluate('1 +', {})).toMatchObject({ ok: false, error: expect.stringMatching(/does not parse/) });
    expect(evaluate('1 / 0', {})).toMatchObject({ ok: false });
  });

  it('reports the column of a syntax error', () => {
    expect(parseCondition('checks.a ==== 1')).toMatchObject({ ok: false, error: { column: 10 } });
    // The stray `y` is the second character of line 2: 5 characters and a line break come before it.
    expect(parseCondition('x + y\n y +')).toMatchObject({ ok: false, error: { column: 8 } });
  });

  it('finds the free variables and the names they read, skipping comprehension variables', () => {
    expect(references("checks['idp-probe'].certificateExpired && inputs.affected == 'one user'")).toEqual([
      { path: 'checks/idp-probe/certificateExpired', isTestOnly: false, isDynamic: false, offset: 0 },
      { path: 'inputs/affected', isTestOnly: false, isDynamic: false, offset: 42 },
    ]);
    expect(references('checks.changes.flags.exists(f, f.key == answers.flag)').map((reference) => reference.path)).toEqual([
      'checks/changes/flags',
      'answers/flag',
    ]);
    expect(references('has(checks.sso) && checks[inputs.name].ok')).toEqual([
      { path: 'checks/sso', isTestOnly: true, isDynamic: false, offset: 4 },
      { path: 'checks', isTestOnly: false, isDynamic: true, offset: 19 },
      { path: 'inputs/name', isTestOnly: false, isDynamic: false, offset: 26 },
    ]);
    expect(references("'probe-login' in checks")).toEqual([
      { path: 'checks/probe-login', isTestOnly: true, isDynamic: false, offset: 17 },
    ]);
  });
});

describe('templates', () => {
  const bindings = { inputs: { job: 'export-main', minutes: 190, flag: true }, customer: { name: 'Litware' } };

  it('keeps the type of a value that is exactly one expression', () => {
    expect(renderTemplate('${inputs.minutes}', bindings)).toEqual({ ok: true, value: 190 });
    expect(renderTemplate('${ inputs.flag }', bindings)).toEqual({ ok: true, value: true });
  });

  it('interpolates expressions inside text', () => {
    expect(renderTemplate('Job ${inputs.job} of ${customer.name} is ${inputs.minutes} min behind', bindings)).toEqual({
      ok: true,
      value: 'Job export-main of Litware is 190 min behind',
    });
  });

  it('tracks braces and quotes inside an expression, and $${ stands for a literal', () => {
    expect(parseTemplate("a ${ {'x': '}'}['x'] } b")).toEqual({
      ok: true,
      parts: [{ text: 'a ' }, { expression: " {'x': '}'}['x'] ", offset: 4 }, { text: ' b' }],
    });
    expect(renderTemplate('cost: $${price}', bindings)).toEqual({ ok: true, value: 'cost: ${price}' });
    expect(parseTemplate('broken ${inputs.job')).toEqual({
      ok: false,
      error: { message: 'a "${" template is not closed with "}"', column: 8 },
    });
    expect(parseTemplate('empty ${ }')).toMatchObject({ ok: false });
  });

  it('renders nested parameters and fails on an expression that cannot be evaluated', () => {
    expect(renderValue({ key: '${inputs.job}', list: ['${inputs.minutes}', 2], fixed: false }, bindings)).toEqual({
      ok: true,
      value: { key: 'export-main', list: [190, 2], fixed: false },
    });
    expect(renderValue({ key: '${inputs.nope}' }, bindings)).toMatchObject({ ok: false, error: expect.stringMatching(/^key: /) });
  });

  it('shows a failed expression in place in text for people', () => {
    expect(renderText('Lag: ${inputs.nope} minutes', bindings)).toBe('Lag: [unavailable: inputs.nope] minutes');
  });
});
