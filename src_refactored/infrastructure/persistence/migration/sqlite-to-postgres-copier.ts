import { quoteIdent } from '../postgres/node-postgres-connection.js';
import type { PgExecutor } from '../postgres/pg-connection.js';
import type { PgStore } from '../postgres/pg-store.js';
import { COPY_PLAN, insertStatement, type CopyTable, type SerialTable } from './copy-plan.js';
import { PostgresMigrationTarget, type TargetMode } from './postgres-migration-target.js';
import { SqliteSnapshotReader } from './sqlite-snapshot-reader.js';

export interface CopyProgress {
  table: string;
  /** Rows copied so far, all tables together, out of `total`. */
  copied: number;
  total: number;
}

export interface CopyOptions {
  mode?: TargetMode;
  /** Rows per INSERT (default 2 000); pages of large payloads are cut shorter (see PAGE_BYTES). */
  batchRows?: number;
  onProgress?: (progress: CopyProgress) => void;
}

export interface CopyReport {
  /** Rows copied per table, in copy order. */
  rows: Record<string, number>;
  total: number;
  queues: string[];
  /** Text values holding NUL characters, which PostgreSQL text cannot store: copied with U+FFFD instead. */
  nulReplaced: number;
}

/**
 * About this much text per INSERT: 2 000 rows of ordinary jobs weigh ~1 MB, but a store of 100 kB
 * payloads would make one statement 200 MB. The next page shrinks so a batch stays near this size.
 */
const PAGE_BYTES = 8 * 1024 * 1024;
const DEFAULT_BATCH = 2_000;

/**
 * Copies every table of a bullite SQLite file into a PostgreSQL store, values as stored (encrypted
 * payloads stay encrypted: the same key opens them on PostgreSQL).
 *
 * One transaction for the whole copy: the target goes from its old contents to the complete copy at
 * once, so an interrupted or failed migration leaves it as it was and can simply be run again, and no
 * engine ever starts on half a store. Resumable batches would need a record of progress in the target
 * and a rule for a source that changed in between, to save at most one re-run; PostgreSQL holds a
 * transaction of millions of rows without trouble (100 000 jobs take seconds).
 */
export class SqliteToPostgresCopier {
  private nulReplaced = 0;

  constructor(
    private readonly store: PgStore,
    private readonly options: CopyOptions = {},
  ) {}

  async copy(sourcePath: string): Promise<CopyReport> {
    const reader = new SqliteSnapshotReader(sourcePath);
    try {
      reader.assertSchema(COPY_PLAN);
      const totals = Object.fromEntries(COPY_PLAN.map((t) => [t.name, reader.count(t.name)]));
      const total = Object.values(totals).reduce((a, b) => a + b, 0);
      const queues = reader.queueNames();
      await this.store.ready;
      const rows: Record<string, number> = {};
      let copied = 0;
      // A PostgreSQL transaction (PgConnection: BEGIN, awaited batches, COMMIT on one connection), not a
      // better-sqlite3 one: the SQLite side is a plain read snapshot held by the reader.
      await this.store.connection.transaction(async (tx) => {
        const target = new PostgresMigrationTarget(tx, this.store.schema);
        const offsets = await target.prepare(this.options.mode ?? 'refuse', queues);
        for (const table of COPY_PLAN) {
          rows[table.name] = await this.copyTable(reader, tx, table, offsets, (n) => {
            copied += n;
            this.options.onProgress?.({ table: table.name, copied, total });
          });
        }
        await target.finish();
      });
      // Fresh planner statistics: without them the first claims plan as if the tables were empty.
      await this.store.connection.query(`ANALYZE ${COPY_PLAN.map((t) => t.name).map(quoteIdent).join(', ')}, finished_counts`);
      return { rows, total: copied, queues, nulReplaced: this.nulReplaced };
    } finally {
      reader.close();
    }
  }

  /**
   * One table, page by page. The INSERT of a page runs on the server while the next page is read from
   * SQLite and turned into column arrays, so the two databases work at the same time.
   */
  private async copyTable(
    reader: SqliteSnapshotReader,
    tx: PgExecutor,
    table: CopyTable,
    offsets: Record<SerialTable, number>,
    onBatch: (rows: number) => void,
  ): Promise<number> {
    const statement = insertStatement(table);
    const limit = this.options.batchRows ?? DEFAULT_BATCH;
    let pending: Promise<unknown> | undefined;
    let pendingRows = 0;
    let copied = 0;
    for (let after = Number.MIN_SAFE_INTEGER, size = limit; ; ) {
      const page = reader.page(table, after, size);
      const { arrays, bytes } = this.toColumns(table, page.rows, offsets);
      if (pending !== undefined) {
        await pending;
        onBatch(pendingRows);
      }
      if (page.rows.length === 0) break;
      pending = tx.query(statement, arrays);
      // Awaited below; if reading the next page throws first, this failure must not surface as unhandled.
      pending.catch(() => undefined);
      pendingRows = page.rows.length;
      copied += page.rows.length;
      after = page.last;
      if (page.rows.length < size) {
        await pending;
        onBatch(pendingRows);
        break;
      }
      size = Math.max(1, Math.min(limit, Math.floor((page.rows.length * PAGE_BYTES) / Math.max(1, bytes))));
    }
    return copied;
  }

  /** Rows → one array per column; ids shifted by their table's offset; the text size of the page. */
  private toColumns(table: CopyTable, rows: unknown[][], offsets: Record<SerialTable, number>): { arrays: unknown[][]; bytes: number } {
    let bytes = 0;
    const arrays = table.columns.map((column, c) => {
      const shift = column.shiftedBy === undefined ? 0 : offsets[column.shiftedBy];
      const text = column.pgType === 'text';
      return rows.map((row) => {
        const value = row[c];
        // SQLite's column affinity is a preference: convert what a foreign writer may have left there.
        if (typeof value === 'number' && text) return String(value);
        if (typeof value === 'number' && !Number.isInteger(value)) return Math.round(value) + shift;
        if (typeof value === 'string') {
          bytes += value.length;
          if (!value.includes('\0')) return value;
          this.nulReplaced++;
          return value.replaceAll('\0', '\uFFFD');
        }
        if (typeof value === 'number') return value + shift;
        if (typeof value === 'bigint') return String(value + BigInt(shift));
        // A BLOB in a text column (written by a foreign tool): PostgreSQL text wants the characters.
        if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
        return value ?? null;
      });
    });
    return { arrays, bytes };
  }
}
