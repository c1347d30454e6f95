import type { SqliteDb } from './sqlite-database.js';

/**
 * Stored job data (after the codec) longer than this many bytes of UTF-8 lives in `job_payloads`, not in
 * its `jobs` row. Every state change of a job (claim, completion, retry, progress) rewrites its row, and
 * SQLite rewrites a row's overflow pages with it whenever the row's size changes, which every state change
 * does. WAL pages per job of a W3-like drain (claim and completion, one commit per job), inline → apart:
 * 4 KB of data 12.6 → 9.46, 20 KB 19.46 → 9.46 (10 bytes: 9.46). Up to 1 024 bytes the row (data, options
 * and ~100 bytes of columns) stays within one 2 KB page (PAGE_SIZE: 2 013 bytes of a row fit in a leaf), so
 * small data stays in the row and is read without a second lookup.
 */
export const INLINE_DATA_MAX = 1024;

/** UTF-16 units that can take more than INLINE_DATA_MAX bytes of UTF-8 (3 bytes per unit at most). */
const SURELY_INLINE_UNITS = Math.floor(INLINE_DATA_MAX / 3);

/** Measures bytes only when the length alone cannot tell (342–1 024 units; under 1 µs for 1 KB). */
const storedApart = (encoded: string): boolean =>
  encoded.length > INLINE_DATA_MAX || (encoded.length > SURELY_INLINE_UNITS && Buffer.byteLength(encoded, 'utf8') > INLINE_DATA_MAX);

/** What the `data` column of a `jobs` row holds for stored data `encoded`: itself, or '' when it is kept apart. */
export function inlineData(encoded: string): string {
  return storedApart(encoded) ? '' : encoded;
}

/** Writes of `job_payloads`; reads resolve the row's data with JOB_DATA (sql-fragments.ts). Callers hold a transaction. */
export class SqliteJobPayloads {
  private readonly s;

  constructor(db: SqliteDb) {
    this.s = {
      put: db.prepare<[number, string]>('INSERT OR REPLACE INTO job_payloads (id, data) VALUES (?, ?)'),
      drop: db.prepare<[number]>('DELETE FROM job_payloads WHERE id = ?'),
      setRow: db.prepare<[string, number]>('UPDATE jobs SET data = ? WHERE id = ?'),
    };
  }

  /** After the insert of a job row whose `data` column was given `inlineData(encoded)` (a new row has no payload to drop). */
  inserted(rowId: number, encoded: string): void {
    if (storedApart(encoded)) this.s.put.run(rowId, encoded);
  }

  /** After a row's `data` column was set to `inlineData(encoded)`: puts the payload, or drops one the row had. */
  place(rowId: number, encoded: string): void {
    if (storedApart(encoded)) this.s.put.run(rowId, encoded);
    else this.s.drop.run(rowId);
  }

  /** Replaces a stored job's data by row id (key rotation), moving it in or out of the row as its size asks. */
  replace(rowId: number, encoded: string): void {
    this.s.setRow.run(inlineData(encoded), rowId);
    this.place(rowId, encoded);
  }
}
