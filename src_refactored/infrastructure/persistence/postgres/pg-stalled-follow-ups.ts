import type { QueueEventRecord } from '../../../core/application/ports/event-bus.port.js';
import type { JobRecord } from '../../../core/application/ports/job-record.js';
import type { StalledDecision, StalledSweep } from '../../../core/application/ports/job-repository.port.js';
import { STALLED_LIMIT_REASON } from '../../../core/domain/job/job-errors.js';
import { toJobRecord, type JobRow } from '../drizzle/job-row.mapper.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import type { PgStore } from './pg-store.js';
import { pgSql } from './pg-statement.js';
import type { PgQueueCounters } from './pg-queue-counters.js';
import { PgDeadLetters } from './pg-dead-letters.js';
import { PgDependencyResolver } from './pg-dependency-resolver.js';

/**
 * A job that stalled past `maxStalledCount` fails for good: its flow parents / dependents are resolved and
 * it is dead-lettered, in the sweep's transaction, as for any final failure (the twin of
 * SqliteStalledFollowUps). Rare path: one read for all the jobs the sweep may fail.
 */
export class PgStalledFollowUps {
  private readonly deadLetters: PgDeadLetters;
  private readonly resolver: PgDependencyResolver;
  private readonly find = pgSql<JobRow>('SELECT * FROM jobs WHERE queue = @queue AND job_id = ANY(@ids::text[])');

  constructor(
    private readonly store: PgStore,
    counters: PgQueueCounters,
    private readonly codec: PayloadCodec,
  ) {
    this.deadLetters = new PgDeadLetters(store, counters, codec);
    this.resolver = new PgDependencyResolver(store, counters, this.deadLetters, codec);
  }

  /** Runs `recover` (which may delete the failed jobs: removeOnFail) and then the follow-ups of its failures. */
  async around(queue: string, decisions: readonly StalledDecision[], now: number, recover: () => Promise<StalledSweep>): Promise<StalledSweep> {
    const ids = decisions.filter((d) => d.fail).map((d) => d.id);
    const before = new Map<string, JobRecord>();
    if (ids.length > 0) {
      for (const row of await this.find.all(this.store.tx.ex, { queue, ids })) before.set(row.job_id, toJobRecord(row, this.codec));
    }
    const sweep = await recover();
    const effects: QueueEventRecord[] = [];
    for (const { id } of sweep.failed) {
      const job = before.get(id)!;
      await this.resolver.failed(queue, id, STALLED_LIMIT_REASON, now, effects);
      await this.deadLetters.copy({ ...job, failedReason: STALLED_LIMIT_REASON, stalledCounter: job.stalledCounter + 1 }, now, effects);
    }
    return effects.length > 0 ? { ...sweep, effects } : sweep;
  }
}
