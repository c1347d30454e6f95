import type { JobState } from '../../../core/domain/job/job-state.js';
import type { RemoveOutcome } from '../../../core/application/ports/job-repository.port.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import { FINISHED, READY, READY_STATE_OF_ROW } from '../drizzle/sql-fragments.js';
import type { PgStore } from './pg-store.js';
import { PG_RESEQUENCE, type PgQueueCounters } from './pg-queue-counters.js';
import { PgFlowRemoval } from './pg-flow-removal.js';
import { pgSql } from './pg-statement.js';

/** Promotions happen in bounded batches so one sweep never holds its row locks for long. */
const PROMOTE_BATCH = 1000;

/** SQLite reads LIMIT -1 as "no limit"; PostgreSQL wants NULL. */
const limitOf = (n: number): number | null => (n < 0 ? null : n);

/**
 * The oldest jobs of one state whose `timeColumn` is before @before, at most @limit (NULL: all). The outer
 * conditions repeat the inner ones: a row that changed state after the subquery read it (claimed
 * meanwhile) is re-checked on its newest version and kept.
 */
function cleanStatement(timeColumn: 'finished_on' | 'timestamp') {
  const where = `queue = @queue AND state = @state AND ${timeColumn} <= @before`;
  return pgSql<{ job_id: string }>(
    `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE ${where} ORDER BY ${timeColumn} LIMIT @limit::bigint) AND ${where}
     RETURNING job_id`,
  );
}

/**
 * Queue-side maintenance (remove, drain, clean, obliterate, retry, promote), the twin of SqliteJobAdmin.
 * Where SQLite relied on its single writer, the rows a decision reads are locked as they are read:
 * retries and promotions take their rows FOR UPDATE (promotions SKIP LOCKED, so two schedulers split the
 * due jobs instead of queueing), clean re-checks its conditions on the rows it deletes, and obliterate
 * locks the queue row (adds wait) and every job of the queue (claims skip them) before it decides.
 */
export class PgJobAdmin {
  private readonly removal: PgFlowRemoval;
  private readonly s = {
    drainReady: pgSql<{ c: number }>(`WITH d AS (DELETE FROM jobs WHERE queue = @queue AND ${READY} RETURNING 1) SELECT count(*) AS c FROM d`),
    drainDelayed: pgSql<{ c: number }>(`WITH d AS (DELETE FROM jobs WHERE queue = @queue AND state = 'delayed' RETURNING 1) SELECT count(*) AS c FROM d`),
    lockQueue: pgSql(`SELECT 1 FROM queues WHERE name = @queue FOR UPDATE`),
    anyActive: pgSql(`SELECT 1 FROM jobs WHERE queue = @queue AND state = 'active' LIMIT 1`),
    lockedActive: pgSql<{ c: number }>(
      `SELECT count(*) FILTER (WHERE state = 'active') AS c FROM (SELECT state FROM jobs WHERE queue = @queue FOR UPDATE) j`,
    ),
    dueIds: pgSql<{ id: number; job_id: string }>(
      `SELECT id, job_id FROM jobs WHERE queue = @queue AND state = 'delayed' AND run_at <= @now
       ORDER BY run_at, seq LIMIT @limit::bigint FOR UPDATE SKIP LOCKED`,
    ),
    toReady: pgSql(`UPDATE jobs SET state = ${READY_STATE_OF_ROW}, run_at = NULL, seq = ${PG_RESEQUENCE} WHERE id = @rowId AND state = 'delayed'`),
    promoteOne: pgSql<{ id: number }>(`SELECT id FROM jobs WHERE queue = @queue AND job_id = @id AND state = 'delayed' FOR UPDATE`),
    finishedIds: pgSql<{ id: number }>(
      `SELECT id FROM jobs WHERE queue = @queue AND ${FINISHED} AND state = @state AND finished_on <= @before
       ORDER BY finished_on LIMIT @limit::bigint FOR UPDATE`,
    ),
    retryRow: pgSql(
      `UPDATE jobs SET state = ${READY_STATE_OF_ROW}, seq = ${PG_RESEQUENCE}, finished_on = NULL, processed_on = NULL,
              returnvalue = NULL, failed_reason = NULL, stacktrace = NULL, stalled_counter = 0, cancel_reason = NULL,
              attempts_made = CASE WHEN @reset::int = 1 THEN 0 ELSE attempts_made END
       WHERE id = @rowId`,
    ),
    retryOne: pgSql<{ id: number }>(`SELECT id FROM jobs WHERE queue = @queue AND job_id = @id AND ${FINISHED} AND state = @state FOR UPDATE`),
    // Only the queues that have a due job: one statement instead of one probe per queue.
    queuesWithDue: pgSql<{ name: string }>(
      `SELECT name FROM queues q WHERE EXISTS (SELECT 1 FROM jobs WHERE queue = q.name AND state = 'delayed' AND run_at <= @now)
       ORDER BY name`,
    ),
    // One jobs_delayed probe per queue, in one round trip.
    nextDue: pgSql<{ at: number | null }>(
      `SELECT min(j.run_at) AS at FROM queues q
       CROSS JOIN LATERAL (SELECT run_at FROM jobs WHERE queue = q.name AND state = 'delayed' ORDER BY run_at LIMIT 1) j`,
    ),
    deleteQueueJobs: pgSql('DELETE FROM jobs WHERE queue = @queue'),
    deleteQueueRows: [
      pgSql('DELETE FROM job_schedulers WHERE queue = @queue'),
      pgSql('DELETE FROM deduplication_keys WHERE queue = @queue'),
      pgSql('DELETE FROM queue_groups WHERE queue = @queue'),
      pgSql('DELETE FROM group_rotation WHERE queue = @queue'),
      pgSql('DELETE FROM metrics WHERE queue = @queue'),
      pgSql('DELETE FROM queues WHERE name = @queue'),
    ],
  };

  private readonly cleanStmts = { finished_on: cleanStatement('finished_on'), timestamp: cleanStatement('timestamp') };

  constructor(
    private readonly store: PgStore,
    private readonly counters: PgQueueCounters,
    codec: PayloadCodec,
  ) {
    this.removal = new PgFlowRemoval(store, counters, codec);
  }

  /** Removes the job and its flow subtree; 'locked' (nothing removed) when one of them is active. */
  remove(queue: string, id: string, now: number): Promise<RemoveOutcome> {
    return this.removal.remove(queue, id, now);
  }

  async drain(queue: string, includeDelayed: boolean): Promise<number> {
    const ex = this.store.tx.ex;
    const ready = (await this.s.drainReady.get(ex, { queue }))!.c;
    return ready + (includeDelayed ? (await this.s.drainDelayed.get(ex, { queue }))!.c : 0);
  }

  async clean(queue: string, graceMs: number, limit: number, state: JobState, now: number): Promise<string[]> {
    // Finished jobs age from their finish, the others from their creation (as BullMQ's clean).
    const timeColumn = state === 'completed' || state === 'failed' ? 'finished_on' : 'timestamp';
    const rows = await this.cleanStmts[timeColumn].all(this.store.tx.ex, { queue, state, before: now - graceMs, limit: limit > 0 ? limit : null });
    return rows.map((r) => r.job_id);
  }

  async obliterate(queue: string, force: boolean): Promise<'done' | 'active'> {
    const ex = this.store.tx.ex;
    // A queue seen with an active job is refused before anything is locked.
    if (!force && (await this.s.anyActive.get(ex, { queue })) !== undefined) return 'active';
    await this.s.lockQueue.run(ex, { queue });
    if (!force && (await this.s.lockedActive.get(ex, { queue }))!.c > 0) return 'active';
    await this.s.deleteQueueJobs.run(ex, { queue });
    for (const stmt of this.s.deleteQueueRows) await stmt.run(ex, { queue });
    return 'done';
  }

  async retryJobs(queue: string, state: 'failed' | 'completed', count: number, timestamp: number): Promise<number> {
    const rows = await this.s.finishedIds.all(this.store.tx.ex, { queue, state, before: timestamp, limit: limitOf(count) });
    for (const row of rows) await this.retryRow(queue, row.id, false);
    return rows.length;
  }

  async retryJob(queue: string, id: string, fromState: 'failed' | 'completed', resetAttemptsMade: boolean): Promise<boolean> {
    const row = await this.s.retryOne.get(this.store.tx.ex, { queue, id, state: fromState });
    if (row === undefined) return false;
    await this.retryRow(queue, row.id, resetAttemptsMade);
    return true;
  }

  private async retryRow(queue: string, rowId: number, reset: boolean): Promise<void> {
    const seq = await this.counters.nextSeq(queue);
    await this.s.retryRow.run(this.store.tx.ex, { rowId, seq, reset: reset ? 1 : 0 });
  }

  async promoteJobs(queue: string, count: number): Promise<number> {
    const rows = await this.s.dueIds.all(this.store.tx.ex, { queue, now: Number.MAX_SAFE_INTEGER, limit: limitOf(count) });
    return (await this.promoteRows(queue, rows)).length;
  }

  async promote(queue: string, id: string): Promise<boolean> {
    const row = await this.s.promoteOne.get(this.store.tx.ex, { queue, id });
    if (row === undefined) return false;
    await this.promoteRows(queue, [{ id: row.id, job_id: id }]);
    return true;
  }

  /** Due delayed jobs in every queue move to waiting, keeping the FIFO order of their due times. */
  async promoteDue(now: number): Promise<{ queue: string; ids: string[] }[]> {
    const ex = this.store.tx.ex;
    const promoted: { queue: string; ids: string[] }[] = [];
    for (const { name } of await this.s.queuesWithDue.all(ex, { now })) {
      const ids = await this.promoteRows(name, await this.s.dueIds.all(ex, { queue: name, now, limit: PROMOTE_BATCH }));
      if (ids.length > 0) promoted.push({ queue: name, ids });
    }
    return promoted;
  }

  async nextDueAt(): Promise<number | null> {
    return (await this.s.nextDue.get(this.store.tx.ex))?.at ?? null;
  }

  /** Rows arrive in due order; one reserved block of sequence numbers keeps that order in waiting. */
  private async promoteRows(queue: string, rows: { id: number; job_id: string }[]): Promise<string[]> {
    if (rows.length === 0) return [];
    let seq = (await this.counters.reserve(queue, 0, rows.length)).firstSeq;
    for (const row of rows) await this.s.toReady.run(this.store.tx.ex, { rowId: row.id, seq: seq++ });
    return rows.map((r) => r.job_id);
  }
}
