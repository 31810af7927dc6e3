/** Text for a JSON value shown to a person: strings as they are, everything else as indented JSON. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, null, 2);
}

/** Whether a value is shown as a block (objects and arrays) rather than inline. */
export function isStructured(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

/**
 * The URL if it is an absolute http(s) URL, otherwise null. Anything else
 * (`javascript:`, `data:`, relative paths) must never become a clickable link.
 */
export function safeHttpUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
}

/** "deploy" → "Deploy", "version_upgrade" → "Version upgrade". */
export function humanize(word: string): string {
  const spaced = word.replace(/[_.-]+/g, ' ').trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
