import type { QueueEventRecord } from '../../../core/application/ports/event-bus.port.js';
import type { JobRecord } from '../../../core/application/ports/job-record.js';
import type { StalledDecision, StalledSweep } from '../../../core/application/ports/job-repository.port.js';
import { STALLED_LIMIT_REASON } from '../../../core/domain/job/job-errors.js';
import type { SqliteDb } from './sqlite-database.js';
import type { SqliteQueueCounters } from './sqlite-queue-counters.js';
import { SqliteDeadLetters } from './sqlite-dead-letters.js';
import { SqliteDependencyResolver } from './sqlite-dependency-resolver.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import { toJobRecord, type JobRow } from './job-row.mapper.js';
import { JOB_BY_ID } from './sql-fragments.js';

/**
 * A job that stalled past `maxStalledCount` fails for good: its flow parents / dependents are resolved and
 * it is dead-lettered, in the sweep's transaction, as for any final failure. Rare path: one read per job.
 */
export class SqliteStalledFollowUps {
  private readonly deadLetters: SqliteDeadLetters;
  private readonly resolver: SqliteDependencyResolver;
  private readonly find;

  constructor(
    db: SqliteDb,
    counters: SqliteQueueCounters,
    private readonly codec: PayloadCodec,
  ) {
    this.deadLetters = new SqliteDeadLetters(db, counters, codec);
    this.resolver = new SqliteDependencyResolver(db, counters, this.deadLetters, codec);
    this.find = db.prepare<[string, string], JobRow>(JOB_BY_ID);
  }

  /** Runs `recover` (which may delete the failed jobs: removeOnFail) and then the follow-ups of its failures. */
  around(queue: string, decisions: readonly StalledDecision[], now: number, recover: () => StalledSweep): StalledSweep {
    const before = new Map<string, JobRecord>();
    for (const d of decisions) {
      const row = d.fail ? this.find.get(queue, d.id) : undefined;
      if (row !== undefined) before.set(d.id, toJobRecord(row, this.codec));
    }
    const sweep = recover();
    const effects: QueueEventRecord[] = [];
    for (const { id } of sweep.failed) {
      const job = before.get(id)!;
      this.resolver.failed(queue, id, STALLED_LIMIT_REASON, now, effects);
      this.deadLetters.copy({ ...job, failedReason: STALLED_LIMIT_REASON, stalledCounter: job.stalledCounter + 1 }, now, effects);
    }
    return effects.length > 0 ? { ...sweep, effects } : sweep;
  }
}
