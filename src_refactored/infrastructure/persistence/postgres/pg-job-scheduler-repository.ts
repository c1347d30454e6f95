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
import type { PayloadCodec } from '../codec/payload-codec.js';
import { toJobRecord, type JobRow } from '../drizzle/job-row.mapper.js';
import { MAX_SLOT_SKIPS, PENDING, PENDING_STATES, sameDefinition, toRecord, toRow, decodeTemplate, encodeTemplate, type SchedulerRow } from '../drizzle/scheduler-row.mapper.js';
import { PgJobWriter } from './pg-job-writer.js';
import { PgQueueCounters } from './pg-queue-counters.js';
import { pgSql } from './pg-statement.js';
import type { PgStore } from './pg-store.js';

/** A scheduler advanced by another process between our read and our lock is re-read this often. */
const LOCK_ROUNDS = 5;

interface Locked {
  /** The scheduler row, locked (template decoded); undefined when there is none. */
  row: SchedulerRow | undefined;
  /** Its pending job, locked; undefined when it has none (or it is already active / finished). */
  pending: JobRow | undefined;
}

/**
 * Job schedulers on PostgreSQL (twin of SqliteJobSchedulerRepository). SQLite serialises writers; here
 * every write locks the scheduler row, and lock order is the claim's: the pending job first, then the
 * scheduler (a claim holds its jobs when `afterClaim` reads their scheduler), so an upsert or remove
 * racing a claim of the pending job waits for it instead of deadlocking. `afterClaim` runs inside the
 * job repository's claim transaction (it uses `store.tx.ex`).
 */
export class PgJobSchedulerRepository implements IJobSchedulerRepository {
  private readonly writer: PgJobWriter;
  private readonly s;

  constructor(
    private readonly store: PgStore,
    private readonly planner: IterationPlanner,
    private readonly codec: PayloadCodec,
  ) {
    this.writer = new PgJobWriter(store, new PgQueueCounters(store), codec);
    this.s = {
      get: pgSql<SchedulerRow>('SELECT * FROM job_schedulers WHERE queue = @queue AND id = @id'),
      // Upserts and removes of one scheduler run one after the other (see `upsert`); a hash collision only
      // serialises two schedulers needlessly. 29539 = 0x7363 ('sc'): the
      // two-key form, apart from the one-key advisory locks of migrations and events.
      serialise: pgSql(`SELECT pg_advisory_xact_lock(29539, hashtext(@queue || '/' || @id))`),
      getLocked: pgSql<SchedulerRow>('SELECT * FROM job_schedulers WHERE queue = @queue AND id = @id FOR UPDATE'),
      // A new id: the row is made at once (overwritten below) so that a concurrent upsert of the same id
      // waits on it (unique index) and then finds and locks it, as SQLite's write lock would order them.
      claimId: pgSql(
        `INSERT INTO job_schedulers (queue, id, template, created_at) VALUES (@queue, @id, '', @now::bigint)
         ON CONFLICT (queue, id) DO NOTHING RETURNING 1`,
      ),
      upsert: pgSql(
        `INSERT INTO job_schedulers (queue, id, pattern, every, tz, "limit", start_date, end_date, immediately,
                                     iteration_count, next_run, template, created_at)
         VALUES (@queue, @id, @pattern, @every, @tz, @limit, @start_date, @end_date, @immediately,
                 @iteration_count, @next_run, @template, @created_at)
         ON CONFLICT (queue, id) DO UPDATE SET pattern = excluded.pattern, every = excluded.every, tz = excluded.tz,
           "limit" = excluded."limit", start_date = excluded.start_date, end_date = excluded.end_date,
           immediately = excluded.immediately, iteration_count = excluded.iteration_count,
           next_run = excluded.next_run, template = excluded.template`,
      ),
      // Compare-and-set on next_run: only the claim of the pending slot advances the schedule.
      advance: pgSql(
        `UPDATE job_schedulers SET next_run = @next::bigint, iteration_count = iteration_count + @made::bigint
         WHERE queue = @queue AND id = @id AND next_run = @slot::bigint`,
      ),
      remove: pgSql('DELETE FROM job_schedulers WHERE queue = @queue AND id = @id'),
      removeRow: pgSql('DELETE FROM jobs WHERE id = @rowId'),
      // A claimer skips a locked row (SKIP LOCKED), so a locked pending job stays pending until we commit.
      lockPending: pgSql<JobRow>(`SELECT * FROM jobs WHERE queue = @queue AND job_id = @jobId AND ${PENDING} FOR UPDATE`),
      // Ended schedulers (next_run NULL) sort after the running ones; ids in byte order, as SQLite sorts them.
      listAsc: pgSql<SchedulerRow>(
        `SELECT * FROM job_schedulers WHERE queue = @queue
         ORDER BY next_run IS NULL, next_run, id COLLATE "C" LIMIT @limit::bigint OFFSET @offset::bigint`,
      ),
      listDesc: pgSql<SchedulerRow>(
        `SELECT * FROM job_schedulers WHERE queue = @queue
         ORDER BY next_run IS NULL, next_run DESC, id COLLATE "C" DESC LIMIT @limit::bigint OFFSET @offset::bigint`,
      ),
      count: pgSql<{ c: number }>('SELECT count(*) AS c FROM job_schedulers WHERE queue = @queue'),
      // Schedulers whose pending job is gone (drained, removed by hand): one probe of jobs_queue_job_id each.
      orphans: pgSql<SchedulerRow>(
        `SELECT s.* FROM job_schedulers s WHERE s.next_run IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM jobs j WHERE j.queue = s.queue AND j.job_id = 'repeat:' || s.id || ':' || s.next_run
             AND j.state IN ('delayed', 'waiting', 'prioritized', 'active'))`,
      ),
      // The same test for one scheduler, run after its row is locked (a fresh snapshot sees every job made for it).
      stillOrphan: pgSql(
        `SELECT 1 AS one FROM job_schedulers s WHERE s.queue = @queue AND s.id = @id AND s.next_run IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM jobs j WHERE j.queue = s.queue AND j.job_id = 'repeat:' || s.id || ':' || s.next_run
             AND j.state IN ('delayed', 'waiting', 'prioritized', 'active'))`,
      ),
    };
  }

  upsert(queue: string, id: string, repeat: RepeatSpec, template: JobTemplate, now: number): Promise<UpsertOutcome> {
    return this.store.tx.write(async () => {
      const ex = this.store.tx.ex;
      // Two upserts of one id with different definitions both created a pending job now and then
      // (tests/postgres/pg-job-scheduler-repository.test.ts, about half the runs on the server): the row
      // locks alone leave a window around the first creation. Holding this lock to COMMIT makes the second
      // start after the first committed, and all its reads see it.
      await this.s.serialise.run(ex, { queue, id });
      let locked = await this.lock(queue, id);
      // Not there: create it (locked by the insert); a concurrent creator wins, we then lock its row.
      while (locked.row === undefined && (await this.s.claimId.all(ex, { queue, id, now })).length === 0) locked = await this.lock(queue, id);
      const { row: existing, pending } = locked;
      const base: SchedulerRecord = {
        queue,
        id,
        repeat,
        template,
        iterationCount: existing?.iteration_count ?? 0,
        nextRun: null,
        createdAt: existing?.created_at ?? now,
      };
      if (existing !== undefined && pending !== undefined && sameDefinition(existing, toRow(base))) {
        return { scheduler: toRecord(existing), job: toJobRecord(pending, this.codec), created: false, replaced: null };
      }
      let replaced: string | null = null;
      if (pending !== undefined) {
        await this.s.removeRow.run(ex, { rowId: pending.id });
        replaced = pending.job_id;
      }
      const made = await this.createIteration(base, this.planner.first(base, now), now);
      const scheduler = { ...base, nextRun: made?.slot ?? null, iterationCount: base.iterationCount + (made ? 1 : 0) };
      await this.s.upsert.run(ex, { ...encodeTemplate(toRow(scheduler), this.codec) });
      return { scheduler, job: made?.job ?? null, created: made !== null, replaced };
    });
  }

  /**
   * Locks a scheduler's pending job, then the scheduler. The pending job's id comes from an unlocked
   * read; if the scheduler moved on meanwhile (a claim advanced it) the new pending job is locked too.
   */
  private async lock(queue: string, id: string): Promise<Locked> {
    const ex = this.store.tx.ex;
    let guess = (await this.s.get.get(ex, { queue, id }))?.next_run ?? null;
    for (let round = 1; ; round++) {
      const pending = guess === null ? undefined : await this.s.lockPending.get(ex, { queue, jobId: repeatJobId(id, guess) });
      const row = await this.s.getLocked.get(ex, { queue, id });
      const nextRun = row?.next_run ?? null;
      if (nextRun === guess) return { row: decodeTemplate(row, this.codec), pending };
      guess = nextRun;
      // Past the bound (a scheduler claimed over and over meanwhile), lock the job under the scheduler's lock:
      // correct, at worst a deadlock with a claim, which PostgreSQL breaks and the transactor retries.
      if (round >= LOCK_ROUNDS) {
        const late = guess === null ? undefined : await this.s.lockPending.get(ex, { queue, jobId: repeatJobId(id, guess) });
        return { row: decodeTemplate(row, this.codec), pending: late };
      }
    }
  }

  /** Called inside the claim transaction with the jobs just claimed; creates the next iterations. */
  async afterClaim(claimed: readonly JobRecord[], now: number): Promise<void> {
    const ex = this.store.tx.ex;
    for (const record of claimed) {
      const schedulerId = record.opts.repeatJobKey;
      if (schedulerId === undefined) continue;
      const slot = slotOfRepeatJob(record.id);
      if (slot === null) continue;
      // Locked: an upsert or another claim of this scheduler (another process) waits for this one.
      const row = decodeTemplate(await this.s.getLocked.get(ex, { queue: record.queue, id: schedulerId }), this.codec);
      if (row === undefined || row.next_run !== slot) continue;
      await this.advance(row, await this.createIteration(toRecord(row), this.planner.next(toRecord(row), slot, now), now));
    }
  }

  /**
   * Gives every scheduler whose pending job disappeared (a drain, a manual remove) a new one, for its
   * next slot after now, so a schedule never stops silently. Returns the jobs created.
   */
  async repairOrphans(now: number): Promise<JobRecord[]> {
    // Read first: the usual answer is "none", which then costs no transaction.
    const candidates = await this.store.tx.read(() => this.s.orphans.all(this.store.tx.ex));
    if (candidates.length === 0) return [];
    return this.store.tx.write(async () => {
      const ex = this.store.tx.ex;
      const created: JobRecord[] = [];
      for (const { queue, id } of candidates) {
        // Re-checked under the row lock: another process may have repaired or advanced it meanwhile.
        const row = decodeTemplate(await this.s.getLocked.get(ex, { queue, id }), this.codec);
        if (row === undefined || (await this.s.stillOrphan.get(ex, { queue, id })) === undefined) continue;
        const scheduler = toRecord(row);
        const made = await this.createIteration(scheduler, this.planner.next(scheduler, row.next_run!, now), now);
        await this.advance(row, made);
        if (made !== null) created.push(made.job);
      }
      return created;
    });
  }

  private advance(row: SchedulerRow, made: { slot: number } | null): Promise<void> {
    return this.s.advance.run(this.store.tx.ex, { queue: row.queue, id: row.id, slot: row.next_run, next: made?.slot ?? null, made: made ? 1 : 0 });
  }

  /**
   * Inserts the planned job. Its id may exist already, finished and kept by retention, when the clock went
   * back past a slot that ran: that slot is not run twice, the one after it is planned instead.
   */
  private async createIteration(
    scheduler: SchedulerRecord,
    planned: PlannedIteration | null,
    now: number,
  ): Promise<{ slot: number; job: JobRecord } | null> {
    for (let tries = 0; planned !== null && tries < MAX_SLOT_SKIPS; tries++) {
      const [{ record, duplicated }] = await this.writer.insert([planned.job], now);
      if (!duplicated || PENDING_STATES.includes(record.state)) return { slot: planned.slot, job: record };
      planned = this.planner.next(scheduler, planned.slot, now);
    }
    return null;
  }

  get(queue: string, id: string): Promise<SchedulerRecord | null> {
    return this.store.tx.read(async () => {
      const row = decodeTemplate(await this.s.get.get(this.store.tx.ex, { queue, id }), this.codec);
      return row === undefined ? null : toRecord(row);
    });
  }

  list(queue: string, start: number, end: number, asc: boolean): Promise<SchedulerRecord[]> {
    return this.store.tx.read(async () => {
      // LIMIT NULL: all (end -1).
      const limit = end < 0 ? null : Math.max(0, end - start + 1);
      const rows = await (asc ? this.s.listAsc : this.s.listDesc).all(this.store.tx.ex, { queue, limit, offset: Math.max(0, start) });
      return rows.map((r) => toRecord(decodeTemplate(r, this.codec)!));
    });
  }

  count(queue: string): Promise<number> {
    return this.store.tx.read(async () => (await this.s.count.get(this.store.tx.ex, { queue }))!.c);
  }

  remove(queue: string, id: string): Promise<boolean> {
    return this.store.tx.write(async () => {
      const ex = this.store.tx.ex;
      await this.s.serialise.run(ex, { queue, id });
      const { row, pending } = await this.lock(queue, id);
      if (row === undefined) return false;
      if (pending !== undefined) await this.s.removeRow.run(ex, { rowId: pending.id });
      await this.s.remove.run(ex, { queue, id });
      return true;
    });
  }
}
