import type { QueueEventRecord } from '../../../core/application/ports/event-bus.port.js';
import type { ClaimRequest, JobRecord, Retention, SettleCommand } from '../../../core/application/ports/job-record.js';
import type { LockRef, LockRenewal } from '../../../core/application/ports/job-repository.port.js';
import type { FinishedTimes } from '../drizzle/metrics-layout.js';
import { toJobRecord, type JobRow } from '../drizzle/job-row.mapper.js';
import { CLAIM_SET, FINISHED, HAS_DEPENDENT_EDGE, READY, READY_STATE_OF_ROW, UNLOCKED, claimParams } from '../drizzle/sql-fragments.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import type { PgStore } from './pg-store.js';
import { pgSql, type PgStatement } from './pg-statement.js';
import { PG_RESEQUENCE, type PgQueueCounters } from './pg-queue-counters.js';
import type { PgMetricsRecorder } from './pg-metrics-recorder.js';
import { retentionSlack } from '../retention-slack.js';
import { PgDeadLetters } from './pg-dead-letters.js';
import { PgDependencyResolver } from './pg-dependency-resolver.js';

/** At most this many finished jobs are deleted by one age-retention pass (bounded work per commit). */
const AGE_TRIM_BATCH = 1000;

/** What a finishing statement returns per job: which lock it was, LINKED, and the times the metrics need. */
// jobs.dependents: set by a dependsOn attach this statement may have waited for (its edge is not in the
// EXISTS probe's snapshot); see jobs.table.ts.
const PG_LINKED = `(jobs.dependents > 0 OR ${HAS_DEPENDENT_EDGE}) AS linked`;
const FINISHED_ROW = `jobs.queue, jobs.job_id AS id, ${PG_LINKED}, jobs.timestamp, jobs.delay, jobs.processed_on`;
type Finished = { queue: string; id: string; linked: boolean } & FinishedTimes;

/** Locks given as three parallel arrays, one row per lock (one statement for a whole batch). */
const LOCKS = `unnest(@queues::text[], @ids::text[], @tokens::text[]) AS l(queue, id, token)`;
/**
 * LOCK_FENCE (../drizzle/sql-fragments.ts) for PostgreSQL. `IS TRUE` (the same test: state is NOT NULL)
 * hides the state from the planner's partial-index matching: with a plain `state = 'active'`, statistics
 * taken while few jobs were active make it walk the queue's active jobs through jobs_active_queue and
 * filter them (measured with 13 000 active jobs: 10 ms for one job, 118 ms for a batch of two) instead
 * of looking the job up in jobs_queue_job_id (0.05 ms).
 */
export const PG_LOCK_FENCE = `queue = @queue AND job_id = @id AND lock_token = @token AND (state = 'active') IS TRUE`;
/** PG_LOCK_FENCE for the rows of LOCKS. */
const LOCKS_FENCE = `jobs.queue = l.queue AND jobs.job_id = l.id AND jobs.lock_token = l.token AND (jobs.state = 'active') IS TRUE`;

/**
 * The claim: up to @limit ready jobs in index order (jobs_ready is exactly (queue, priority, seq) filtered
 * to ready states), locked and marked active in one statement. FOR UPDATE SKIP LOCKED makes claimers in
 * other transactions and processes pass over each other's rows instead of queueing on them; a row that
 * another claim committed meanwhile is re-checked against READY and skipped. `group_id IS NULL`: grouped
 * jobs are claimed by PgGroupRotation; one added after the claimer read the queue row waits for the next
 * (group-aware) claim instead of slipping past its group's limit. RETURNING order is not the pick order,
 * so the rows are sorted by (priority, seq) after. `@gate` is the queue condition under which it claims.
 */
const claimSql = (gate: string) => `WITH picked AS (
   SELECT id FROM jobs WHERE queue = @queue AND ${READY} AND group_id IS NULL
     AND NOT EXISTS (SELECT 1 FROM queues WHERE name = @queue AND (${gate}))
   ORDER BY priority, seq LIMIT @limit FOR UPDATE SKIP LOCKED)
 UPDATE jobs SET ${CLAIM_SET} FROM picked WHERE jobs.id = picked.id RETURNING jobs.*`;

/** Under the claimer's queue row lock, once it has checked and cut the budget: only a pause stops it. */
export const CLAIM_SQL = claimSql('paused = 1');

/**
 * The claim of a queue with no limits and no groups, which needs no queue lock: it claims nothing when
 * the queue (as this statement sees it) has any limit, so a busy plain queue costs one round trip; the
 * claimer reads the queue row only when it comes back empty.
 */
export const PLAIN_CLAIM_SQL = claimSql(
  `paused = 1 OR global_concurrency IS NOT NULL OR rate_limit_max IS NOT NULL OR COALESCE(rate_limited_until, 0) > @now::bigint
   OR EXISTS (SELECT 1 FROM group_rotation WHERE queue = @queue)`,
);

const byClaimOrder = (a: JobRow, b: JobRow) => a.priority - b.priority || a.seq - b.seq;

type Final = SettleCommand & { kind: 'complete' | 'fail' };
type Trims = Map<string, { queue: string; state: 'completed' | 'failed'; retention: Retention }>;

/**
 * The worker hot path on PostgreSQL: claim, settle (complete / fail / retry), lock renewal, retention.
 * Each public method runs inside the transaction the repository opened (`store.tx.ex`). Every write after
 * the claim is fenced by the claim's token (LOCK_FENCE), so a worker that lost its lock changes nothing.
 *
 * Lock order: settle writes its completions, then its failures, then its retries: completions and
 * failures add to this session's finished_counts shard (triggers), retries take the queue row (sequence), and the
 * repository's claim and metrics flush come after. Every settle taking those rows in one order keeps
 * concurrent settles in several processes from deadlocking on them.
 */
export class PgJobLifecycle {
  private readonly s;
  private readonly deadLetters: PgDeadLetters;
  private readonly resolver: PgDependencyResolver;

  constructor(
    private readonly store: PgStore,
    private readonly counters: PgQueueCounters,
    private readonly codec: PayloadCodec,
    private readonly metrics: PgMetricsRecorder,
  ) {
    this.deadLetters = new PgDeadLetters(store, counters, codec);
    this.resolver = new PgDependencyResolver(store, counters, this.deadLetters, codec);
    this.s = {
      claim: pgSql<JobRow>(CLAIM_SQL),
      plainClaim: pgSql<JobRow>(PLAIN_CLAIM_SQL),
      hasReady: pgSql(`SELECT 1 FROM jobs WHERE queue = @queue AND ${READY} LIMIT 1`),
      // Completions of a batch in one statement. RETURNING LINKED: whether a parent waits for the job, so
      // only flow/DAG jobs pay for resolution; the times feed the metrics.
      completeMany: pgSql<Finished>(
        `UPDATE jobs SET state = 'completed', returnvalue = l.value, finished_on = @now,
                attempts_made = attempts_made + 1, ${UNLOCKED}
         FROM unnest(@queues::text[], @ids::text[], @tokens::text[], @values::text[]) AS l(queue, id, token, value)
         WHERE ${LOCKS_FENCE} RETURNING ${FINISHED_ROW}`,
      ),
      // removeOnComplete / removeOnFail = true: the job goes at once.
      removeMany: pgSql<Finished>(`DELETE FROM jobs USING ${LOCKS} WHERE ${LOCKS_FENCE} RETURNING ${FINISHED_ROW}`),
      fail: pgSql<Finished>(
        `UPDATE jobs SET state = 'failed', failed_reason = @reason, stacktrace = @stack, finished_on = @now,
                attempts_made = attempts_made + 1, ${UNLOCKED} WHERE ${PG_LOCK_FENCE} RETURNING ${FINISHED_ROW}`,
      ),
      retry: pgSql<{ id: number }>(
        `UPDATE jobs SET state = CASE WHEN @runAt::bigint IS NOT NULL THEN 'delayed' ELSE ${READY_STATE_OF_ROW} END,
                run_at = @runAt::bigint, seq = ${PG_RESEQUENCE}, failed_reason = @reason, stacktrace = @stack,
                attempts_made = attempts_made + 1, ${UNLOCKED} WHERE ${PG_LOCK_FENCE} RETURNING id`,
      ),
      requeue: pgSql<{ id: number }>(`UPDATE jobs SET state = ${READY_STATE_OF_ROW}, ${UNLOCKED} WHERE ${PG_LOCK_FENCE} RETURNING id`),
      release: pgSql(`UPDATE jobs SET state = ${READY_STATE_OF_ROW}, ${UNLOCKED} FROM ${LOCKS} WHERE ${LOCKS_FENCE}`),
      extend: pgSql<{ queue: string; id: string; token: string; cancel_reason: string | null }>(
        `UPDATE jobs SET locked_until = @until FROM ${LOCKS} WHERE ${LOCKS_FENCE} RETURNING l.queue, l.id, l.token, jobs.cancel_reason`,
      ),
      // Keep the newest @keep finished jobs of one state, in batches as on SQLite (retentionSlack: up to
      // keep/10, at most 100, extra before one DELETE takes it back to @keep): finished_counts (exact, kept by triggers, the
      // sum of ≤ 32 shards) says how many are over, and only those are deleted, oldest first: O(excess),
      // one round trip. Two settles of one queue in flight at once each count their own completion but
      // not the other's, so they never delete more than the excess; a job the other one deletes first is
      // skipped. At worst a few extra finished jobs stay until the next settle trims them.
      trimCount: pgSql(
        `DELETE FROM jobs WHERE id IN (
           SELECT id FROM jobs WHERE queue = @queue AND ${FINISHED} AND state = @state ORDER BY finished_on, id
           LIMIT (SELECT CASE WHEN excess > @slack::bigint THEN excess ELSE 0 END FROM (SELECT
                    COALESCE((SELECT sum(count) FROM finished_counts WHERE queue = @queue AND state = @state), 0) - @keep::bigint AS excess) AS over))`,
      ),
      trimAge: pgSql(
        `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE queue = @queue AND ${FINISHED} AND state = @state
                                     AND finished_on < @cutoff::bigint LIMIT ${AGE_TRIM_BATCH})`,
      ),
    };
  }

  async claim(request: ClaimRequest, now: number): Promise<JobRecord[]> {
    return this.claimWith(this.s.claim, request, now);
  }

  /** The claim of a queue without limits or groups; nothing when the queue has some (PLAIN_CLAIM_SQL). */
  async claimPlain(request: ClaimRequest, now: number): Promise<JobRecord[]> {
    return this.claimWith(this.s.plainClaim, request, now);
  }

  private async claimWith(statement: PgStatement<JobRow>, request: ClaimRequest, now: number): Promise<JobRecord[]> {
    if (request.limit <= 0) return [];
    const rows = await statement.all(this.store.tx.ex, { ...claimParams(request, now), queue: request.queue, limit: request.limit });
    return rows.sort(byClaimOrder).map((row) => toJobRecord(row, this.codec));
  }

  /** Whether any job of `queue` is ready to claim (a read outside any transaction). */
  async hasReady(queue: string): Promise<boolean> {
    return (await this.s.hasReady.get(this.store.tx.ex, { queue })) !== undefined;
  }

  /**
   * Applies the commands; returns per command whether its lock still held. The metrics observed here are
   * written by the repository's `metrics.flush()`, the last step of its transaction (see PgMetricsRecorder).
   */
  async settle(commands: readonly SettleCommand[], now: number, effects: QueueEventRecord[] = []): Promise<boolean[]> {
    const trims: Trims = new Map();
    const accepted = new Array<boolean>(commands.length).fill(false);
    const finals = commands.flatMap((c, i) => (c.kind === 'complete' || c.kind === 'fail' ? [{ c, i }] : []));
    const completes = finals.filter(({ c }) => c.kind === 'complete');
    const done = (list: typeof finals, gone: boolean) => list.filter(({ c }) => (c.retention.count === 0) === gone);
    // In the lock order of the class comment: completions (one statement each way), failures, re-entries.
    for (const gone of [false, true]) {
      const batch = done(completes, gone);
      if (batch.length === 0) continue;
      const rows = await (gone ? this.s.removeMany : this.s.completeMany).all(this.store.tx.ex, {
        ...arrays(batch.map(({ c }) => c)),
        values: batch.map(({ c }) => (c.kind === 'complete' ? this.codec.encode('returnvalue', c.returnvalueJson) : null)),
        now,
      });
      const byLock = new Map(rows.map((r) => [`${r.queue}\u0000${r.id}`, r]));
      for (const { c, i } of batch) {
        const row = byLock.get(`${c.queue}\u0000${c.id}`);
        byLock.delete(`${c.queue}\u0000${c.id}`); // a job named twice in one batch is settled once
        if (row === undefined) continue;
        await this.finished(c, row, now, effects, trims);
        accepted[i] = true;
      }
    }
    for (const { c, i } of finals) if (c.kind === 'fail') accepted[i] = await this.fail(c, now, effects, trims);
    for (const [i, c] of commands.entries()) if (c.kind === 'retry' || c.kind === 'requeue') accepted[i] = await this.reenter(c);
    // One trim per (queue, state) per batch: a burst of completions pays for retention once.
    for (const { queue, state, retention } of trims.values()) await this.applyRetention(queue, state, retention, now);
    return accepted;
  }

  private async fail(c: Final & { kind: 'fail' }, now: number, effects: QueueEventRecord[], trims: Trims): Promise<boolean> {
    const ex = this.store.tx.ex;
    const dying = c.deadLetter !== undefined ? await this.deadLetters.capture(c) : undefined;
    const row =
      c.retention.count === 0
        ? (await this.s.removeMany.all(ex, arrays([c])))[0]
        : await this.s.fail.get(ex, { queue: c.queue, id: c.id, token: c.token, reason: c.failedReason, stack: JSON.stringify(c.stacktrace), now });
    if (row === undefined) return false;
    await this.finished(c, row, now, effects, trims);
    if (dying !== undefined) {
      const { failedReason, stacktrace } = c;
      await this.deadLetters.copy({ ...dying, failedReason, stacktrace, attemptsMade: dying.attemptsMade + 1 }, now, effects);
    }
    return true;
  }

  /** What follows a job's final write: its metrics, its parents, the batch's retention. */
  private async finished(c: Final, row: Finished, now: number, effects: QueueEventRecord[], trims: Trims): Promise<void> {
    const state = c.kind === 'complete' ? 'completed' : 'failed';
    this.metrics.observe(c.queue, state, row, now);
    if (row.linked) await this.resolveParents(c, now, effects);
    if (c.retention.count !== 0 && (c.retention.count !== undefined || c.retention.ageMs !== undefined)) {
      trims.set(`${c.queue}\u0000${state}`, { queue: c.queue, state, retention: c.retention });
    }
  }

  private async reenter(c: SettleCommand & { kind: 'retry' | 'requeue' }): Promise<boolean> {
    const ex = this.store.tx.ex;
    const fence = { queue: c.queue, id: c.id, token: c.token };
    // RateLimitError: back to the front of waiting, no attempt counted.
    if (c.kind === 'requeue') return (await this.s.requeue.get(ex, fence)) !== undefined;
    const seq = c.runAt === null ? await this.counters.nextSeq(c.queue) : 0;
    const stack = JSON.stringify(c.stacktrace);
    return (await this.s.retry.get(ex, { ...fence, runAt: c.runAt, seq, reason: c.failedReason, stack })) !== undefined;
  }

  private async resolveParents(c: Final, now: number, effects: QueueEventRecord[]): Promise<void> {
    // The edge keeps the value as stored (encoded like the job's returnvalue column) for getChildrenValues.
    if (c.kind === 'complete') await this.resolver.completed(c.queue, c.id, this.codec.encode('returnvalue', c.returnvalueJson), now, effects);
    else await this.resolver.failed(c.queue, c.id, c.failedReason, now, effects);
  }

  async applyRetention(queue: string, state: 'completed' | 'failed', retention: Retention, now: number): Promise<void> {
    const ex = this.store.tx.ex;
    if (retention.count !== undefined) await this.s.trimCount.run(ex, { queue, state, keep: retention.count, slack: retentionSlack(retention.count) });
    if (retention.ageMs !== undefined) await this.s.trimAge.run(ex, { queue, state, cutoff: now - retention.ageMs });
  }

  async release(locks: readonly LockRef[]): Promise<void> {
    if (locks.length > 0) await this.s.release.run(this.store.tx.ex, arrays(locks));
  }

  async extendLocks(locks: readonly LockRef[], until: number): Promise<LockRenewal[]> {
    if (locks.length === 0) return [];
    const rows = await this.s.extend.all(this.store.tx.ex, { ...arrays(locks), until });
    const key = (l: LockRef) => `${l.queue}\u0000${l.id}\u0000${l.token}`;
    const held = new Map(rows.map((r) => [key(r), r.cancel_reason]));
    return locks.map((lock) => {
      return held.has(key(lock)) ? { held: true, cancelReason: held.get(key(lock))! } : { held: false, cancelReason: null };
    });
  }
}

function arrays(locks: readonly LockRef[]) {
  return { queues: locks.map((l) => l.queue), ids: locks.map((l) => l.id), tokens: locks.map((l) => l.token) };
}
