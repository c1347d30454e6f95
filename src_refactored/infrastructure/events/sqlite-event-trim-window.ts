import type { SqliteDb } from '../persistence/drizzle/sqlite-database.js';

/** The rows of one queue's events table, oldest first, that may still be kept: (id, count) from `head` on. */
interface QueueRows {
  ids: number[];
  counts: number[];
  head: number;
  /** Events in the rows from `head` on. */
  sum: number;
  /** The newest id read: the next read starts after it. */
  last: number;
}

/** Compact a queue's arrays once this many dropped entries sit before `head` (and they are half of them). */
const COMPACT_AFTER = 1024;

/**
 * Where a queue's event trim cuts (SqliteEventBus): the newest row from which that queue's rows hold at
 * least `maxLen` events. The rows before it can go.
 *
 * Why not one query. Summing `count` over the queue's rows, newest first, walks every row the queue keeps.
 * That costs about 1 µs per row, window function or not (.scratch/cutoff-bench.mts). W3 writes rows of two
 * events, so at the default maxLen of 10 000 each trim walked ~5 000 rows. That was 5.3 ms per trim, one
 * trim per 500 jobs: 10 µs of every job.
 *
 * What this does instead. It keeps each queue's (id, count) in id order, in memory. Each trim reads only
 * the rows written since the previous trim, by this process or any other: row ids grow in commit order,
 * because every writer takes the next id under the write lock. Then it drops rows from the old end while
 * the rest still hold maxLen events.
 *
 * Rows another process has already trimmed may linger at the old end. They do not move the cut: they are
 * older than that process's cutoff, and the rows from its cutoff on still hold maxLen events (only trims
 * delete events), so they are dropped before any real row is.
 */
export class SqliteEventTrimWindow {
  private readonly queues = new Map<string, QueueRows>();
  private readonly since;

  constructor(
    db: SqliteDb,
    private readonly maxLen: number,
  ) {
    this.since = db
      .prepare<[string, number], [number, number]>('SELECT id, count FROM events WHERE queue = ? AND id > ? ORDER BY id')
      .raw(true);
  }

  /** The id of the oldest row to keep, or undefined while the queue's rows hold fewer than maxLen events. */
  cutoff(queue: string): number | undefined {
    let rows = this.queues.get(queue);
    if (rows === undefined) {
      rows = { ids: [], counts: [], head: 0, sum: 0, last: 0 };
      this.queues.set(queue, rows);
    }
    for (const [id, count] of this.since.all(queue, rows.last)) {
      rows.ids.push(id);
      rows.counts.push(count);
      rows.sum += count;
      rows.last = id;
    }
    while (rows.head < rows.ids.length - 1 && rows.sum - rows.counts[rows.head] >= this.maxLen) {
      rows.sum -= rows.counts[rows.head];
      rows.head++;
    }
    if (rows.head > COMPACT_AFTER && rows.head * 2 > rows.ids.length) {
      rows.ids = rows.ids.slice(rows.head);
      rows.counts = rows.counts.slice(rows.head);
      rows.head = 0;
    }
    return rows.sum >= this.maxLen ? rows.ids[rows.head] : undefined;
  }

  /**
   * Forgets every queue; the next trim reads its rows again. Called when a write transaction rolls back,
   * because the rows read inside it may never have been stored.
   */
  reset(): void {
    this.queues.clear();
  }
}
