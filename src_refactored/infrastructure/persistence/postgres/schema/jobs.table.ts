import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';

/** Epoch-ms times and counters that can pass 2^31: int8, read back as JS numbers (the adapter's type parser). */
const ms = (name: string) => bigint(name, { mode: 'number' });

/**
 * The PostgreSQL twin of the SQLite `jobs` table (same columns, same partial indexes, so the adapters
 * share their SQL fragments). `id` is an identity column; the public id is `job_id`, unique per queue.
 * Every index is partial on the states that read it, so a job only pays for the indexes of its state.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    queue: text('queue').notNull(),
    jobId: text('job_id').notNull(),
    name: text('name').notNull(),
    data: text('data').notNull(),
    opts: text('opts').notNull(),
    state: text('state').notNull(),
    priority: integer('priority').notNull().default(0),
    /** FIFO order inside a priority; LIFO jobs store the negated sequence so they sort first. */
    seq: ms('seq').notNull(),
    timestamp: ms('timestamp').notNull(),
    delay: ms('delay').notNull().default(0),
    runAt: ms('run_at'),
    attemptsMade: integer('attempts_made').notNull().default(0),
    attemptsStarted: integer('attempts_started').notNull().default(0),
    stalledCounter: integer('stalled_counter').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(1),
    progress: text('progress'),
    returnvalue: text('returnvalue'),
    failedReason: text('failed_reason'),
    stacktrace: text('stacktrace'),
    processedOn: ms('processed_on'),
    finishedOn: ms('finished_on'),
    processedBy: text('processed_by'),
    lockToken: text('lock_token'),
    lockedUntil: ms('locked_until'),
    groupId: text('group_id'),
    parentQueue: text('parent_queue'),
    parentId: text('parent_id'),
    pendingDeps: integer('pending_deps').notNull().default(0),
    /**
     * Raised by every `dependsOn` attach that checked this job (an UPDATE, so it row-locks like the
     * finishing UPDATE does). A completion that waited for such an attach re-reads the row, sees
     * dependents > 0 and resolves the new edge; the EXISTS probe alone reads job_dependencies with the
     * snapshot taken before the wait and missed an edge committed meanwhile (PostgreSQL only).
     */
    dependents: integer('dependents').notNull().default(0),
    cancelReason: text('cancel_reason'),
    dedupId: text('dedup_id'),
  },
  (t) => [
    uniqueIndex('jobs_queue_job_id').on(t.queue, t.jobId),
    // The claim reads this index in order and stops at the first unlocked row (FOR UPDATE SKIP LOCKED).
    index('jobs_ready').on(t.queue, t.priority, t.seq).where(sql`state IN ('waiting', 'prioritized')`),
    index('jobs_delayed').on(t.queue, t.runAt, t.seq).where(sql`state = 'delayed'`),
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
    // searchJobs: one state of a queue, newest first, paged by (timestamp, id).
    index('jobs_search').on(t.queue, t.state, t.timestamp, t.id),
    index('jobs_search_name').on(t.queue, t.state, t.name, t.timestamp, t.id),
  ],
);
