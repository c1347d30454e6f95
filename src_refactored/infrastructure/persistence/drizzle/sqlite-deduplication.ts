import type { JobsOptions } from '../../../core/domain/job/job-options.js';
import type { SqliteDb } from './sqlite-database.js';
import type { JobRow } from './job-row.mapper.js';
import { JOB_BY_ID } from './sql-fragments.js';

type Dedup = NonNullable<JobsOptions['deduplication']>;

interface KeyRow {
  job_id: string;
  expires_at: number | null;
}

/**
 * Deduplication keys (`opts.deduplication`), decided inside the insert transaction. A key is live while
 * its job exists and either its ttl has not passed (throttle) or, without a ttl, the job has not finished
 * (simple mode). Keys are released lazily: a dead key is simply overwritten by the next add, so finishing
 * or removing a job needs no extra write.
 */
export class SqliteDeduplication {
  private readonly s;

  constructor(db: SqliteDb) {
    this.s = {
      key: db.prepare<[string, string], KeyRow>('SELECT job_id, expires_at FROM deduplication_keys WHERE queue = ? AND dedup_id = ?'),
      job: db.prepare<[string, string], JobRow>(JOB_BY_ID),
      upsert: db.prepare(
        `INSERT INTO deduplication_keys (queue, dedup_id, job_id, expires_at) VALUES (@queue, @dedupId, @jobId, @expiresAt)
         ON CONFLICT (queue, dedup_id) DO UPDATE SET job_id = excluded.job_id, expires_at = excluded.expires_at`,
      ),
      extend: db.prepare('UPDATE deduplication_keys SET expires_at = ? WHERE queue = ? AND dedup_id = ?'),
      removeJob: db.prepare(`DELETE FROM jobs WHERE id = ? AND state = 'delayed'`),
      remove: db.prepare('DELETE FROM deduplication_keys WHERE queue = ? AND dedup_id = ?'),
    };
  }

  /** The job a live key points at, or undefined. */
  liveJob(queue: string, dedupId: string, now: number): { row: JobRow; key: KeyRow } | undefined {
    const key = this.s.key.get(queue, dedupId);
    if (key === undefined) return undefined;
    const row = this.s.job.get(queue, key.job_id);
    if (row === undefined) return undefined;
    const live = key.expires_at !== null ? key.expires_at > now : row.state !== 'completed' && row.state !== 'failed';
    return live ? { row, key } : undefined;
  }

  /**
   * Before inserting a job with `dedup`: returns the existing job when the add is deduplicated. In
   * debounce mode (`replace`) a still-delayed job is removed instead, so the new one takes its place
   * with its own data, options and delay (BullMQ's behaviour); `extend` restarts the ttl.
   */
  check(queue: string, dedup: Dedup, now: number): JobRow | undefined {
    const live = this.liveJob(queue, dedup.id, now);
    if (live === undefined) return undefined;
    if (dedup.replace === true && live.row.state === 'delayed') {
      this.s.removeJob.run(live.row.id);
      return undefined;
    }
    if (dedup.extend === true && dedup.ttl !== undefined) this.s.extend.run(now + dedup.ttl, queue, dedup.id);
    return live.row;
  }

  /** After the insert: the key now points at the new job. */
  record(queue: string, dedup: Dedup, jobId: string, now: number): void {
    this.s.upsert.run({ queue, dedupId: dedup.id, jobId, expiresAt: dedup.ttl === undefined ? null : now + dedup.ttl });
  }

  getJobId(queue: string, dedupId: string, now: number): string | null {
    return this.liveJob(queue, dedupId, now)?.row.job_id ?? null;
  }

  remove(queue: string, dedupId: string): number {
    return this.s.remove.run(queue, dedupId).changes;
  }
}
