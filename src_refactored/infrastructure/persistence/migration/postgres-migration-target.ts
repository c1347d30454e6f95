import type { PgExecutor } from '../postgres/pg-connection.js';
import { quoteIdent } from '../postgres/node-postgres-connection.js';
import { SERIAL_TABLES, STORE_TABLES, type SerialTable } from './copy-plan.js';
import { MigrationTargetError } from './migration-errors.js';

/**
 * What to do with a target that already holds data: `refuse` (the default), `force` (empty it first)
 * or `append` (add the source's queues beside the ones there, refused if a queue name exists in both).
 */
export type TargetMode = 'refuse' | 'force' | 'append';


/**
 * The PostgreSQL side of one migration, every method called inside the copy's single transaction on
 * `tx`. `schema` qualifies the names given to functions that parse a table name (the pool's
 * search_path already points at it for plain statements).
 */
export class PostgresMigrationTarget {
  constructor(
    private readonly tx: PgExecutor,
    private readonly schema: string,
  ) {}

  /**
   * Locks every store table against writers until the copy commits (readers go on), then applies the
   * mode. An engine already running on the target waits for the commit instead of interleaving its ids
   * with the copied ones; its open transactions finish first (the lock waits for them).
   */
  async prepare(mode: TargetMode, sourceQueues: readonly string[]): Promise<Record<SerialTable, number>> {
    await this.tx.query(`LOCK TABLE ${STORE_TABLES.map(quoteIdent).join(', ')} IN EXCLUSIVE MODE`);
    const used: string[] = [];
    for (const table of STORE_TABLES) {
      const [row] = await this.tx.query<{ used: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${quoteIdent(table)}) AS used`);
      if (row.used) used.push(table);
    }
    if (used.length > 0 && mode === 'refuse') {
      throw new MigrationTargetError(
        `The PostgreSQL store (schema ${this.schema}) is not empty (rows in ${used.join(', ')}). ` +
          'Use --force to replace its contents, --append to add this file\'s queues beside its own, or another --schema.',
      );
    }
    if (used.length > 0 && mode === 'force') {
      await this.tx.query(`TRUNCATE ${STORE_TABLES.map(quoteIdent).join(', ')} RESTART IDENTITY`);
    }
    if (used.length > 0 && mode === 'append') await this.assertNoSharedQueue(sourceQueues);
    const offsets = { jobs: 0, job_logs: 0, events: 0 };
    // Appending: copied row ids go above the target's, so nothing collides and order is kept.
    if (mode === 'append') {
      for (const table of SERIAL_TABLES) {
        const [row] = await this.tx.query<{ top: number | null }>(`SELECT max(id) AS top FROM ${quoteIdent(table)}`);
        offsets[table] = Number(row.top ?? 0);
      }
    }
    return offsets;
  }

  private async assertNoSharedQueue(sourceQueues: readonly string[]): Promise<void> {
    const shared = await this.tx.query<{ q: string }>(
      `SELECT name AS q FROM queues WHERE name = ANY($1::text[])
       UNION SELECT queue FROM jobs WHERE queue = ANY($1::text[])
       UNION SELECT queue FROM job_schedulers WHERE queue = ANY($1::text[])
       UNION SELECT queue FROM events WHERE queue = ANY($1::text[])`,
      [sourceQueues],
    );
    if (shared.length > 0) {
      const names = shared.map((r) => r.q).sort();
      throw new MigrationTargetError(
        `--append refused: the PostgreSQL store (schema ${this.schema}) already has queue${names.length > 1 ? 's' : ''} ${names.join(', ')}. ` +
          'Two stores can only be merged when their queue names differ (use --force to replace the target instead).',
      );
    }
  }

  /**
   * After the rows: each sequence moved past the highest id so the engine's next insert does not collide.
   * finished_counts needs nothing: its triggers count per INSERT statement (migration 0003), one upsert
   * per 2 000-row batch (the per-row triggers they replaced made 40 000 completed jobs take 63 s).
   */
  async finish(): Promise<void> {
    for (const table of SERIAL_TABLES) {
      const qualified = `${quoteIdent(this.schema)}.${quoteIdent(table)}`;
      // is_called = false: the next nextval() returns exactly max(id) + 1.
      await this.tx.query(
        `SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE((SELECT max(id) FROM ${quoteIdent(table)}), 0) + 1, false)`,
        [qualified],
      );
    }
  }
}
