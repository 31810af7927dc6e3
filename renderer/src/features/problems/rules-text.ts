import type { SignatureRule } from '../../../../shared/problems';

/*
 * Signature rules as people type them: one per line, an exact signature, or a
 * prefix ending in `*` (`alert:exportjoblag:*` — that alert, any labels).
 */

export function rulesToText(rules: readonly SignatureRule[]): string {
  return rules.map((rule) => ('signature' in rule ? rule.signature : `${rule.prefix}*`)).join('\n');
}

export function textToRules(text: string): SignatureRule[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => (line.endsWith('*') ? { prefix: line.slice(0, -1) } : { signature: line }));
}

/** Customer ids typed with commas or spaces between them. */
export function textToIds(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((id) => id !== ''))];
}
