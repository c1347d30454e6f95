import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The durable event stream read by QueueEvents in any process. Readers resume from `lastEventId`, so an
 * id must never be handed out twice. A plain rowid key gives max(id) + 1, and the newest event is never
 * deleted (trimming keeps the newest `maxLen` ≥ 1 events of each queue: sqlite-event-bus.ts), so ids only
 * grow without AUTOINCREMENT, which updated `sqlite_sequence` with every event-writing commit: one more
 * page per job step (issue 6, migration 0008).
 */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey(),
    queue: text('queue').notNull(),
    event: text('event').notNull(),
    jobId: text('job_id'),
    payload: text('payload').notNull(),
    timestamp: integer('timestamp').notNull(),
  },
  (t) => [index('events_queue').on(t.queue, t.id)],
);
