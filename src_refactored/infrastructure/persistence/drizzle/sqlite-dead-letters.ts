import type { QueueEventRecord } from '../../../core/application/ports/event-bus.port.js';
import type { JobRecord, NewJob } from '../../../core/application/ports/job-record.js';
import type { LockRef } from '../../../core/application/ports/job-repository.port.js';
import type { DeadLetterData } from '../../../core/domain/job/dead-letter.js';
import type { SqliteDb } from './sqlite-database.js';
import type { SqliteQueueCounters } from './sqlite-queue-counters.js';
import { SqliteJobWriter } from './sqlite-job-writer.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import { toJobRecord, type JobRow } from './job-row.mapper.js';
import { JOB_COLUMNS } from './sql-fragments.js';

/** The job added to `queue` for `failed`: its data is the DeadLetterData (the source job as it ended). */
export function deadLetterJob(failed: JobRecord, queue: string, now: number): NewJob {
  const letter: DeadLetterData = {
    source: { queue: failed.queue, id: failed.id, name: failed.name },
    data: failed.data,
    opts: failed.opts,
    failedReason: failed.failedReason ?? '',
    stacktrace: failed.stacktrace,
    attemptsMade: failed.attemptsMade,
    attemptsStarted: failed.attemptsStarted,
    stalledCounter: failed.stalledCounter,
    timestamp: failed.timestamp,
    processedOn: failed.processedOn,
    failedOn: now,
  };
  return { queue, name: failed.name, dataJson: JSON.stringify(letter), opts: {}, priority: 0, lifo: false, delay: 0, maxAttempts: 1 };
}

/** Copies jobs that failed for good into their `opts.deadLetter.queue`, inside the failing transaction. */
export class SqliteDeadLetters {
  private readonly writer: SqliteJobWriter;
  private readonly findLocked;

  constructor(
    db: SqliteDb,
    counters: SqliteQueueCounters,
    private readonly codec: PayloadCodec,
  ) {
    this.writer = new SqliteJobWriter(db, counters, codec);
    this.findLocked = db.prepare<LockRef, JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE queue = @queue AND job_id = @id AND lock_token = @token AND state = 'active'`,
    );
  }

  /** The job as it is before its final failure is written (the write may delete it: removeOnFail). */
  capture(lock: LockRef): JobRecord | undefined {
    const row = this.findLocked.get(lock);
    return row === undefined ? undefined : toJobRecord(row, this.codec);
  }

  /** `failed` is the job as it ended (reason, stack and counters of the final attempt). */
  copy(failed: JobRecord, now: number, effects: QueueEventRecord[]): void {
    const queue = failed.opts.deadLetter?.queue;
    if (queue === undefined) return;
    const [{ record }] = this.writer.insert([deadLetterJob(failed, queue, now)], now);
    effects.push(
      { queue, event: 'added', args: { jobId: record.id, name: record.name } },
      { queue, event: 'waiting', args: { jobId: record.id } },
    );
  }
}
