import type { QueueEventRecord } from '../../../core/application/ports/event-bus.port.js';
import type { JobRecord } from '../../../core/application/ports/job-record.js';
import type { LockRef } from '../../../core/application/ports/job-repository.port.js';
import { deadLetterJob } from '../drizzle/sqlite-dead-letters.js';
import { toJobRecord, type JobRow } from '../drizzle/job-row.mapper.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import type { PgStore } from './pg-store.js';
import type { PgQueueCounters } from './pg-queue-counters.js';
import { PgJobWriter } from './pg-job-writer.js';
import { pgSql } from './pg-statement.js';

/** Copies jobs that failed for good into their `opts.deadLetter.queue`, inside the failing transaction. */
export class PgDeadLetters {
  private readonly writer: PgJobWriter;
  private readonly findLocked = pgSql<JobRow>(
    `SELECT * FROM jobs WHERE queue = @queue AND job_id = @id AND lock_token = @token AND state = 'active'`,
  );

  constructor(
    private readonly store: PgStore,
    counters: PgQueueCounters,
    private readonly codec: PayloadCodec,
  ) {
    this.writer = new PgJobWriter(store, counters, codec);
  }

  /** The job as it is before its final failure is written (the write may delete it: removeOnFail). */
  async capture(lock: LockRef): Promise<JobRecord | undefined> {
    const row = await this.findLocked.get(this.store.tx.ex, { queue: lock.queue, id: lock.id, token: lock.token });
    return row === undefined ? undefined : toJobRecord(row, this.codec);
  }

  /** `failed` is the job as it ended (reason, stack and counters of the final attempt). */
  async copy(failed: JobRecord, now: number, effects: QueueEventRecord[]): Promise<void> {
    const queue = failed.opts.deadLetter?.queue;
    if (queue === undefined) return;
    const [{ record }] = await this.writer.insert([deadLetterJob(failed, queue, now)], now);
    effects.push(
      { queue, event: 'added', args: { jobId: record.id, name: record.name } },
      { queue, event: 'waiting', args: { jobId: record.id } },
    );
  }
}
