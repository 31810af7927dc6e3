import { CUSTOMER_ID_PATTERN } from '../routes';
import type { Json } from '../json';
import type { InputField } from './format';
import type { FieldIssue } from './run-state';

/**
 * The rules for input fields, in one place: the linter checks a field's own
 * definition ({@link fieldSpecProblem}), the engine checks answers
 * ({@link checkValues}), and the runner checks the form before sending
 * ({@link fieldValueProblem}), so a mistake shows at the field with the same rule.
 */

/** What is wrong with an input field's own definition (pattern, default, bounds), if anything. */
export function fieldSpecProblem(field: InputField): { key: string; message: string } | null {
  if ((field.type === 'string' || field.type === 'text') && field.pattern !== undefined) {
    try {
      new RegExp(field.pattern, 'u');
    } catch (error) {
      return {
        key: 'pattern',
        message: `pattern is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
  if ('min' in field && 'max' in field && field.min !== undefined && field.max !== undefined && field.min > field.max) {
    return { key: 'min', message: `min (${field.min}) is greater than max (${field.max})` };
  }
  if (field.type === 'choice' && new Set(field.options).size !== field.options.length)
    return { key: 'options', message: 'options repeat a value' };
  if (field.default !== undefined) {
    const problem = fieldValueProblem(field, field.default);
    if (problem) return { key: 'default', message: `default ${problem}` };
  }
  return null;
}

/** Why a value does not fit a field, or null when it does. `null`/missing is handled by the caller. */
export function fieldValueProblem(field: InputField, value: unknown): string | null {
  switch (field.type) {
    case 'string':
    case 'text': {
      if (typeof value !== 'string') return 'must be text';
      if (field.type === 'string' && value.includes('\n')) return 'must be one line';
      if (field.min !== undefined && value.length < field.min) return `must be at least ${field.min} characters`;
      if (field.max !== undefined && value.length > field.max) return `must be at most ${field.max} characters`;
      if (field.pattern !== undefined) {
        let pattern: RegExp;
        try {
          pattern = new RegExp(`^(?:${field.pattern})$`, 'u');
        } catch {
          return 'cannot be checked: the pattern is invalid';
        }
        if (!pattern.test(value)) return `must match the pattern ${field.pattern}`;
      }
      return null;
    }
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (field.integer && !Number.isInteger(value)) return 'must be a whole number';
      if (field.min !== undefined && value < field.min) return `must be at least ${field.min}`;
      if (field.max !== undefined && value > field.max) return `must be at most ${field.max}`;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'choice':
      return typeof value === 'string' && field.options.includes(value) ? null : `must be one of: ${field.options.join(', ')}`;
    case 'customer-id':
      return typeof value === 'string' && CUSTOMER_ID_PATTERN.test(value) ? null : 'must be a customer id';
  }
}

/** Checks values against fields: required, types, bounds; unknown names are refused. */
export function checkValues(
  fields: readonly InputField[],
  merged: Record<string, Json>,
  given: Record<string, Json> = {},
): { values: Record<string, Json>; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const known = new Set(fields.map((field) => field.id));
  for (const name of Object.keys(given))
    if (!known.has(name)) issues.push({ field: name, message: 'is not a field of this step' });
  const result: Record<string, Json> = {};
  for (const field of fields) {
    const value = merged[field.id];
    const isEmpty = value === undefined || value === null || value === '';
    if (isEmpty) {
      if (field.required) issues.push({ field: field.id, message: 'is required' });
      result[field.id] = null;
      continue;
    }
    const problem = fieldValueProblem(field, value);
    if (problem) issues.push({ field: field.id, message: problem });
    result[field.id] = value;
  }
  return { values: result, issues };
}

/** `field message; field message`, as the engine words a refusal. */
export function describeFieldIssues(issues: readonly FieldIssue[]): string {
  return issues.map((issue) => `${issue.field} ${issue.message}`).join('; ');
}
