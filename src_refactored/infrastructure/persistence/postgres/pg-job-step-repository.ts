import type { IJobStepRepository } from '../../../core/application/ports/job-step-repository.port.js';
import type { LockRef } from '../../../core/application/ports/job-repository.port.js';
import { LOCK_FENCE, READY, READY_STATE_OF_ROW, UNLOCKED } from '../drizzle/sql-fragments.js';
import { PG_RESEQUENCE, PgQueueCounters } from './pg-queue-counters.js';
import { pgSql } from './pg-statement.js';
import type { PgStore } from './pg-store.js';

/**
 * IJobStepRepository on PostgreSQL (twin of SqliteJobStepRepository). Each move is one fenced UPDATE,
 * atomic on its own across processes; RETURNING tells whether it matched. None touches attempts_made,
 * so a step is never counted as a failed attempt.
 */
export class PgJobStepRepository implements IJobStepRepository {
  private readonly counters: PgQueueCounters;
  private readonly s;

  constructor(private readonly store: PgStore) {
    this.counters = new PgQueueCounters(store);
    this.s = {
      toDelayed: pgSql(
        `UPDATE jobs SET state = CASE WHEN @runAt::bigint > @now::bigint THEN 'delayed' ELSE ${READY_STATE_OF_ROW} END,
                run_at = CASE WHEN @runAt::bigint > @now::bigint THEN @runAt::bigint END, seq = ${PG_RESEQUENCE}, ${UNLOCKED}
         WHERE ${LOCK_FENCE} RETURNING 1`,
      ),
      toWait: pgSql(`UPDATE jobs SET state = ${READY_STATE_OF_ROW}, seq = ${PG_RESEQUENCE}, ${UNLOCKED} WHERE ${LOCK_FENCE} RETURNING 1`),
      changeDelay: pgSql(
        `UPDATE jobs SET delay = @delay::bigint, run_at = @now::bigint + @delay::bigint
         WHERE queue = @queue AND job_id = @id AND state = 'delayed' RETURNING 1`,
      ),
      // A ready job changes between waiting and prioritized with its priority; other states keep theirs.
      changePriority: pgSql(
        `UPDATE jobs SET priority = @priority::integer, seq = @seq::bigint,
                state = CASE WHEN ${READY} THEN (CASE WHEN @priority::integer > 0 THEN 'prioritized' ELSE 'waiting' END) ELSE state END
         WHERE queue = @queue AND job_id = @id AND state NOT IN ('completed', 'failed') RETURNING 1`,
      ),
    };
  }

  moveToDelayed(lock: LockRef, runAt: number, now: number): Promise<boolean> {
    return this.store.tx.write(async () => {
      const seq = await this.counters.nextSeq(lock.queue);
      return (await this.s.toDelayed.all(this.store.tx.ex, { ...lock, runAt, now, seq })).length === 1;
    });
  }

  moveToWait(lock: LockRef): Promise<boolean> {
    return this.store.tx.write(async () => {
      const seq = await this.counters.nextSeq(lock.queue);
      return (await this.s.toWait.all(this.store.tx.ex, { ...lock, seq })).length === 1;
    });
  }

  changeDelay(queue: string, id: string, delay: number, now: number): Promise<boolean> {
    return this.store.tx.write(async () => (await this.s.changeDelay.all(this.store.tx.ex, { queue, id, delay, now })).length === 1);
  }

  changePriority(queue: string, id: string, priority: number, lifo: boolean): Promise<boolean> {
    return this.store.tx.write(async () => {
      const seq = await this.counters.nextSeq(queue);
      return (await this.s.changePriority.all(this.store.tx.ex, { queue, id, priority, seq: lifo ? -seq : seq })).length === 1;
    });
  }
}
