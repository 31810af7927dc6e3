import { describeBoundaryProblem, findBoundaryProblem, jsonTextTooDeep, MAX_JSON_DEPTH } from '../../shared/boundary';
import { ApiFailure } from '../errors';
import type { IngestRequest } from './types';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text; bytes that are not UTF-8 are a 400, not mojibake on the timeline. */
export function bodyText(request: IngestRequest): string {
  try {
    return utf8.decode(request.body);
  } catch {
    throw new ApiFailure(400, 'malformed_body', 'the body is not UTF-8 text; nothing was stored');
  }
}

/** Parses a JSON body sent with one of `mediaTypes` (415 naming them otherwise, 400 when it is not JSON). */
export function parseJsonBody(request: IngestRequest, mediaTypes: readonly string[]): unknown {
  if (!mediaTypes.includes(request.mediaType)) {
    throw new ApiFailure(
      415,
      'unsupported_media_type',
      `this source takes ${mediaTypes.join(' or ')}, not ${request.mediaType || 'a body without content-type'}`,
    );
  }
  return parseJsonText(bodyText(request));
}

/** JSON text → value: nesting past MAX_JSON_DEPTH is refused before parsing, text PostgreSQL cannot store after (400). */
export function parseJsonText(text: string): unknown {
  if (text.trim() === '') throw new ApiFailure(400, 'malformed_json', 'the body is empty; send a JSON object');
  if (jsonTextTooDeep(text))
    throw new ApiFailure(400, 'too_deep', `the body nests deeper than ${MAX_JSON_DEPTH} levels; nothing was stored`);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiFailure(
      400,
      'malformed_json',
      `the body is not valid JSON (${error instanceof Error ? error.message : 'parse error'}); nothing was stored`,
    );
  }
  checkStorable(value);
  return value;
}

/** Refuses text PostgreSQL cannot store (NUL, lone surrogates) anywhere in a value, naming where (shared/boundary.ts). */
export function checkStorable(value: unknown, prefix = ''): void {
  const problem = findBoundaryProblem(value);
  if (problem)
    throw new ApiFailure(
      400,
      problem.kind === 'depth' ? 'too_deep' : 'invalid_text',
      `${describeBoundaryProblem(problem, prefix)}; nothing was stored`,
      { field: problem.path },
    );
}
