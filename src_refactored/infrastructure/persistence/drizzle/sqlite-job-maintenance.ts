import type { StalledCandidate, StalledDecision, StalledSweep } from '../../../core/application/ports/job-repository.port.js';
import type { JobsOptions } from '../../../core/domain/job/job-options.js';
import { STALLED_LIMIT_REASON } from '../../../core/domain/job/job-errors.js';
import type { SqliteDb } from './sqlite-database.js';
import { FINISHED, READY_STATE_OF_ROW } from './sql-fragments.js';

const UNLOCK = `lock_token = NULL, locked_until = NULL`;
/**
 * A decision taken on an earlier read applies only if the lock is exactly as it was then: a renewal
 * (new locked_until) or a new claim (new token and locked_until) in between makes it a no-op.
 */
const UNCHANGED = `queue = @queue AND job_id = @id AND state = 'active' AND locked_until = @lockedUntil`;

/**
 * The scheduler's periodic maintenance SQL. Stalled-job recovery runs in two passes (see
 * QueueSchedulerService): `candidates` reads the active jobs whose lock expired, `recover` later moves
 * those whose lock did not change meanwhile. `newestFinishedOpts` tells the retention sweep which rule is
 * in force.
 */
export class SqliteJobMaintenance {
  private readonly s;

  constructor(db: SqliteDb) {
    this.s = {
      // Reads the queue's active jobs through jobs_active_queue (partial on state = 'active'); no ORDER BY:
      // ordering by locked_until would sort them, and any expired ones will do (the rest come next sweep).
      candidates: db.prepare<{ queue: string; now: number; limit: number }, { job_id: string; locked_until: number; stalled_counter: number; opts: string }>(
        `SELECT job_id, locked_until, stalled_counter, opts FROM jobs
         WHERE state = 'active' AND locked_until < @now AND queue = @queue LIMIT @limit`,
      ),
      // A stalled job keeps its seq: it was claimed first, so it goes back to the front of its priority.
      toReady: db.prepare(`UPDATE jobs SET state = ${READY_STATE_OF_ROW}, stalled_counter = stalled_counter + 1, ${UNLOCK} WHERE ${UNCHANGED}`),
      toFailed: db.prepare(
        `UPDATE jobs SET state = 'failed', failed_reason = @reason, finished_on = @now,
                stalled_counter = stalled_counter + 1, ${UNLOCK} WHERE ${UNCHANGED}`,
      ),
      remove: db.prepare(`DELETE FROM jobs WHERE ${UNCHANGED}`),
      // Reads the last entry of jobs_finished (queue, state, finished_on): no sort, one row.
      newestFinished: db.prepare<[string, string], { opts: string }>(
        `SELECT opts FROM jobs WHERE queue = ? AND ${FINISHED} AND state = ? ORDER BY finished_on DESC LIMIT 1`,
      ),
    };
  }

  candidates(queue: string, now: number, limit: number): StalledCandidate[] {
    return this.s.candidates.all({ queue, now, limit }).map((r) => ({
      id: r.job_id,
      lockedUntil: r.locked_until,
      stalledCounter: r.stalled_counter,
      opts: JSON.parse(r.opts) as JobsOptions,
    }));
  }

  /** Applies the decisions; returns what moved. Retention of the failed ones is the caller's (same transaction). */
  recover(queue: string, decisions: readonly StalledDecision[], now: number): StalledSweep {
    const sweep: StalledSweep = { recovered: [], failed: [] };
    for (const d of decisions) {
      const key = { queue, id: d.id, lockedUntil: d.lockedUntil };
      if (!d.fail) {
        if (this.s.toReady.run(key).changes === 1) sweep.recovered.push({ queue, id: d.id });
        continue;
      }
      const moved = d.retention.count === 0 ? this.s.remove.run(key) : this.s.toFailed.run({ ...key, now, reason: STALLED_LIMIT_REASON });
      if (moved.changes === 1) sweep.failed.push({ queue, id: d.id });
    }
    return sweep;
  }

  newestFinishedOpts(queue: string, state: 'completed' | 'failed'): JobsOptions | null {
    const row = this.s.newestFinished.get(queue, state);
    return row === undefined ? null : (JSON.parse(row.opts) as JobsOptions);
  }
}
