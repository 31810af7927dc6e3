import { formatPosition, parsePosition, positionOfPoint, type FeedPosition } from './feed-position';

/*
 * Cursors and page tokens are opaque to the desk. Both carry the database epoch,
 * so a cursor from another database (the desk switched backends, or the database
 * was recreated) is recognised and answered with a reset instead of wrong data.
 * A cursor holds a feed position (see feed-position.ts); cursors of the first
 * form (`c1`, a point below the old cluster-wide fence) are still understood.
 */

export class BadTokenError extends Error {}

const NOT_OURS = 'the cursor is not one this server issued';

export function encodeCursor(epoch: string, position: FeedPosition): string {
  return Buffer.from(`c2.${epoch}.${formatPosition(position)}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { epoch: string; position: FeedPosition } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw new BadTokenError(NOT_OURS);
  const legacy = /^c1\.([0-9a-f]{1,64})\.(\d{1,20})\.(\d{1,16})$/.exec(text);
  if (legacy) {
    return { epoch: legacy[1] ?? '', position: positionOfPoint({ xid: BigInt(legacy[2] ?? '0'), id: Number(legacy[3]) }) };
  }
  const current = /^c2\.([0-9a-f]{1,64})\.(.+)$/.exec(text);
  const position = current ? parsePosition(current[2] ?? '') : null;
  if (!current || !position) throw new BadTokenError(NOT_OURS);
  return { epoch: current[1] ?? '', position };
}

/** Where a paged bootstrap of one bucket stands. */
export type BootstrapState = {
  epoch: string;
  bucket: string;
  /** The feed position of the snapshot the bootstrap started at; the cursor once it is done. */
  start: FeedPosition;
  /** Index into the bucket's phases (one per entity). */
  phase: number;
  /** Last primary key served in that phase, or null before its first row. */
  key: string | null;
};

export function encodePageToken(state: BootstrapState): string {
  const json = JSON.stringify({
    v: 2,
    e: state.epoch,
    b: state.bucket,
    s: formatPosition(state.start),
    p: state.phase,
    k: state.key,
  });
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
  const { v, e, b, h, s, p, k } = record;
  // Version 1 tokens carried the old fence (`h`); its position is "everything below it".
  const start =
    v === 1 && typeof h === 'string' && /^\d{1,20}$/.test(h)
      ? { xmax: BigInt(h), gaps: [] }
      : v === 2 && typeof s === 'string'
        ? parsePosition(s)
        : null;
  if (
    start === null ||
    typeof e !== 'string' ||
    typeof b !== 'string' ||
    typeof p !== 'number' ||
    !Number.isInteger(p) ||
    p < 0 ||
    (k !== null && typeof k !== 'string')
  ) {
    throw new BadTokenError('the page token is not one this server issued');
  }
  return { epoch: e, bucket: b, start, phase: p, key: k };
}
