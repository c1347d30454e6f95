import type {
  CancelOutcome,
  CancelRequest,
  IFlowControlRepository,
  RateLimit,
} from '../../../core/application/ports/flow-control-repository.port.js';
import type { QueueEventRecord } from '../../../core/application/ports/event-bus.port.js';
import { DEFAULT_REMOVE_ON_FAIL, retentionLimits } from '../../../core/domain/job/job-options.js';
import { plainCodec, type PayloadCodec } from '../codec/payload-codec.js';
import { toJobRecord, type JobRow } from '../drizzle/job-row.mapper.js';
import { PgDeadLetters } from './pg-dead-letters.js';
import { PgDeduplication } from './pg-deduplication.js';
import { PgDependencyResolver } from './pg-dependency-resolver.js';
import { PgQueueCounters } from './pg-queue-counters.js';
import { pgSql } from './pg-statement.js';
import type { PgStore } from './pg-store.js';

/** States a cancel fails at once (the job is not running). */
const NOT_RUNNING = `state IN ('waiting', 'prioritized', 'delayed', 'waiting-children')`;

interface SettingsRow {
  gc: number | null;
  rmax: number | null;
  rdur: number | null;
  until: number | null;
  ws: number | null;
  wc: number;
  groupDefault: number | null;
}

/**
 * IFlowControlRepository on PostgreSQL (twin of SqliteFlowControlRepository). Every setting is one
 * upsert statement (atomic across processes); cancel locks the job row before deciding, so a cancel
 * and a claim or a second cancel in another process see each other's result.
 */
export class PgFlowControlRepository implements IFlowControlRepository {
  private readonly dedup: PgDeduplication;
  private readonly deadLetters: PgDeadLetters;
  private readonly resolver: PgDependencyResolver;
  private readonly s;

  constructor(
    private readonly store: PgStore,
    private readonly codec: PayloadCodec = plainCodec,
  ) {
    this.dedup = new PgDeduplication(store);
    const counters = new PgQueueCounters(store);
    this.deadLetters = new PgDeadLetters(store, counters, codec);
    this.resolver = new PgDependencyResolver(store, counters, this.deadLetters, codec);
    this.s = {
      settings: pgSql<SettingsRow>(
        `SELECT global_concurrency AS gc, rate_limit_max AS rmax, rate_limit_duration AS rdur, rate_limited_until AS "until",
                rate_window_start AS ws, rate_window_count AS wc, group_concurrency AS "groupDefault" FROM queues WHERE name = @queue`,
      ),
      // Upserts: a queue may be configured before its first job (the row does not exist yet).
      globalConcurrency: pgSql(
        `INSERT INTO queues (name, global_concurrency) VALUES (@queue, @value)
         ON CONFLICT (name) DO UPDATE SET global_concurrency = excluded.global_concurrency`,
      ),
      groupDefault: pgSql(
        `INSERT INTO queues (name, group_concurrency) VALUES (@queue, @value)
         ON CONFLICT (name) DO UPDATE SET group_concurrency = excluded.group_concurrency`,
      ),
      rateLimitedUntil: pgSql(
        `INSERT INTO queues (name, rate_limited_until) VALUES (@queue, @value)
         ON CONFLICT (name) DO UPDATE SET rate_limited_until = excluded.rate_limited_until`,
      ),
      rateLimit: pgSql(
        `INSERT INTO queues (name, rate_limit_max, rate_limit_duration) VALUES (@queue, @max, @duration)
         ON CONFLICT (name) DO UPDATE SET rate_limit_max = excluded.rate_limit_max, rate_limit_duration = excluded.rate_limit_duration`,
      ),
      groupOverride: pgSql(
        `INSERT INTO queue_groups (queue, group_id, concurrency) VALUES (@queue, @groupId, @value)
         ON CONFLICT (queue, group_id) DO UPDATE SET concurrency = excluded.concurrency`,
      ),
      removeGroupOverride: pgSql('DELETE FROM queue_groups WHERE queue = @queue AND group_id = @groupId'),
      groupOverrideOf: pgSql<{ concurrency: number }>('SELECT concurrency FROM queue_groups WHERE queue = @queue AND group_id = @groupId'),
      // Locked: the state read here decides between requesting a cancel and failing the job at once.
      job: pgSql<JobRow>('SELECT * FROM jobs WHERE queue = @queue AND job_id = @id FOR UPDATE'),
      failNow: pgSql(
        `UPDATE jobs SET state = 'failed', failed_reason = @reason, finished_on = @now::bigint, run_at = NULL
         WHERE id = @rowId AND ${NOT_RUNNING} RETURNING 1`,
      ),
      deleteRow: pgSql('DELETE FROM jobs WHERE id = @rowId'),
      requestCancel: pgSql(`UPDATE jobs SET cancel_reason = @reason WHERE id = @rowId AND state = 'active'`),
      // jobs_active_queue serves this: it reads only the queue's active jobs.
      cancelRequests: pgSql<CancelRequest>(
        `SELECT job_id AS id, lock_token AS token, cancel_reason AS reason FROM jobs
         WHERE queue = @queue AND state = 'active' AND cancel_reason IS NOT NULL`,
      ),
    };
  }

  private settings(queue: string): Promise<SettingsRow | undefined> {
    return this.s.settings.get(this.store.tx.ex, { queue });
  }

  setGlobalConcurrency(queue: string, concurrency: number | null): Promise<void> {
    return this.store.tx.write(() => this.s.globalConcurrency.run(this.store.tx.ex, { queue, value: concurrency }));
  }

  getGlobalConcurrency(queue: string): Promise<number | null> {
    return this.store.tx.read(async () => (await this.settings(queue))?.gc ?? null);
  }

  setGlobalRateLimit(queue: string, limit: RateLimit | null): Promise<void> {
    return this.store.tx.write(() =>
      this.s.rateLimit.run(this.store.tx.ex, { queue, max: limit?.max ?? null, duration: limit?.duration ?? null }),
    );
  }

  getGlobalRateLimit(queue: string): Promise<RateLimit | null> {
    return this.store.tx.read(async () => {
      const row = await this.settings(queue);
      return row?.rmax != null && row.rdur != null ? { max: row.rmax, duration: row.rdur } : null;
    });
  }

  setRateLimitedUntil(queue: string, until: number): Promise<void> {
    return this.store.tx.write(() => this.s.rateLimitedUntil.run(this.store.tx.ex, { queue, value: until }));
  }

  getRateLimitTtl(queue: string, now: number): Promise<number> {
    return this.store.tx.read(async () => {
      const row = await this.settings(queue);
      if (row === undefined) return 0;
      let until = row.until ?? 0;
      if (row.rmax !== null && row.rdur !== null && row.ws !== null && row.wc >= row.rmax) until = Math.max(until, row.ws + row.rdur);
      return Math.max(0, until - now);
    });
  }

  setGroupConcurrency(queue: string, concurrency: number | null, groupId?: string): Promise<void> {
    return this.store.tx.write(async () => {
      const ex = this.store.tx.ex;
      if (groupId === undefined) await this.s.groupDefault.run(ex, { queue, value: concurrency });
      else if (concurrency === null) await this.s.removeGroupOverride.run(ex, { queue, groupId });
      else await this.s.groupOverride.run(ex, { queue, groupId, value: concurrency });
    });
  }

  getGroupConcurrency(queue: string, groupId?: string): Promise<number | null> {
    return this.store.tx.read(async () => {
      const override = groupId === undefined ? undefined : (await this.s.groupOverrideOf.get(this.store.tx.ex, { queue, groupId }))?.concurrency;
      return override ?? (await this.settings(queue))?.groupDefault ?? null;
    });
  }

  cancel(queue: string, id: string, reason: string, now: number): Promise<CancelOutcome> {
    return this.store.tx.write(async (): Promise<CancelOutcome> => {
      const ex = this.store.tx.ex;
      const row = await this.s.job.get(ex, { queue, id });
      if (row === undefined) return { kind: 'missing' };
      if (row.state === 'active') {
        await this.s.requestCancel.run(ex, { reason, rowId: row.id });
        return { kind: 'requested' };
      }
      if ((await this.s.failNow.all(ex, { reason, now, rowId: row.id })).length === 0) return { kind: 'finished' };
      // As any final failure: flow parents / dependents are resolved and the job is dead-lettered if asked.
      const job = toJobRecord(row, this.codec);
      const effects: QueueEventRecord[] = [];
      await this.resolver.failed(queue, id, reason, now, effects);
      await this.deadLetters.copy({ ...job, state: 'failed', failedReason: reason, finishedOn: now }, now, effects);
      // removeOnFail: true removes the job at once; count/age limits are applied by the next failure's trim.
      if (retentionLimits(job.opts.removeOnFail, DEFAULT_REMOVE_ON_FAIL).count === 0) await this.s.deleteRow.run(ex, { rowId: row.id });
      return { kind: 'failed', prev: row.state, effects };
    });
  }

  cancelRequests(queue: string): Promise<CancelRequest[]> {
    return this.store.tx.read(() => this.s.cancelRequests.all(this.store.tx.ex, { queue }));
  }

  getDeduplicationJobId(queue: string, dedupId: string, now: number): Promise<string | null> {
    return this.store.tx.read(() => this.dedup.getJobId(queue, dedupId, now));
  }

  removeDeduplicationKey(queue: string, dedupId: string): Promise<number> {
    return this.store.tx.write(() => this.dedup.remove(queue, dedupId));
  }
}
