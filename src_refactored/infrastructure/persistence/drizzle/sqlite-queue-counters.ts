import type { SqliteDb } from './sqlite-database.js';

/**
 * Per-queue counters in the `queues` row: numeric job ids and the FIFO sequence. One upsert both
 * creates the queue row on first use and reserves a block of values, so a batch costs one statement.
 */
export class SqliteQueueCounters {
  private readonly reserveStmt;

  constructor(db: SqliteDb) {
    this.reserveStmt = db.prepare<{ queue: string; ids: number; seqs: number }, { id_counter: number; seq_counter: number }>(
      `INSERT INTO queues (name, id_counter, seq_counter) VALUES (@queue, @ids, @seqs)
       ON CONFLICT(name) DO UPDATE SET id_counter = id_counter + excluded.id_counter,
                                       seq_counter = seq_counter + excluded.seq_counter
       RETURNING id_counter, seq_counter`,
    );
  }

  /** Reserves `ids` job ids and `seqs` sequence numbers; returns the first of each block. */
  reserve(queue: string, ids: number, seqs: number): { firstId: number; firstSeq: number } {
    const row = this.reserveStmt.get({ queue, ids, seqs })!;
    return { firstId: row.id_counter - ids + 1, firstSeq: row.seq_counter - seqs + 1 };
  }

  /** A sequence number after every job now in the queue (a job re-entering waiting goes to the back). */
  nextSeq(queue: string): number {
    return this.reserve(queue, 0, 1).firstSeq;
  }
}
