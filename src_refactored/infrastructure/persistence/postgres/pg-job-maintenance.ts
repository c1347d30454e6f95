import type { StalledCandidate, StalledDecision, StalledSweep } from '../../../core/application/ports/job-repository.port.js';
import type { JobsOptions } from '../../../core/domain/job/job-options.js';
import { STALLED_LIMIT_REASON } from '../../../core/domain/job/job-errors.js';
import { FINISHED, READY_STATE_OF_ROW, UNLOCKED } from '../drizzle/sql-fragments.js';
import type { PgStore } from './pg-store.js';
import { pgSql } from './pg-statement.js';

/**
 * A decision taken on an earlier read applies only if the lock is exactly as it was then: a renewal
 * (new locked_until) or a new claim (new token and locked_until) in between makes it a no-op. Each
 * UPDATE re-checks this on the row's newest version (after waiting for a concurrent writer), so two
 * schedulers in two processes sweeping at once move a job once.
 */
const UNCHANGED = `queue = @queue AND job_id = @id AND state = 'active' AND locked_until = @lockedUntil`;

/** The scheduler's periodic maintenance SQL, the twin of SqliteJobMaintenance (two-pass stalled recovery). */
export class PgJobMaintenance {
  private readonly s = {
    // jobs_active_queue serves this; no ORDER BY: any expired ones will do (the rest come next sweep).
    candidates: pgSql<{ job_id: string; locked_until: number; stalled_counter: number; opts: string }>(
      `SELECT job_id, locked_until, stalled_counter, opts FROM jobs
       WHERE state = 'active' AND locked_until < @now AND queue = @queue LIMIT @limit`,
    ),
    // A stalled job keeps its seq: it was claimed first, so it goes back to the front of its priority.
    toReady: pgSql(`UPDATE jobs SET state = ${READY_STATE_OF_ROW}, stalled_counter = stalled_counter + 1, ${UNLOCKED} WHERE ${UNCHANGED} RETURNING 1`),
    toFailed: pgSql(
      `UPDATE jobs SET state = 'failed', failed_reason = @reason, finished_on = @now,
              stalled_counter = stalled_counter + 1, ${UNLOCKED} WHERE ${UNCHANGED} RETURNING 1`,
    ),
    remove: pgSql(`DELETE FROM jobs WHERE ${UNCHANGED} RETURNING 1`),
    // Reads the last entry of jobs_finished (queue, state, finished_on): no sort, one row.
    newestFinished: pgSql<{ opts: string }>(
      `SELECT opts FROM jobs WHERE queue = @queue AND ${FINISHED} AND state = @state ORDER BY finished_on DESC LIMIT 1`,
    ),
  };

  constructor(private readonly store: PgStore) {}

  async candidates(queue: string, now: number, limit: number): Promise<StalledCandidate[]> {
    return (await this.s.candidates.all(this.store.tx.ex, { queue, now, limit })).map((r) => ({
      id: r.job_id,
      lockedUntil: r.locked_until,
      stalledCounter: r.stalled_counter,
      opts: JSON.parse(r.opts) as JobsOptions,
    }));
  }

  /** Applies the decisions; returns what moved. Retention of the failed ones is the caller's (same transaction). */
  async recover(queue: string, decisions: readonly StalledDecision[], now: number): Promise<StalledSweep> {
    const ex = this.store.tx.ex;
    const sweep: StalledSweep = { recovered: [], failed: [] };
    for (const d of decisions) {
      const key = { queue, id: d.id, lockedUntil: d.lockedUntil };
      if (!d.fail) {
        if ((await this.s.toReady.all(ex, key)).length === 1) sweep.recovered.push({ queue, id: d.id });
        continue;
      }
      const moved = d.retention.count === 0 ? await this.s.remove.all(ex, key) : await this.s.toFailed.all(ex, { ...key, now, reason: STALLED_LIMIT_REASON });
      if (moved.length === 1) sweep.failed.push({ queue, id: d.id });
    }
    return sweep;
  }

  async newestFinishedOpts(queue: string, state: 'completed' | 'failed'): Promise<JobsOptions | null> {
    const row = await this.s.newestFinished.get(this.store.tx.ex, { queue, state });
    return row === undefined ? null : (JSON.parse(row.opts) as JobsOptions);
  }
}
