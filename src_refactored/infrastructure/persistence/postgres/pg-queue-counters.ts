import type { PgStore } from './pg-store.js';
import { pgSql } from './pg-statement.js';

/**
 * ../drizzle/sql-fragments.ts RESEQUENCE with a typed parameter (PostgreSQL cannot choose a unary minus
 * for an untyped one): a job re-entering the queue takes @seq (from nextSeq/reserve), negated for LIFO.
 */
export const PG_RESEQUENCE = `CASE WHEN seq < 0 THEN -@seq::bigint ELSE @seq::bigint END`;

/**
 * Per-queue counters in the `queues` row: numeric job ids and the FIFO sequence. One upsert both
 * creates the queue row on first use and reserves a block of values. The upsert takes the row lock
 * until the transaction commits, so two processes never get the same numbers, and a queue's
 * sequence numbers become visible in commit order (a later add never overtakes an earlier one).
 * That lock also serialises the adds to one queue: the writer's dedup and custom-id checks rely on it.
 */
export class PgQueueCounters {
  private readonly reserveStmt = pgSql<{ id_counter: number; seq_counter: number }>(
    `INSERT INTO queues (name, id_counter, seq_counter) VALUES (@queue, @ids, @seqs)
     ON CONFLICT (name) DO UPDATE SET id_counter = queues.id_counter + excluded.id_counter,
                                      seq_counter = queues.seq_counter + excluded.seq_counter
     RETURNING id_counter, seq_counter`,
  );

  constructor(private readonly store: PgStore) {}

  /** Reserves `ids` job ids and `seqs` sequence numbers; returns the first of each block. */
  async reserve(queue: string, ids: number, seqs: number): Promise<{ firstId: number; firstSeq: number }> {
    const row = (await this.reserveStmt.get(this.store.tx.ex, { queue, ids, seqs }))!;
    return { firstId: row.id_counter - ids + 1, firstSeq: row.seq_counter - seqs + 1 };
  }

  /** A sequence number after every job now in the queue (a job re-entering waiting goes to the back). */
  async nextSeq(queue: string): Promise<number> {
    return (await this.reserve(queue, 0, 1)).firstSeq;
  }
}
