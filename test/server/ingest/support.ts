import { readResponse, request, type JsonResponse } from '../support/server';

/** Registers a source through the admin API; returns its credential and path. */
export async function addSource(
  url: string,
  adminToken: string,
  source: Record<string, unknown>,
): Promise<{ id: string; path: string; token?: string; secret?: string }> {
  const response = await request(url, 'POST', '/v1/sources', adminToken, { source });
  if (response.status !== 201) throw new Error(`POST /v1/sources answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body as { id: string; path: string; token?: string; secret?: string };
}

/** Posts raw bytes as a producer would, with its own headers. */
export async function produce(
  url: string,
  path: string,
  body: string | Uint8Array<ArrayBuffer>,
  headers: Record<string, string>,
  method = 'POST',
): Promise<JsonResponse> {
  return readResponse(await fetch(`${url}${path}`, { method, headers, body: method === 'OPTIONS' ? undefined : body }));
}
