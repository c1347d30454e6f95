import { ValidationError } from '../../../shared/bullite-error.js';
import type { SearchPosition } from '../ports/job-search.port.js';

/**
 * searchJobs cursors are opaque to callers: base64url of [order, timestamp, row]. The order is part of
 * the cursor so a cursor from a newest-first list cannot silently page an oldest-first one.
 */
export function encodeCursor(order: 'asc' | 'desc', position: SearchPosition): string {
  return Buffer.from(JSON.stringify([order === 'desc' ? 1 : 0, position.timestamp, position.row])).toString('base64url');
}

export function decodeCursor(cursor: string, order: 'asc' | 'desc'): SearchPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const ok = Array.isArray(parsed) && parsed.length === 3 && parsed.every((n) => Number.isSafeInteger(n));
  if (!ok) throw new ValidationError('opts.cursor', 'opts.cursor: not a cursor returned by searchJobs (pass nextCursor unchanged)');
  const [dir, timestamp, row] = parsed as number[];
  if ((dir === 1) !== (order === 'desc')) {
    throw new ValidationError('opts.cursor', `opts.cursor: this cursor pages an ${dir === 1 ? "'desc'" : "'asc'"} list; pass the same order`);
  }
  return { timestamp, row };
}
