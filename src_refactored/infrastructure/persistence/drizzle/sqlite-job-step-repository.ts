import type { IJobStepRepository } from '../../../core/application/ports/job-step-repository.port.js';
import type { LockRef } from '../../../core/application/ports/job-repository.port.js';
import type { SqliteDb } from './sqlite-database.js';
import { SqliteQueueCounters } from './sqlite-queue-counters.js';
import { SqliteTransactor } from './sqlite-transactor.js';
import { LOCK_FENCE, READY, READY_STATE_OF_ROW, RESEQUENCE, UNLOCKED } from './sql-fragments.js';

/**
 * IJobStepRepository on better-sqlite3. Each move is one fenced statement; none touches attempts_made, so
 * a step is never counted as a failed attempt. A job re-entering waiting gets a fresh sequence number
 * (back of its priority; LIFO jobs keep their front place through RESEQUENCE).
 */
export class SqliteJobStepRepository implements IJobStepRepository {
  private readonly tx: SqliteTransactor;
  private readonly counters: SqliteQueueCounters;
  private readonly s;

  constructor(db: SqliteDb) {
    this.tx = new SqliteTransactor(db);
    this.counters = new SqliteQueueCounters(db);
    this.s = {
      toDelayed: db.prepare(
        `UPDATE jobs SET state = CASE WHEN @runAt > @now THEN 'delayed' ELSE ${READY_STATE_OF_ROW} END,
                run_at = CASE WHEN @runAt > @now THEN @runAt END, seq = ${RESEQUENCE}, ${UNLOCKED}
         WHERE ${LOCK_FENCE}`,
      ),
      toWait: db.prepare(`UPDATE jobs SET state = ${READY_STATE_OF_ROW}, seq = ${RESEQUENCE}, ${UNLOCKED} WHERE ${LOCK_FENCE}`),
      changeDelay: db.prepare(
        `UPDATE jobs SET delay = @delay, run_at = @now + @delay WHERE queue = @queue AND job_id = @id AND state = 'delayed'`,
      ),
      // A ready job changes between waiting and prioritized with its priority; other states keep theirs.
      changePriority: db.prepare(
        `UPDATE jobs SET priority = @priority, seq = @seq,
                state = CASE WHEN ${READY} THEN (CASE WHEN @priority > 0 THEN 'prioritized' ELSE 'waiting' END) ELSE state END
         WHERE queue = @queue AND job_id = @id AND state NOT IN ('completed', 'failed')`,
      ),
    };
  }

  moveToDelayed(lock: LockRef, runAt: number, now: number): Promise<boolean> {
    return this.tx.write(() => this.s.toDelayed.run({ ...lock, runAt, now, seq: this.counters.nextSeq(lock.queue) }).changes === 1);
  }

  moveToWait(lock: LockRef): Promise<boolean> {
    return this.tx.write(() => this.s.toWait.run({ ...lock, seq: this.counters.nextSeq(lock.queue) }).changes === 1);
  }

  changeDelay(queue: string, id: string, delay: number, now: number): Promise<boolean> {
    return this.tx.write(() => this.s.changeDelay.run({ queue, id, delay, now }).changes === 1);
  }

  changePriority(queue: string, id: string, priority: number, lifo: boolean): Promise<boolean> {
    return this.tx.write(() => {
      const seq = this.counters.nextSeq(queue);
      return this.s.changePriority.run({ queue, id, priority, seq: lifo ? -seq : seq }).changes === 1;
    });
  }
}
