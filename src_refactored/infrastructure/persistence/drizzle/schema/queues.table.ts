import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Per-queue flags and counters. A row is created by the first write that needs it (an add, a pause, a
 * limit), so no setup step exists.
 */
export const queues = sqliteTable('queues', {
  name: text('name').primaryKey(),
  paused: integer('paused').notNull().default(0),
  /** Source of the numeric job ids '1', '2', … (custom ids do not consume it, as in BullMQ). */
  idCounter: integer('id_counter').notNull().default(0),
  /** Source of `jobs.seq`; also bumped when a job re-enters waiting so it goes to the back. */
  seqCounter: integer('seq_counter').notNull().default(0),
  globalConcurrency: integer('global_concurrency'),
  rateLimitMax: integer('rate_limit_max'),
  rateLimitDuration: integer('rate_limit_duration'),
  /** Claims are refused until this time (manual `rateLimit(ms)` or an exhausted limiter window). */
  rateLimitedUntil: integer('rate_limited_until'),
  groupConcurrency: integer('group_concurrency'),
  /** Limiter window shared by every worker and process: start of the current window and claims in it. */
  rateWindowStart: integer('rate_window_start'),
  rateWindowCount: integer('rate_window_count').notNull().default(0),
});
