import { bigint, bigserial, index, integer, pgTable, primaryKey, smallint, text } from 'drizzle-orm/pg-core';
import { jobs } from './jobs.table.js';

/** Every table but `jobs`, each the twin of the SQLite table of the same name (see ../../drizzle/schema). */
const ms = (name: string) => bigint(name, { mode: 'number' });

/** Live deduplication keys; `expires_at` NULL means until the job finishes. */
export const deduplicationKeys = pgTable(
  'deduplication_keys',
  {
    queue: text('queue').notNull(),
    dedupId: text('dedup_id').notNull(),
    jobId: text('job_id').notNull(),
    expiresAt: ms('expires_at'),
  },
  (t) => [primaryKey({ columns: [t.queue, t.dedupId] })],
);

/**
 * The durable event stream. Ids come from a sequence; writers take an advisory lock before inserting
 * (see the event bus) so ids become visible in commit order and a reader resuming from `lastEventId`
 * never skips an event that committed late with a lower id.
 */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    queue: text('queue').notNull(),
    event: text('event').notNull(),
    jobId: text('job_id'),
    payload: text('payload').notNull(),
    timestamp: ms('timestamp').notNull(),
  },
  (t) => [index('events_queue').on(t.queue, t.id)],
);

/**
 * Exact count of completed / failed jobs per queue = the sum of its shards, kept by statement-level
 * triggers (migration 0003). Each database session adds to its own shard (pg_backend_pid() % 32), so
 * completing transactions of several processes do not queue on one counter row until they commit.
 */
export const finishedCounts = pgTable(
  'finished_counts',
  {
    queue: text('queue').notNull(),
    state: text('state').notNull(),
    shard: smallint('shard').notNull().default(0),
    count: ms('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.queue, t.state, t.shard] })],
);

/** Round-robin state of a queue's job groups; the row '' stands for ungrouped jobs. */
export const groupRotation = pgTable(
  'group_rotation',
  {
    queue: text('queue').notNull(),
    groupId: text('group_id').notNull(),
    lastClaim: ms('last_claim').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.queue, t.groupId] }), index('group_rotation_order').on(t.queue, t.lastClaim)],
);

/** Edges of flows and `dependsOn` DAGs, keyed by public ids; `value` keeps the child's return value. */
export const jobDependencies = pgTable(
  'job_dependencies',
  {
    parentQueue: text('parent_queue').notNull(),
    parentId: text('parent_id').notNull(),
    childQueue: text('child_queue').notNull(),
    childId: text('child_id').notNull(),
    /** 'pending' | 'processed' | 'failed' | 'ignored' */
    status: text('status').notNull(),
    kind: text('kind').notNull(),
    value: text('value'),
  },
  (t) => [
    primaryKey({ columns: [t.parentQueue, t.parentId, t.childQueue, t.childId] }),
    index('job_dependencies_child').on(t.childQueue, t.childId),
  ],
);

/** `job.log()` lines; removed with their job by the cascade. */
export const jobLogs = pgTable(
  'job_logs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    jobRowId: ms('job_row_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    message: text('message').notNull(),
  },
  (t) => [index('job_logs_job').on(t.jobRowId, t.id)],
);

/** Repeatable-job definitions (BullMQ "job schedulers"); one pending job per row at most. */
export const jobSchedulers = pgTable(
  'job_schedulers',
  {
    queue: text('queue').notNull(),
    id: text('id').notNull(),
    pattern: text('pattern'),
    every: ms('every'),
    tz: text('tz'),
    limit: ms('limit'),
    startDate: ms('start_date'),
    endDate: ms('end_date'),
    immediately: integer('immediately').notNull().default(0),
    iterationCount: ms('iteration_count').notNull().default(0),
    nextRun: ms('next_run'),
    template: text('template').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.queue, t.id] })],
);

/** Per-minute completed/failed counts (`getMetrics`). */
export const metrics = pgTable(
  'metrics',
  {
    queue: text('queue').notNull(),
    kind: text('kind').notNull(),
    minute: ms('minute').notNull(),
    count: ms('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.queue, t.kind, t.minute] })],
);

/** Per-group concurrency overrides (`queue.setGroupConcurrency(n, groupId)`). */
export const queueGroups = pgTable(
  'queue_groups',
  {
    queue: text('queue').notNull(),
    groupId: text('group_id').notNull(),
    concurrency: integer('concurrency').notNull(),
  },
  (t) => [primaryKey({ columns: [t.queue, t.groupId] })],
);

/** Per-queue flags, counters and limiter state; created by the first add (upsert). */
export const queues = pgTable('queues', {
  name: text('name').primaryKey(),
  paused: integer('paused').notNull().default(0),
  idCounter: ms('id_counter').notNull().default(0),
  seqCounter: ms('seq_counter').notNull().default(0),
  globalConcurrency: integer('global_concurrency'),
  rateLimitMax: integer('rate_limit_max'),
  rateLimitDuration: ms('rate_limit_duration'),
  rateLimitedUntil: ms('rate_limited_until'),
  groupConcurrency: integer('group_concurrency'),
  rateWindowStart: ms('rate_window_start'),
  rateWindowCount: integer('rate_window_count').notNull().default(0),
});
