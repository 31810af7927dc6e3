import type { LogPosition } from '../repo/change-log';

/*
 * Cursors and page tokens are opaque to the desk. Both carry the database epoch,
 * so a cursor from another database (the desk switched backends, or the database
 * was recreated) is recognised and answered with a reset instead of wrong data.
 */

export class BadTokenError extends Error {}

const CURSOR_VERSION = 'c1';

export function encodeCursor(epoch: string, position: LogPosition): string {
  return Buffer.from(`${CURSOR_VERSION}.${epoch}.${position.xid}.${position.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { epoch: string; position: LogPosition } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^c1\.([0-9a-f]{1,64})\.(\d{1,20})\.(\d{1,16})$/.exec(text);
  if (!match || Buffer.from(text, 'utf8').toString('base64url') !== cursor)
    throw new BadTokenError('the cursor is not one this server issued');
  return { epoch: match[1] ?? '', position: { xid: BigInt(match[2] ?? '0'), id: Number(match[3]) } };
}

/** Where a paged bootstrap of one bucket stands. */
export type BootstrapState = {
  epoch: string;
  bucket: string;
  /** The fence taken when the bootstrap started; the cursor becomes (fence, 0) when it is done. */
  fence: bigint;
  /** Index into the bucket's phases (one per entity). */
  phase: number;
  /** Last primary key served in that phase, or null before its first row. */
  key: string | null;
};

export function encodePageToken(state: BootstrapState): string {
  const json = JSON.stringify({ v: 1, e: state.epoch, b: state.bucket, h: state.fence.toString(), p: state.phase, k: state.key });
  return Buffer.from(json, 'utf8').toString('base64url');
}

export function decodePageToken(token: string): BootstrapState {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new BadTokenError('the page token is not one this server issued');
  }
  const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const { v, e, b, h, p, k } = record;
  if (
    v !== 1 ||
    typeof e !== 'string' ||
    typeof b !== 'string' ||
    typeof h !== 'string' ||
    !/^\d{1,20}$/.test(h) ||
    typeof p !== 'number' ||
    !Number.isInteger(p) ||
    p < 0 ||
    (k !== null && typeof k !== 'string')
  ) {
    throw new BadTokenError('the page token is not one this server issued');
  }
  return { epoch: e, bucket: b, fence: BigInt(h), phase: p, key: k };
}
