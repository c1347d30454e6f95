import type { InsertResult, NewJob } from '../../../core/application/ports/job-record.js';
import { readyStateFor, type JobState } from '../../../core/domain/job/job-state.js';
import { newJobRecord, toJobRecord, type JobRow } from '../drizzle/job-row.mapper.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import type { PgStore } from './pg-store.js';
import type { PgQueueCounters } from './pg-queue-counters.js';
import { PgDeduplication } from './pg-deduplication.js';
import { PgGroupRotation } from './pg-group-rotation.js';
import { PgDependencyLinks } from './pg-dependency-links.js';
import { pgSql } from './pg-statement.js';
import { counterNeeds, newJobRow } from '../drizzle/sqlite-job-writer.js';

/** Flow parents and jobs with unfinished dependsOn start in waiting-children; their delay runs after. */
function placement(job: NewJob, waits: boolean, now: number): { state: JobState; runAt: number | null } {
  const delayed = !waits && job.delay > 0;
  return { state: waits ? 'waiting-children' : delayed ? 'delayed' : readyStateFor(job.priority), runAt: delayed ? now + job.delay : null };
}

/** A job that needs no per-job decision before its insert: no deduplication key, parent or dependency. */
const isPlain = (job: NewJob) => job.opts.deduplication === undefined && job.opts.parent === undefined && (job.opts.dependsOn ?? []).length === 0;

/**
 * Inserts new jobs, the twin of SqliteJobWriter. Runs inside the caller's transaction so a batch is
 * all-or-nothing. The counters are reserved first: their upsert locks each queue's row until commit, so
 * concurrent adds to one queue (custom ids, deduplication keys) are decided one after another.
 */
export class PgJobWriter {
  private readonly dedup: PgDeduplication;
  private readonly groups: PgGroupRotation;
  private readonly links: PgDependencyLinks;
  // ON CONFLICT DO NOTHING: a duplicate custom id changes no row; RETURNING tells which case it was.
  private readonly insertStmt = pgSql(
    `INSERT INTO jobs (queue, job_id, name, data, opts, state, priority, seq, timestamp, delay, run_at,
                       max_attempts, group_id, parent_queue, parent_id)
     VALUES (@queue, @jobId, @name, @data, @opts, @state, @priority, @seq, @now, @delay, @runAt,
             @maxAttempts, @groupId, @parentQueue, @parentId)
     ON CONFLICT (queue, job_id) DO NOTHING RETURNING 1`,
  );
  // A batch of plain jobs in one statement (addBulk): one round trip instead of one per job. WITH
  // ORDINALITY keeps the batch's order, so a custom id given twice keeps its first job.
  private readonly insertManyStmt = pgSql<{ queue: string; job_id: string }>(
    `INSERT INTO jobs (queue, job_id, name, data, opts, state, priority, seq, timestamp, delay, run_at, max_attempts, group_id)
     SELECT queue, job_id, name, data, opts, state, priority, seq, @now, delay, run_at, max_attempts, group_id
     FROM unnest(@queue::text[], @jobId::text[], @name::text[], @data::text[], @opts::text[], @state::text[], @priority::int[],
                 @seq::bigint[], @delay::bigint[], @runAt::bigint[], @maxAttempts::int[], @groupId::text[])
          WITH ORDINALITY AS t(queue, job_id, name, data, opts, state, priority, seq, delay, run_at, max_attempts, group_id, ord)
     ORDER BY ord
     ON CONFLICT (queue, job_id) DO NOTHING RETURNING queue, job_id`,
  );
  private readonly findStmt = pgSql<JobRow>('SELECT * FROM jobs WHERE queue = @queue AND job_id = @id');

  constructor(
    private readonly store: PgStore,
    private readonly counters: PgQueueCounters,
    private readonly codec: PayloadCodec,
  ) {
    this.links = new PgDependencyLinks(store);
    this.dedup = new PgDeduplication(store);
    this.groups = new PgGroupRotation(store);
  }

  async insert(jobs: readonly NewJob[], now: number): Promise<InsertResult[]> {
    const reserved = await this.reserveBlocks(jobs);
    if (jobs.length > 1 && jobs.every(isPlain)) return this.insertPlain(jobs, reserved, now);
    const results: InsertResult[] = [];
    // One job after the other: a job may name an earlier job of the same batch as its parent or dependency.
    for (const [index, job] of jobs.entries()) results.push(await this.insertOne(job, index, jobs.length, reserved, now));
    return results;
  }

  private async insertOne(
    job: NewJob,
    index: number,
    batchSize: number,
    reserved: Map<string, { nextId: number; nextSeq: number }>,
    now: number,
  ): Promise<InsertResult> {
    const ex = this.store.tx.ex;
    const links = await this.links.plan(job, batchSize > 1 ? `jobs[${index}].` : '');
    const block = reserved.get(job.queue)!;
    const jobId = job.customId ?? String(block.nextId++);
    const seq = block.nextSeq++;
    const dedup = job.opts.deduplication;
    const existing = dedup === undefined ? undefined : await this.dedup.check(job.queue, dedup, now);
    if (existing !== undefined) return { record: toJobRecord(existing, this.codec), duplicated: false, deduplicatedJobId: jobId };
    const { state, runAt } = placement(job, job.waitChildren === true || links?.waits === true, now);
    const optsJson = JSON.stringify(job.opts);
    const inserted = await this.insertStmt.all(ex, newJobRow(job, jobId, seq, state, runAt, optsJson, now, this.codec));
    if (inserted.length === 1) {
      if (dedup !== undefined) await this.dedup.record(job.queue, dedup, jobId, now);
      if (job.groupId !== undefined) await this.groups.noteGroup(job.queue, job.groupId);
      const record = newJobRecord(job, jobId, optsJson, state, now, runAt);
      if (links !== undefined) await this.links.attach(record, links);
      return { record, duplicated: false };
    }
    return { record: toJobRecord((await this.findStmt.get(ex, { queue: job.queue, id: jobId }))!, this.codec), duplicated: true };
  }

  private async insertPlain(jobs: readonly NewJob[], reserved: Map<string, { nextId: number; nextSeq: number }>, now: number): Promise<InsertResult[]> {
    const ex = this.store.tx.ex;
    const planned = jobs.map((job) => {
      const block = reserved.get(job.queue)!;
      const jobId = job.customId ?? String(block.nextId++);
      const { state, runAt } = placement(job, job.waitChildren === true, now);
      const optsJson = JSON.stringify(job.opts);
      return { job, jobId, state, runAt, optsJson, row: newJobRow(job, jobId, block.nextSeq++, state, runAt, optsJson, now, this.codec) };
    });
    const columns = ['queue', 'jobId', 'name', 'data', 'opts', 'state', 'priority', 'seq', 'delay', 'runAt', 'maxAttempts', 'groupId'] as const;
    const params: Record<string, unknown> = { now };
    for (const column of columns) params[column] = planned.map((p) => p.row[column]);
    const fresh = new Set((await this.insertManyStmt.all(ex, params)).map((r) => `${r.queue}\u0000${r.job_id}`));
    const results: InsertResult[] = [];
    const noted = new Set<string>();
    for (const { job, jobId, state, runAt, optsJson } of planned) {
      const key = `${job.queue}\u0000${jobId}`;
      if (!fresh.delete(key)) {
        results.push({ record: toJobRecord((await this.findStmt.get(ex, { queue: job.queue, id: jobId }))!, this.codec), duplicated: true });
        continue;
      }
      if (job.groupId !== undefined && !noted.has(`${job.queue}\u0000${job.groupId}`)) {
        noted.add(`${job.queue}\u0000${job.groupId}`);
        await this.groups.noteGroup(job.queue, job.groupId);
      }
      results.push({ record: newJobRecord(job, jobId, optsJson, state, now, runAt), duplicated: false });
    }
    return results;
  }

  /**
   * One counter upsert per queue in the batch reserves every id and sequence number it needs. Queues are
   * locked in name order so that two batches spanning the same queues cannot deadlock on their rows.
   */
  private async reserveBlocks(jobs: readonly NewJob[]): Promise<Map<string, { nextId: number; nextSeq: number }>> {
    const needs = counterNeeds(jobs);
    const blocks = new Map<string, { nextId: number; nextSeq: number }>();
    for (const queue of [...needs.keys()].sort()) {
      const need = needs.get(queue)!;
      const { firstId, firstSeq } = await this.counters.reserve(queue, need.ids, need.seqs);
      blocks.set(queue, { nextId: firstId, nextSeq: firstSeq });
    }
    return blocks;
  }
}
