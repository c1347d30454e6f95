import type { Statement } from 'better-sqlite3';
import type { QueueEventRecord } from '../../../core/application/ports/event-bus.port.js';
import type { ClaimRequest, JobRecord, Retention, SettleCommand } from '../../../core/application/ports/job-record.js';
import type { LockRef, LockRenewal } from '../../../core/application/ports/job-repository.port.js';
import type { SqliteDb } from './sqlite-database.js';
import type { SqliteQueueCounters } from './sqlite-queue-counters.js';
import type { SqliteMetricsRecorder } from './sqlite-metrics-recorder.js';
import type { FinishedTimes } from './metrics-layout.js';
import { jobRowReader, toJobRecord, type JobRow } from './job-row.mapper.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import { FINISHED, JOB_COLUMNS, LINKED, READY, READY_STATE_OF_ROW, RESEQUENCE } from './sql-fragments.js';
import { LOCK_CLAIMED_SQL, claimLocker } from './sqlite-claim-lock.js';
import { retentionSlack } from '../retention-slack.js';
import { SqliteDeadLetters } from './sqlite-dead-letters.js';
import { SqliteDependencyResolver } from './sqlite-dependency-resolver.js';

/** At most this many finished jobs are deleted by one age-retention pass (bounded work per commit). */
const AGE_TRIM_BATCH = 1000;


const FENCE = `queue = @queue AND job_id = @id AND lock_token = @token AND state = 'active'`;
/**
 * FENCE with positional parameters (queue, id, token), for the completion and the failure, which run for
 * every job (named parameters cost what CLAIM_SET_POSITIONAL's note says, plus an object per call).
 */
const FENCE_POSITIONAL = `queue = ? AND job_id = ? AND lock_token = ? AND state = 'active'`;
const UNLOCK = `lock_token = NULL, locked_until = NULL`;
/** What the metrics need of a finished job (wait and processing time), returned by the same statement. */
const TIMES = `timestamp, delay, processed_on`;

/**
 * The claim picks the first ready job in index order (jobs_ready is exactly (queue, priority, seq) filtered
 * to ready states, so SQLite walks it and stops at the first row: no sort, cost independent of how many
 * jobs are stored), then LOCK_CLAIMED_SQL locks it by row id; `claim()` repeats both for each free slot.
 * The NOT EXISTS reads the one-row queues table, so the queue's state gates the claim without a separate
 * round trip. `id = (… LIMIT 1)` rather than `id IN (… LIMIT n)`: the IN form collects the ids before
 * reading. `gate` is the queue condition under which it claims nothing. The lock: sqlite-claim-lock.ts.
 * A read then an UPDATE without RETURNING, not one `UPDATE … RETURNING` of the whole row: RETURNING
 * fills an ephemeral table with the row's 31 columns first. In a raw loop on the engine's file (40 steps
 * per transaction, as a worker's group commit makes them) a claim cost 12.7 / 13.8 / 16.8 µs against
 * 8.3 / 10.5 / 11.9 µs; at one step per transaction 17.3 / 14.4 / 12.5 against 11.7 / 12.5 / 11.1 µs.
 */
const claimSql = (gate: string) => `SELECT ${JOB_COLUMNS} FROM jobs
 WHERE id = (SELECT id FROM jobs WHERE queue = ? AND ${READY}
             AND NOT EXISTS (SELECT 1 FROM queues WHERE name = ? AND (${gate}))
             ORDER BY priority, seq LIMIT 1)`;

/** Once the claimer has checked the queue's limits and cut the budget: only a pause stops it. */
export const CLAIM_SQL = claimSql('paused = 1');

/**
 * The claim of a queue with no limits and no groups: it claims nothing when the queue has any, so a
 * busy plain queue needs no separate read of its row (SqliteJobClaimer reads it only when this comes
 * back empty). The twin of PostgreSQL's PLAIN_CLAIM_SQL.
 */
export const PLAIN_CLAIM_SQL = claimSql(
  `paused = 1 OR global_concurrency IS NOT NULL OR rate_limit_max IS NOT NULL OR coalesce(rate_limited_until, 0) > ?
   OR EXISTS (SELECT 1 FROM group_rotation WHERE queue = ?)`,
);

/** The positional parameters of CLAIM_SQL, or of PLAIN_CLAIM_SQL (`plain`: its gate also reads now and the queue). */
export function claimArgs(request: ClaimRequest, now: number, plain: boolean): unknown[] {
  return plain ? [request.queue, request.queue, now, request.queue] : [request.queue, request.queue];
}

/**
 * The worker hot path: claim, settle (complete / fail / retry), lock renewal and stalled recovery.
 * (Stalled recovery is in sqlite-stalled-jobs.ts.) Each public method is meant to run inside one
 * transaction opened by the repository. Every write
 * after the claim is fenced by the claim's token (FENCE), so a worker that lost its lock changes nothing.
 */
export class SqliteJobLifecycle {
  private readonly s;
  private readonly claimedRow: (values: unknown[]) => JobRow;
  private readonly deadLetters: SqliteDeadLetters;
  private readonly resolver: SqliteDependencyResolver;
  /** Settles per `queue\0state` since its last count trim (applyRetention). */
  private readonly uncheckedSettles = new Map<string, number>();

  constructor(
    db: SqliteDb,
    private readonly counters: SqliteQueueCounters,
    private readonly codec: PayloadCodec,
    private readonly metrics: SqliteMetricsRecorder,
  ) {
    this.deadLetters = new SqliteDeadLetters(db, counters, codec);
    this.resolver = new SqliteDependencyResolver(db, counters, this.deadLetters, codec);
    this.s = {
      // Rows as arrays, read by claimedRow (job-row.mapper.ts: cheaper than better-sqlite3's row objects).
      claim: db.prepare<unknown[], unknown[]>(CLAIM_SQL).raw(true),
      plainClaim: db.prepare<unknown[], unknown[]>(PLAIN_CLAIM_SQL).raw(true),
      lock: db.prepare<unknown[]>(LOCK_CLAIMED_SQL),
      hasReady: db.prepare<{ queue: string }, number>(`SELECT 1 FROM jobs WHERE queue = @queue AND ${READY} LIMIT 1`).pluck(),
      // RETURNING LINKED: whether a parent waits for this job, so only flow/DAG jobs pay for resolution.
      // (value, now, queue, id, token)
      complete: db.prepare<unknown[], { linked: number } & FinishedTimes>(
        `UPDATE jobs SET state = 'completed', returnvalue = ?, finished_on = ?,
                attempts_made = attempts_made + 1, ${UNLOCK} WHERE ${FENCE_POSITIONAL} RETURNING ${LINKED}, ${TIMES}`,
      ),
      // (reason, stack, now, queue, id, token)
      fail: db.prepare<unknown[], { linked: number } & FinishedTimes>(
        `UPDATE jobs SET state = 'failed', failed_reason = ?, stacktrace = ?, finished_on = ?,
                attempts_made = attempts_made + 1, ${UNLOCK} WHERE ${FENCE_POSITIONAL} RETURNING ${LINKED}, ${TIMES}`,
      ),
      removeFinished: db.prepare<Record<string, unknown>, { linked: number } & FinishedTimes>(
        `DELETE FROM jobs WHERE ${FENCE} RETURNING ${LINKED}, ${TIMES}`,
      ),
      retry: db.prepare(
        `UPDATE jobs SET state = CASE WHEN @runAt IS NOT NULL THEN 'delayed' ELSE ${READY_STATE_OF_ROW} END,
                run_at = @runAt, seq = ${RESEQUENCE}, failed_reason = @reason, stacktrace = @stack,
                attempts_made = attempts_made + 1, ${UNLOCK} WHERE ${FENCE}`,
      ),
      release: db.prepare(`UPDATE jobs SET state = ${READY_STATE_OF_ROW}, ${UNLOCK} WHERE ${FENCE}`),
      extend: db.prepare<Record<string, unknown>, { cancel_reason: string | null }>(
        `UPDATE jobs SET locked_until = @until WHERE ${FENCE} RETURNING cancel_reason`,
      ),
      // Keep the newest `keep` finished jobs of one state: skip `keep` entries of jobs_finished from the
      // newest end, delete the rest. The skip walks `keep` index entries (~100 µs at the default 1 000), so
      // it runs once per retentionSlack settles of this process (applyRetention), not on every settle.
      trimBeyond: db.prepare(
        `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE queue = @queue AND ${FINISHED} AND state = @state
                                     ORDER BY finished_on DESC, id DESC LIMIT -1 OFFSET @keep)`,
      ),
      trimAge: db.prepare(
        `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE queue = @queue AND ${FINISHED} AND state = @state
                                     AND finished_on < @cutoff LIMIT ${AGE_TRIM_BATCH})`,
      ),
    };
    this.claimedRow = jobRowReader(this.s.claim.columns().map((c) => c.name));
  }

  claim(request: ClaimRequest, now: number): JobRecord[] {
    return this.claimWith(this.s.claim, request, now, false);
  }

  /** The claim of a queue without limits or groups; nothing when the queue has some (PLAIN_CLAIM_SQL). */
  claimPlain(request: ClaimRequest, now: number): JobRecord[] {
    return this.claimWith(this.s.plainClaim, request, now, true);
  }

  /** Picks (`pick`, with claimArgs' values) and locks up to `request.limit` jobs, one at a time. */
  private claimWith(pick: Statement<unknown[], unknown[]>, request: ClaimRequest, now: number, plain: boolean): JobRecord[] {
    const args = claimArgs(request, now, plain);
    const lock = claimLocker(this.s.lock, request, now);
    const records: JobRecord[] = [];
    while (records.length < request.limit) {
      const values = pick.get(args);
      if (values === undefined) break;
      const row = this.claimedRow(values);
      lock(row);
      records.push(toJobRecord(row, this.codec));
    }
    return records;
  }

  /** Whether any job of `queue` is ready to claim (a read: no write lock). */
  hasReady(queue: string): boolean {
    return this.s.hasReady.get({ queue }) !== undefined;
  }

  settle(commands: readonly SettleCommand[], now: number, effects: QueueEventRecord[] = []): boolean[] {
    const trims = new Map<string, { queue: string; state: 'completed' | 'failed'; retention: Retention; settled: number }>();
    const accepted = commands.map((c) => {
      const fence = { queue: c.queue, id: c.id, token: c.token };
      switch (c.kind) {
        case 'complete':
        case 'fail': {
          const state = c.kind === 'complete' ? 'completed' : 'failed';
          const dying = c.kind === 'fail' && c.deadLetter !== undefined ? this.deadLetters.capture(fence) : undefined;
          const removed = c.retention.count === 0;
          const changed = removed
            ? this.s.removeFinished.get(fence)
            : c.kind === 'complete'
              ? this.s.complete.get(this.codec.encode('returnvalue', c.returnvalueJson), now, c.queue, c.id, c.token)
              : this.s.fail.get(c.failedReason, JSON.stringify(c.stacktrace), now, c.queue, c.id, c.token);
          if (changed === undefined) return false;
          this.metrics.observe(c.queue, state, changed, now);
          if (changed.linked) this.resolveParents(c, now, effects);
          if (dying !== undefined && c.kind === 'fail') {
            const { failedReason, stacktrace } = c;
            this.deadLetters.copy({ ...dying, failedReason, stacktrace, attemptsMade: dying.attemptsMade + 1 }, now, effects);
          }
          if (!removed && (c.retention.count !== undefined || c.retention.ageMs !== undefined)) {
            const key = `${c.queue}\u0000${state}`;
            const settled = (trims.get(key)?.settled ?? 0) + 1;
            trims.set(key, { queue: c.queue, state, retention: c.retention, settled });
          }
          return true;
        }
        case 'requeue':
          // RateLimitError: back to the front of waiting, no attempt counted.
          return this.s.release.run(fence).changes === 1;
        case 'retry': {
          const seq = c.runAt === null ? this.counters.nextSeq(c.queue) : 0;
          const stack = JSON.stringify(c.stacktrace);
          return this.s.retry.run({ ...fence, runAt: c.runAt, seq, reason: c.failedReason, stack }).changes === 1;
        }
      }
    });
    // One trim per (queue, state) per batch: a burst of completions pays for retention once.
    for (const { queue, state, retention, settled } of trims.values()) this.applyRetention(queue, state, retention, now, settled);
    return accepted;
  }

  private resolveParents(c: SettleCommand & { kind: 'complete' | 'fail' }, now: number, effects: QueueEventRecord[]): void {
    // The edge keeps the value as stored (encoded like the job's returnvalue column) for getChildrenValues.
    if (c.kind === 'complete') this.resolver.completed(c.queue, c.id, this.codec.encode('returnvalue', c.returnvalueJson), now, effects);
    else this.resolver.failed(c.queue, c.id, c.failedReason, now, effects);
  }

  /**
   * Count retention: `settled` jobs of (queue, state) just finished here. The trim runs on the first
   * settle of a (queue, state) in this engine, then once more than retentionSlack(count) settles have
   * gone unchecked, so one process keeps at most count + slack finished jobs (exactly count below 10).
   * Each process counts its own settles: with P processes finishing the same queue, up to count + P × slack.
   * Called without `settled` (stalled sweep, age sweep) it trims now.
   */
  applyRetention(queue: string, state: 'completed' | 'failed', retention: Retention, now: number, settled = Infinity): void {
    if (retention.count !== undefined) {
      const key = `${queue}\u0000${state}`;
      const unchecked = (this.uncheckedSettles.get(key) ?? Infinity) + settled;
      if (unchecked > retentionSlack(retention.count)) {
        this.s.trimBeyond.run({ queue, state, keep: retention.count });
        this.uncheckedSettles.set(key, 0);
      } else {
        this.uncheckedSettles.set(key, unchecked);
      }
    }
    if (retention.ageMs !== undefined) this.s.trimAge.run({ queue, state, cutoff: now - retention.ageMs });
  }

  release(locks: readonly LockRef[]): void {
    for (const lock of locks) this.s.release.run(lock);
  }

  extendLocks(locks: readonly LockRef[], until: number): LockRenewal[] {
    return locks.map((lock) => {
      const row = this.s.extend.get({ ...lock, until });
      return row === undefined ? { held: false, cancelReason: null } : { held: true, cancelReason: row.cancel_reason };
    });
  }
}
