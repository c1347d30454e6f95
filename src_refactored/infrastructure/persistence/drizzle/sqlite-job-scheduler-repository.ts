import type { JobRecord } from '../../../core/application/ports/job-record.js';
import type {
  IJobSchedulerRepository,
  IterationPlanner,
  JobTemplate,
  PlannedIteration,
  SchedulerRecord,
  UpsertOutcome,
} from '../../../core/application/ports/job-scheduler-repository.port.js';
import { repeatJobId, slotOfRepeatJob } from '../../../core/application/services/repeat-iteration-planner.js';
import type { RepeatSpec } from '../../../core/domain/schedule/repeat-schedule.js';
import type { SqliteDb } from './sqlite-database.js';
import { SqliteJobWriter } from './sqlite-job-writer.js';
import { SqliteQueueCounters } from './sqlite-queue-counters.js';
import { SqliteTransactor } from './sqlite-transactor.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import { toJobRecord, type JobRow } from './job-row.mapper.js';
import { MAX_SLOT_SKIPS, PENDING, PENDING_STATES, sameDefinition, toRecord, toRow, decodeTemplate, encodeTemplate, type SchedulerRow } from './scheduler-row.mapper.js';
import { JOB_COLUMNS } from './sql-fragments.js';

/**
 * Job schedulers on the `job_schedulers` table. Besides the port it offers `afterClaim`, which the job
 * repository calls inside its claim transaction: the next iteration exists as soon as the current one
 * is active, so a crash or a failure of the running job never stops the schedule.
 */
export class SqliteJobSchedulerRepository implements IJobSchedulerRepository {
  private readonly tx: SqliteTransactor;
  private readonly writer: SqliteJobWriter;
  private readonly s;

  constructor(
    db: SqliteDb,
    private readonly planner: IterationPlanner,
    private readonly codec: PayloadCodec,
  ) {
    this.tx = new SqliteTransactor(db);
    this.writer = new SqliteJobWriter(db, new SqliteQueueCounters(db), codec);
    this.s = {
      get: db.prepare<[string, string], SchedulerRow>('SELECT * FROM job_schedulers WHERE queue = ? AND id = ?'),
      upsert: db.prepare<SchedulerRow>(
        `INSERT INTO job_schedulers (queue, id, pattern, every, tz, "limit", start_date, end_date, immediately,
                                     iteration_count, next_run, template, created_at)
         VALUES (@queue, @id, @pattern, @every, @tz, @limit, @start_date, @end_date, @immediately,
                 @iteration_count, @next_run, @template, @created_at)
         ON CONFLICT (queue, id) DO UPDATE SET pattern = excluded.pattern, every = excluded.every, tz = excluded.tz,
           "limit" = excluded."limit", start_date = excluded.start_date, end_date = excluded.end_date,
           immediately = excluded.immediately, iteration_count = excluded.iteration_count,
           next_run = excluded.next_run, template = excluded.template`,
      ),
      // Compare-and-set on next_run: only the claim of the pending slot advances the schedule, so a
      // re-claimed (stalled) job or a second process never creates a second next job.
      advance: db.prepare<{ queue: string; id: string; slot: number; next: number | null; made: number }>(
        `UPDATE job_schedulers SET next_run = @next, iteration_count = iteration_count + @made
         WHERE queue = @queue AND id = @id AND next_run = @slot`,
      ),
      remove: db.prepare<[string, string]>('DELETE FROM job_schedulers WHERE queue = ? AND id = ?'),
      removePending: db.prepare<[string, string]>(`DELETE FROM jobs WHERE queue = ? AND job_id = ? AND ${PENDING}`),
      findPending: db.prepare<[string, string], JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE queue = ? AND job_id = ? AND ${PENDING}`),
      // Ended schedulers (next_run NULL) sort after the running ones.
      listAsc: db.prepare<[string, number, number], SchedulerRow>(
        'SELECT * FROM job_schedulers WHERE queue = ? ORDER BY next_run IS NULL, next_run, id LIMIT ? OFFSET ?',
      ),
      listDesc: db.prepare<[string, number, number], SchedulerRow>(
        'SELECT * FROM job_schedulers WHERE queue = ? ORDER BY next_run IS NULL, next_run DESC, id DESC LIMIT ? OFFSET ?',
      ),
      count: db.prepare<[string], { c: number }>('SELECT count(*) AS c FROM job_schedulers WHERE queue = ?'),
      // Schedulers whose pending job is gone (drained, removed by hand): one probe of jobs_queue_job_id each.
      orphans: db.prepare<[], SchedulerRow>(
        `SELECT s.* FROM job_schedulers s WHERE s.next_run IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM jobs j WHERE j.queue = s.queue AND j.job_id = 'repeat:' || s.id || ':' || s.next_run
             AND j.state IN ('delayed', 'waiting', 'prioritized', 'active'))`,
      ),
    };
  }

  upsert(queue: string, id: string, repeat: RepeatSpec, template: JobTemplate, now: number): Promise<UpsertOutcome> {
    return this.tx.write(() => {
      const existing = decodeTemplate(this.s.get.get(queue, id), this.codec);
      const base: SchedulerRecord = {
        queue,
        id,
        repeat,
        template,
        iterationCount: existing?.iteration_count ?? 0,
        nextRun: null,
        createdAt: existing?.created_at ?? now,
      };
      const pendingId = existing?.next_run == null ? null : repeatJobId(id, existing.next_run);
      if (existing !== undefined && pendingId !== null && sameDefinition(existing, toRow(base))) {
        const pending = this.s.findPending.get(queue, pendingId);
        if (pending !== undefined) return { scheduler: toRecord(existing), job: toJobRecord(pending, this.codec), created: false, replaced: null };
      }
      const replaced = pendingId !== null && this.s.removePending.run(queue, pendingId).changes > 0 ? pendingId : null;
      const made = this.createIteration(base, this.planner.first(base, now), now);
      const scheduler = { ...base, nextRun: made?.slot ?? null, iterationCount: base.iterationCount + (made ? 1 : 0) };
      this.s.upsert.run(encodeTemplate(toRow(scheduler), this.codec));
      return { scheduler, job: made?.job ?? null, created: made !== null, replaced };
    });
  }

  /** Called inside the claim transaction with the jobs just claimed; creates the next iterations. */
  afterClaim(claimed: readonly JobRecord[], now: number): void {
    for (const record of claimed) {
      const schedulerId = record.opts.repeatJobKey;
      if (schedulerId === undefined) continue;
      const slot = slotOfRepeatJob(record.id);
      const row = decodeTemplate(this.s.get.get(record.queue, schedulerId), this.codec);
      if (slot === null || row === undefined || row.next_run !== slot) continue;
      const scheduler = toRecord(row);
      const made = this.createIteration(scheduler, this.planner.next(scheduler, slot, now), now);
      this.s.advance.run({ queue: record.queue, id: schedulerId, slot, next: made?.slot ?? null, made: made ? 1 : 0 });
    }
  }

  /**
   * Gives every scheduler whose pending job disappeared (a drain, a manual remove) a new one, for its
   * next slot after now, so a schedule never stops silently. Returns the jobs created.
   */
  async repairOrphans(now: number): Promise<JobRecord[]> {
    // Read first: the usual answer is "none", which then costs no write lock.
    if (this.s.orphans.all().length === 0) return [];
    return this.tx.write(() => {
      const created: JobRecord[] = [];
      for (const raw of this.s.orphans.all()) {
        const row = decodeTemplate(raw, this.codec)!;
        const scheduler = toRecord(row);
        const made = this.createIteration(scheduler, this.planner.next(scheduler, row.next_run!, now), now);
        this.s.advance.run({ queue: row.queue, id: row.id, slot: row.next_run!, next: made?.slot ?? null, made: made ? 1 : 0 });
        if (made !== null) created.push(made.job);
      }
      return created;
    });
  }

  /**
   * Inserts the planned job. Its id may exist already, finished and kept by retention, when the clock went
   * back past a slot that ran: that slot is not run twice, the one after it is planned instead.
   */
  private createIteration(scheduler: SchedulerRecord, planned: PlannedIteration | null, now: number): { slot: number; job: JobRecord } | null {
    for (let tries = 0; planned !== null && tries < MAX_SLOT_SKIPS; tries++) {
      const [{ record, duplicated }] = this.writer.insert([planned.job], now);
      if (!duplicated || PENDING_STATES.includes(record.state)) return { slot: planned.slot, job: record };
      planned = this.planner.next(scheduler, planned.slot, now);
    }
    return null;
  }

  get(queue: string, id: string): Promise<SchedulerRecord | null> {
    return this.tx.read(() => {
      const row = decodeTemplate(this.s.get.get(queue, id), this.codec);
      return row === undefined ? null : toRecord(row);
    });
  }

  list(queue: string, start: number, end: number, asc: boolean): Promise<SchedulerRecord[]> {
    return this.tx.read(() => {
      const limit = end < 0 ? -1 : Math.max(0, end - start + 1);
      return (asc ? this.s.listAsc : this.s.listDesc).all(queue, limit, Math.max(0, start)).map((r) => toRecord(decodeTemplate(r, this.codec)!));
    });
  }

  count(queue: string): Promise<number> {
    return this.tx.read(() => this.s.count.get(queue)!.c);
  }

  remove(queue: string, id: string): Promise<boolean> {
    return this.tx.write(() => {
      const row = this.s.get.get(queue, id);
      if (row === undefined) return false;
      if (row.next_run !== null) this.s.removePending.run(queue, repeatJobId(id, row.next_run));
      this.s.remove.run(queue, id);
      return true;
    });
  }
}
