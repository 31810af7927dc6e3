import fs from 'node:fs';
import { LinkTemplatesSchema, type LinkTemplates } from '../../shared/links';
import { describeZodIssues } from '../../shared/issues';
import { errorMessage } from '../log';

/*
 * The link templates of a server (`--links-config <file>`, env
 * LIGHTKEEPER_LINKS_CONFIG, issue 14): per source system, where its tickets,
 * incidents and alerts are read (shared/links.ts). Checked at start: an http
 * template or an unknown placeholder stops the server with the reason.
 */

/** Checks a link templates value (from a file, or given in-process). */
export function parseLinksConfig(raw: unknown, source = 'links config'): LinkTemplates {
  const parsed = LinkTemplatesSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${source}: ${describeZodIssues(parsed.error, 20)}`);
  return parsed.data;
}

/** Reads and checks a links config file; the error names every problem. */
export function loadLinksConfig(file: string): LinkTemplates {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`links config ${file}: ${errorMessage(error)}`, { cause: error });
  }
  return parseLinksConfig(raw, `links config ${file}`);
}
