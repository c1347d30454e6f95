import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * One row per job, whatever its state. Times are epoch-ms integers. `id` is the rowid (no AUTOINCREMENT:
 * it costs up to 2x on inserts, DESIGN.md §2); the public id is `job_id`, unique per queue.
 *
 * Every index is partial on the states that read it, so a job only pays for the indexes of its current
 * state: an insert into `waiting` touches the rowid tree, the (queue, job_id) key and the ready index.
 */
export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey(),
    queue: text('queue').notNull(),
    jobId: text('job_id').notNull(),
    name: text('name').notNull(),
    data: text('data').notNull(),
    opts: text('opts').notNull(),
    state: text('state').notNull(),
    priority: integer('priority').notNull().default(0),
    /** FIFO order inside a priority; LIFO jobs store the negated sequence so they sort first. */
    seq: integer('seq').notNull(),
    timestamp: integer('timestamp').notNull(),
    delay: integer('delay').notNull().default(0),
    /** When a delayed job becomes due. NULL outside `delayed`. */
    runAt: integer('run_at'),
    attemptsMade: integer('attempts_made').notNull().default(0),
    attemptsStarted: integer('attempts_started').notNull().default(0),
    stalledCounter: integer('stalled_counter').notNull().default(0),
    /** `opts.attempts`, copied out so stalled recovery can decide in SQL. */
    maxAttempts: integer('max_attempts').notNull().default(1),
    progress: text('progress'),
    returnvalue: text('returnvalue'),
    failedReason: text('failed_reason'),
    stacktrace: text('stacktrace'),
    processedOn: integer('processed_on'),
    finishedOn: integer('finished_on'),
    processedBy: text('processed_by'),
    /** Fencing token of the claim that owns the job; every worker write is conditional on it. */
    lockToken: text('lock_token'),
    lockedUntil: integer('locked_until'),
    groupId: text('group_id'),
    parentQueue: text('parent_queue'),
    parentId: text('parent_id'),
    /** Children (or `dependsOn` jobs) still unresolved; a parent leaves `waiting-children` at 0. */
    pendingDeps: integer('pending_deps').notNull().default(0),
    /** Set by `cancelJob` from any process; the owning worker sees it on its next lock renewal. */
    cancelReason: text('cancel_reason'),
    dedupId: text('dedup_id'),
  },
  (t) => [
    uniqueIndex('jobs_queue_job_id').on(t.queue, t.jobId),
    // The claim reads this index in order and stops after LIMIT rows: no sort, cost independent of size.
    index('jobs_ready').on(t.queue, t.priority, t.seq).where(sql`state IN ('waiting', 'prioritized')`),
    index('jobs_delayed').on(t.queue, t.runAt, t.seq).where(sql`state = 'delayed'`),
    // Group-aware claims read a group's next job here; ungrouped jobs never enter it (no cost without groups).
    index('jobs_ready_group')
      .on(t.queue, t.groupId, t.priority, t.seq)
      .where(sql`state IN ('waiting', 'prioritized') AND group_id IS NOT NULL`),
    // Every active job of a queue: global and group concurrency counts, and the stalled sweep, which reads
    // locked_until from the rows (at most the workers' total concurrency). No index on locked_until: it
    // changed on every claim, completion and lock renewal and no query read it (issue 6: SQLite migration 0007, PostgreSQL 0005).
    index('jobs_active_queue').on(t.queue, t.groupId).where(sql`state = 'active'`),
    index('jobs_finished').on(t.queue, t.state, t.finishedOn).where(sql`state IN ('completed', 'failed')`),
    index('jobs_waiting_children').on(t.queue, t.seq).where(sql`state = 'waiting-children'`),
    index('jobs_parent').on(t.parentQueue, t.parentId).where(sql`parent_id IS NOT NULL`),
    // searchJobs (UI lists): one state of a queue, newest first, paged by (timestamp, rowid) — the rowid
    // ends every index entry, so ORDER BY timestamp, id needs no sort. The name variant serves name filters.
    // Without active jobs (at most the workers' concurrency, listed through jobs_active_queue): every job
    // passes through active, and keeping it here cost each job 4 more index writes (issue 6).
    index('jobs_search').on(t.queue, t.state, t.timestamp).where(sql`state <> 'active'`),
    index('jobs_search_name').on(t.queue, t.state, t.name, t.timestamp).where(sql`state <> 'active'`),
  ],
);
