import type { JobState } from '../../../core/domain/job/job-state.js';
import type { RemoveOutcome } from '../../../core/application/ports/job-repository.port.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import type { SqliteDb } from './sqlite-database.js';
import type { SqliteQueueCounters } from './sqlite-queue-counters.js';
import { FINISHED, READY, READY_STATE_OF_ROW, RESEQUENCE, stateIndexTerm } from './sql-fragments.js';
import { SqliteFlowRemoval } from './sqlite-flow-removal.js';

/** Promotions happen in bounded batches so one sweep never holds the write lock for long. */
const PROMOTE_BATCH = 1000;

/** Queue-side maintenance: remove, drain, clean, obliterate, retry and promote. */
export class SqliteJobAdmin {
  private readonly s;
  private readonly removal: SqliteFlowRemoval;

  constructor(
    private readonly db: SqliteDb,
    private readonly counters: SqliteQueueCounters,
    codec: PayloadCodec,
  ) {
    this.removal = new SqliteFlowRemoval(db, counters, codec);
    this.s = {
      drainReady: db.prepare(`DELETE FROM jobs WHERE queue = ? AND ${READY}`),
      drainDelayed: db.prepare(`DELETE FROM jobs WHERE queue = ? AND state = 'delayed'`),
      activeCount: db.prepare<[string], { c: number }>(`SELECT count(*) AS c FROM jobs WHERE queue = ? AND state = 'active'`),
      dueIds: db.prepare<[string, number, number], { id: number; job_id: string }>(
        `SELECT id, job_id FROM jobs WHERE queue = ? AND state = 'delayed' AND run_at <= ? ORDER BY run_at, seq LIMIT ?`,
      ),
      toReady: db.prepare(
        `UPDATE jobs SET state = ${READY_STATE_OF_ROW}, run_at = NULL, seq = ${RESEQUENCE} WHERE id = @rowId`,
      ),
      promoteOne: db.prepare<[string, string], { id: number }>(
        `SELECT id FROM jobs WHERE queue = ? AND job_id = ? AND state = 'delayed'`,
      ),
      finishedIds: db.prepare<[string, string, number, number], { id: number }>(
        `SELECT id FROM jobs WHERE queue = ? AND ${FINISHED} AND state = ? AND finished_on <= ? ORDER BY finished_on LIMIT ?`,
      ),
      retryRow: db.prepare(
        `UPDATE jobs SET state = ${READY_STATE_OF_ROW}, seq = ${RESEQUENCE}, finished_on = NULL, processed_on = NULL,
                returnvalue = NULL, failed_reason = NULL, stacktrace = NULL, stalled_counter = 0, cancel_reason = NULL,
                attempts_made = CASE WHEN @reset THEN 0 ELSE attempts_made END
         WHERE id = @rowId`,
      ),
      retryOne: db.prepare<[string, string, string], { id: number }>(
        `SELECT id FROM jobs WHERE queue = ? AND job_id = ? AND ${FINISHED} AND state = ?`,
      ),
      queuesWithDelayed: db.prepare<[], { name: string }>('SELECT name FROM queues'),
      nextDue: db.prepare<[string], { at: number | null }>(
        `SELECT min(run_at) AS at FROM jobs WHERE queue = ? AND state = 'delayed'`,
      ),
      deleteQueueJobs: db.prepare('DELETE FROM jobs WHERE queue = ?'),
      deleteQueueRows: [
        db.prepare('DELETE FROM job_schedulers WHERE queue = ?'),
        db.prepare('DELETE FROM deduplication_keys WHERE queue = ?'),
        db.prepare('DELETE FROM queue_groups WHERE queue = ?'),
        db.prepare('DELETE FROM group_rotation WHERE queue = ?'),
        db.prepare('DELETE FROM metrics WHERE queue = ?'),
        db.prepare('DELETE FROM queues WHERE name = ?'),
      ],
    };
  }

  /** Removes the job and its flow subtree; 'locked' (nothing removed) when one of them is active. */
  remove(queue: string, id: string, now: number): RemoveOutcome {
    return this.removal.remove(queue, id, now);
  }

  drain(queue: string, includeDelayed: boolean): number {
    const ready = this.s.drainReady.run(queue).changes;
    return ready + (includeDelayed ? this.s.drainDelayed.run(queue).changes : 0);
  }

  clean(queue: string, graceMs: number, limit: number, state: JobState, now: number): string[] {
    // Finished jobs age from their finish, the others from their creation (as BullMQ's clean).
    const timeColumn = state === 'completed' || state === 'failed' ? 'finished_on' : 'timestamp';
    // The partial index's own term (a constant), so the state's index serves the walk.
    const stateTerm = stateIndexTerm(state);
    const rows = this.db
      .prepare<[string, string, number, number], { job_id: string }>(
        `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE queue = ? AND state = ? AND ${stateTerm} AND ${timeColumn} <= ?
                                       ORDER BY ${timeColumn} LIMIT ?) RETURNING job_id`,
      )
      .all(queue, state, now - graceMs, limit > 0 ? limit : -1);
    return rows.map((r) => r.job_id);
  }

  obliterate(queue: string, force: boolean): 'done' | 'active' {
    if (!force && this.s.activeCount.get(queue)!.c > 0) return 'active';
    this.s.deleteQueueJobs.run(queue);
    for (const stmt of this.s.deleteQueueRows) stmt.run(queue);
    return 'done';
  }

  retryJobs(queue: string, state: 'failed' | 'completed', count: number, timestamp: number): number {
    const rows = this.s.finishedIds.all(queue, state, timestamp, count);
    for (const row of rows) this.retryRow(queue, row.id, false);
    return rows.length;
  }

  retryJob(queue: string, id: string, fromState: 'failed' | 'completed', resetAttemptsMade: boolean): boolean {
    const row = this.s.retryOne.get(queue, id, fromState);
    if (row === undefined) return false;
    this.retryRow(queue, row.id, resetAttemptsMade);
    return true;
  }

  private retryRow(queue: string, rowId: number, reset: boolean): void {
    this.s.retryRow.run({ rowId, seq: this.counters.nextSeq(queue), reset: reset ? 1 : 0 });
  }

  promoteJobs(queue: string, count: number): number {
    return this.promoteRows(queue, this.s.dueIds.all(queue, Number.MAX_SAFE_INTEGER, count)).length;
  }

  promote(queue: string, id: string): boolean {
    const row = this.s.promoteOne.get(queue, id);
    if (row === undefined) return false;
    this.promoteRows(queue, [{ id: row.id, job_id: id }]);
    return true;
  }

  /** Due delayed jobs in every queue move to waiting, keeping the FIFO order of their due times. */
  promoteDue(now: number): { queue: string; ids: string[] }[] {
    const promoted: { queue: string; ids: string[] }[] = [];
    for (const { name } of this.s.queuesWithDelayed.all()) {
      const ids = this.promoteRows(name, this.s.dueIds.all(name, now, PROMOTE_BATCH));
      if (ids.length > 0) promoted.push({ queue: name, ids });
    }
    return promoted;
  }

  nextDueAt(): number | null {
    let earliest: number | null = null;
    for (const { name } of this.s.queuesWithDelayed.all()) {
      const at = this.s.nextDue.get(name)!.at;
      if (at !== null && (earliest === null || at < earliest)) earliest = at;
    }
    return earliest;
  }

  /** Rows arrive in due order; one reserved block of sequence numbers keeps that order in waiting. */
  private promoteRows(queue: string, rows: { id: number; job_id: string }[]): string[] {
    if (rows.length === 0) return [];
    let seq = this.counters.reserve(queue, 0, rows.length).firstSeq;
    for (const row of rows) this.s.toReady.run({ rowId: row.id, seq: seq++ });
    return rows.map((r) => r.job_id);
  }
}
