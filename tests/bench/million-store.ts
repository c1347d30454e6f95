import Database from 'better-sqlite3';

/**
 * Fills a store that the engine has already created (migrations applied) with `count` waiting jobs in
 * `queue`, fast: one INSERT…SELECT over a recursive counter inside one transaction (about 1 s per
 * 100 000 rows here, against minutes through addBulk's validation and events).
 *
 * The rows are the ones `queue.addBulk([{ name: 'bulk', data: { i } }])` stores on a queue without
 * defaultJobOptions (same columns, same JSON text: json_object('i', i) = JSON.stringify({ i })), and
 * the queue's id and sequence counters are advanced the same way; tests/integration/bench-harness.test.ts
 * compares the two row by row.
 */
export function fillWaitingJobs(path: string, queue: string, count: number, now: number): void {
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 5000');
    db.transaction(() => {
      const base = db
        .prepare<[string], { seq: number; id: number }>('SELECT seq_counter AS seq, id_counter AS id FROM queues WHERE name = ?')
        .get(queue) ?? { seq: 0, id: 0 };
      // CAST(@idBase AS INTEGER): better-sqlite3 binds JS numbers as REAL, and CAST(2.0 AS TEXT) is '2.0'.
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)
         INSERT INTO jobs (queue, job_id, name, data, opts, state, priority, seq, timestamp, delay, run_at, max_attempts, group_id)
         SELECT @queue, CAST(CAST(@idBase AS INTEGER) + i AS TEXT), 'bulk', json_object('i', i), '{}', 'waiting', 0, @seqBase + i, @now, 0, NULL, 1, NULL
         FROM n`,
      ).run({ queue, count, now, idBase: base.id, seqBase: base.seq });
      db.prepare(
        `INSERT INTO queues (name, id_counter, seq_counter) VALUES (@queue, @count, @count)
         ON CONFLICT(name) DO UPDATE SET id_counter = id_counter + @count, seq_counter = seq_counter + @count`,
      ).run({ queue, count });
    }).immediate();
  } finally {
    db.close();
  }
}
