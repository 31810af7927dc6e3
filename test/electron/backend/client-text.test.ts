import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackendClient } from '../../../electron/backend/client';

// Issue 13: the backend client reads an ASCII body as Latin-1 (one copy into a one-byte string) and decodes any other
// body as UTF-8, as Response.text() did; over real HTTP, both kinds give the same JSON values.
const bodies: Record<string, Buffer> = {
  // What the reference server sends: every character outside ASCII escaped.
  ascii: Buffer.from('{"serverId":"ab12","userId":"dana","name":"Ren\\u00e9e \\ud83d\\ude80"}', 'latin1'),
  // What another server may send: raw UTF-8, with a byte-order mark that Response.text() dropped.
  utf8: Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('{"serverId":"ab12","userId":"dana","name":"Renée 🚀"}', 'utf8'),
  ]),
};
let server: http.Server;
let url: string;
let which = 'ascii';

beforeAll(async () => {
  server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(bodies[which]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('backend client response text', () => {
  it.each(['ascii', 'utf8'])('reads a %s body to the same values', async (kind) => {
    which = kind;
    const client = createBackendClient({ baseUrl: url, token: 't', timeoutMs: 5000 });
    expect(await client.identity()).toEqual({ serverId: 'ab12', userId: 'dana', name: 'Renée 🚀' });
  });
});
