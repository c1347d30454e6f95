import type {
  CancelOutcome,
  CancelRequest,
  IFlowControlRepository,
  RateLimit,
} from '../../../core/application/ports/flow-control-repository.port.js';
import type { QueueEventRecord } from '../../../core/application/ports/event-bus.port.js';
import { DEFAULT_REMOVE_ON_FAIL, retentionLimits } from '../../../core/domain/job/job-options.js';
import { plainCodec, type PayloadCodec } from '../codec/payload-codec.js';
import { toJobRecord, type JobRow } from './job-row.mapper.js';
import { SqliteDeadLetters } from './sqlite-dead-letters.js';
import { SqliteDependencyResolver } from './sqlite-dependency-resolver.js';
import { SqliteQueueCounters } from './sqlite-queue-counters.js';
import type { SqliteDb } from './sqlite-database.js';
import { SqliteDeduplication } from './sqlite-deduplication.js';
import { SqliteTransactor } from './sqlite-transactor.js';
import { JOB_BY_ID } from './sql-fragments.js';

/** States a cancel fails at once (the job is not running). */
const NOT_RUNNING = `state IN ('waiting', 'prioritized', 'delayed', 'waiting-children')`;

export class SqliteFlowControlRepository implements IFlowControlRepository {
  private readonly tx: SqliteTransactor;
  private readonly dedup: SqliteDeduplication;
  private readonly deadLetters: SqliteDeadLetters;
  private readonly resolver: SqliteDependencyResolver;
  private readonly s;

  constructor(
    db: SqliteDb,
    private readonly codec: PayloadCodec = plainCodec,
  ) {
    this.tx = new SqliteTransactor(db);
    this.dedup = new SqliteDeduplication(db);
    const counters = new SqliteQueueCounters(db);
    this.deadLetters = new SqliteDeadLetters(db, counters, codec);
    this.resolver = new SqliteDependencyResolver(db, counters, this.deadLetters, codec);
    this.s = {
      settings: db.prepare<
        [string],
        { gc: number | null; rmax: number | null; rdur: number | null; until: number | null; ws: number | null; wc: number; groupDefault: number | null }
      >(
        `SELECT global_concurrency AS gc, rate_limit_max AS rmax, rate_limit_duration AS rdur, rate_limited_until AS until,
                rate_window_start AS ws, rate_window_count AS wc, group_concurrency AS groupDefault FROM queues WHERE name = ?`,
      ),
      // Upserts: a queue may be configured before its first job (the row does not exist yet).
      globalConcurrency: db.prepare(
        'INSERT INTO queues (name, global_concurrency) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET global_concurrency = excluded.global_concurrency',
      ),
      groupDefault: db.prepare(
        'INSERT INTO queues (name, group_concurrency) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET group_concurrency = excluded.group_concurrency',
      ),
      rateLimitedUntil: db.prepare(
        'INSERT INTO queues (name, rate_limited_until) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET rate_limited_until = excluded.rate_limited_until',
      ),
      rateLimit: db.prepare(
        `INSERT INTO queues (name, rate_limit_max, rate_limit_duration) VALUES (?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET rate_limit_max = excluded.rate_limit_max, rate_limit_duration = excluded.rate_limit_duration`,
      ),
      groupOverride: db.prepare(
        `INSERT INTO queue_groups (queue, group_id, concurrency) VALUES (?, ?, ?)
         ON CONFLICT(queue, group_id) DO UPDATE SET concurrency = excluded.concurrency`,
      ),
      removeGroupOverride: db.prepare('DELETE FROM queue_groups WHERE queue = ? AND group_id = ?'),
      groupOverrideOf: db.prepare<[string, string], { concurrency: number }>(
        'SELECT concurrency FROM queue_groups WHERE queue = ? AND group_id = ?',
      ),
      job: db.prepare<[string, string], JobRow>(JOB_BY_ID),
      failNow: db.prepare(
        `UPDATE jobs SET state = 'failed', failed_reason = @reason, finished_on = @now, run_at = NULL
         WHERE id = @rowId AND ${NOT_RUNNING}`,
      ),
      deleteRow: db.prepare('DELETE FROM jobs WHERE id = ?'),
      requestCancel: db.prepare(`UPDATE jobs SET cancel_reason = @reason WHERE id = @rowId AND state = 'active'`),
      // jobs_active_queue serves this: it reads only the queue's active jobs.
      cancelRequests: db.prepare<[string], { id: string; token: string; reason: string }>(
        `SELECT job_id AS id, lock_token AS token, cancel_reason AS reason FROM jobs
         WHERE queue = ? AND state = 'active' AND cancel_reason IS NOT NULL`,
      ),
    };
  }

  setGlobalConcurrency(queue: string, concurrency: number | null): Promise<void> {
    return this.tx.write(() => void this.s.globalConcurrency.run(queue, concurrency));
  }

  getGlobalConcurrency(queue: string): Promise<number | null> {
    return this.tx.read(() => this.s.settings.get(queue)?.gc ?? null);
  }

  setGlobalRateLimit(queue: string, limit: RateLimit | null): Promise<void> {
    return this.tx.write(() => void this.s.rateLimit.run(queue, limit?.max ?? null, limit?.duration ?? null));
  }

  getGlobalRateLimit(queue: string): Promise<RateLimit | null> {
    return this.tx.read(() => {
      const row = this.s.settings.get(queue);
      return row?.rmax != null && row.rdur != null ? { max: row.rmax, duration: row.rdur } : null;
    });
  }

  setRateLimitedUntil(queue: string, until: number): Promise<void> {
    return this.tx.write(() => void this.s.rateLimitedUntil.run(queue, until));
  }

  getRateLimitTtl(queue: string, now: number): Promise<number> {
    return this.tx.read(() => {
      const row = this.s.settings.get(queue);
      if (row === undefined) return 0;
      let until = row.until ?? 0;
      if (row.rmax !== null && row.rdur !== null && row.ws !== null && row.wc >= row.rmax) until = Math.max(until, row.ws + row.rdur);
      return Math.max(0, until - now);
    });
  }

  setGroupConcurrency(queue: string, concurrency: number | null, groupId?: string): Promise<void> {
    return this.tx.write(() => {
      if (groupId === undefined) this.s.groupDefault.run(queue, concurrency);
      else if (concurrency === null) this.s.removeGroupOverride.run(queue, groupId);
      else this.s.groupOverride.run(queue, groupId, concurrency);
    });
  }

  getGroupConcurrency(queue: string, groupId?: string): Promise<number | null> {
    return this.tx.read(() => {
      const override = groupId === undefined ? undefined : this.s.groupOverrideOf.get(queue, groupId)?.concurrency;
      return override ?? this.s.settings.get(queue)?.groupDefault ?? null;
    });
  }

  cancel(queue: string, id: string, reason: string, now: number): Promise<CancelOutcome> {
    return this.tx.write((): CancelOutcome => {
      const row = this.s.job.get(queue, id);
      if (row === undefined) return { kind: 'missing' };
      if (row.state === 'active') {
        this.s.requestCancel.run({ reason, rowId: row.id });
        return { kind: 'requested' };
      }
      if (this.s.failNow.run({ reason, now, rowId: row.id }).changes === 0) return { kind: 'finished' };
      // As any final failure: flow parents / dependents are resolved and the job is dead-lettered if asked.
      const job = toJobRecord(row, this.codec);
      const effects: QueueEventRecord[] = [];
      this.resolver.failed(queue, id, reason, now, effects);
      this.deadLetters.copy({ ...job, state: 'failed', failedReason: reason, finishedOn: now }, now, effects);
      // removeOnFail: true removes the job at once; count/age limits are applied by the next failure's trim.
      if (retentionLimits(job.opts.removeOnFail, DEFAULT_REMOVE_ON_FAIL).count === 0) this.s.deleteRow.run(row.id);
      return { kind: 'failed', prev: row.state, effects };
    });
  }

  cancelRequests(queue: string): Promise<CancelRequest[]> {
    return this.tx.read(() => this.s.cancelRequests.all(queue));
  }

  getDeduplicationJobId(queue: string, dedupId: string, now: number): Promise<string | null> {
    return this.tx.read(() => this.dedup.getJobId(queue, dedupId, now));
  }

  removeDeduplicationKey(queue: string, dedupId: string): Promise<number> {
    return this.tx.write(() => this.dedup.remove(queue, dedupId));
  }
}
