import type { JobRecord } from '../../src_refactored/core/application/ports/job-record.js';
import { buildNewJob } from '../../src_refactored/core/application/services/new-job.js';
import type { JobsOptions } from '../../src_refactored/core/domain/job/job-options.js';
import { plainCodec } from '../../src_refactored/infrastructure/persistence/codec/payload-codec.js';
import { PgJobWriter } from '../../src_refactored/infrastructure/persistence/postgres/pg-job-writer.js';
import { PgQueueCounters } from '../../src_refactored/infrastructure/persistence/postgres/pg-queue-counters.js';
import type { PgStore } from '../../src_refactored/infrastructure/persistence/postgres/pg-store.js';

/**
 * Seeding for the repository tests of the PostgreSQL adapter: jobs are added through the adapter's own
 * writer, and a job is made active with a known lock token the way a claim leaves it (the claim itself
 * is the job repository's, tested by its contract).
 */
export async function addJob(store: PgStore, queue: string, opts: JobsOptions = {}, now = 1_000): Promise<JobRecord> {
  const writer = new PgJobWriter(store, new PgQueueCounters(store), plainCodec);
  const [result] = await store.tx.write(() => writer.insert([buildNewJob(queue, 'job', '{}', opts)], now));
  return result.record;
}

export async function activate(store: PgStore, queue: string, id: string, token: string): Promise<void> {
  await store.connection.query(
    `UPDATE jobs SET state = 'active', lock_token = $3, locked_until = 9000000000000
     WHERE queue = $1 AND job_id = $2 AND state IN ('waiting', 'prioritized')`,
    [queue, id, token],
  );
}

/** The raw row, for columns a JobRecord does not show (seq). */
export async function rowOf(store: PgStore, queue: string, id: string) {
  const [row] = await store.connection.query<{ state: string; seq: number; run_at: number | null; priority: number; delay: number; failed_reason: string | null; lock_token: string | null }>(
    'SELECT state, seq, run_at, priority, delay, failed_reason, lock_token FROM jobs WHERE queue = $1 AND job_id = $2',
    [queue, id],
  );
  return row;
}
