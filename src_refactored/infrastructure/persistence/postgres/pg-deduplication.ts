import type { JobsOptions } from '../../../core/domain/job/job-options.js';
import type { JobRow } from '../drizzle/job-row.mapper.js';
import type { PgStore } from './pg-store.js';
import { pgSql } from './pg-statement.js';

type Dedup = NonNullable<JobsOptions['deduplication']>;

interface KeyRow {
  job_id: string;
  expires_at: number | null;
}

/**
 * Deduplication keys (`opts.deduplication`), the twin of SqliteDeduplication (see there for the live /
 * lazy-release rules). `check` and `record` run inside an insert, after PgQueueCounters reserved the
 * queue's numbers: that upsert holds the queue row's lock until commit, so two processes adding the same
 * key are serialised there and the second one sees the first one's key.
 */
export class PgDeduplication {
  private readonly s = {
    key: pgSql<KeyRow>('SELECT job_id, expires_at FROM deduplication_keys WHERE queue = @queue AND dedup_id = @dedupId'),
    job: pgSql<JobRow>('SELECT * FROM jobs WHERE queue = @queue AND job_id = @id'),
    upsert: pgSql(
      `INSERT INTO deduplication_keys (queue, dedup_id, job_id, expires_at) VALUES (@queue, @dedupId, @jobId, @expiresAt)
       ON CONFLICT (queue, dedup_id) DO UPDATE SET job_id = excluded.job_id, expires_at = excluded.expires_at`,
    ),
    extend: pgSql('UPDATE deduplication_keys SET expires_at = @expiresAt WHERE queue = @queue AND dedup_id = @dedupId'),
    removeJob: pgSql(`DELETE FROM jobs WHERE id = @rowId AND state = 'delayed'`),
    remove: pgSql('DELETE FROM deduplication_keys WHERE queue = @queue AND dedup_id = @dedupId RETURNING 1'),
  };

  constructor(private readonly store: PgStore) {}

  /** The job a live key points at, or undefined. */
  async liveJob(queue: string, dedupId: string, now: number): Promise<{ row: JobRow; key: KeyRow } | undefined> {
    const ex = this.store.tx.ex;
    const key = await this.s.key.get(ex, { queue, dedupId });
    if (key === undefined) return undefined;
    const row = await this.s.job.get(ex, { queue, id: key.job_id });
    if (row === undefined) return undefined;
    const live = key.expires_at !== null ? key.expires_at > now : row.state !== 'completed' && row.state !== 'failed';
    return live ? { row, key } : undefined;
  }

  /**
   * Before inserting a job with `dedup`: returns the existing job when the add is deduplicated. In
   * debounce mode (`replace`) a still-delayed job is removed instead; `extend` restarts the ttl.
   */
  async check(queue: string, dedup: Dedup, now: number): Promise<JobRow | undefined> {
    const live = await this.liveJob(queue, dedup.id, now);
    if (live === undefined) return undefined;
    const ex = this.store.tx.ex;
    if (dedup.replace === true && live.row.state === 'delayed') {
      await this.s.removeJob.run(ex, { rowId: live.row.id });
      return undefined;
    }
    if (dedup.extend === true && dedup.ttl !== undefined) await this.s.extend.run(ex, { expiresAt: now + dedup.ttl, queue, dedupId: dedup.id });
    return live.row;
  }

  /** After the insert: the key now points at the new job. */
  async record(queue: string, dedup: Dedup, jobId: string, now: number): Promise<void> {
    const expiresAt = dedup.ttl === undefined ? null : now + dedup.ttl;
    await this.s.upsert.run(this.store.tx.ex, { queue, dedupId: dedup.id, jobId, expiresAt });
  }

  async getJobId(queue: string, dedupId: string, now: number): Promise<string | null> {
    return (await this.liveJob(queue, dedupId, now))?.row.job_id ?? null;
  }

  async remove(queue: string, dedupId: string): Promise<number> {
    return (await this.s.remove.all(this.store.tx.ex, { queue, dedupId })).length;
  }
}
