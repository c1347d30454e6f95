import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The durable event stream read by QueueEvents in any process. AUTOINCREMENT here (unlike `jobs`) so an
 * id is never reused after trimming: readers resume from `lastEventId` and must not see an id twice.
 */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    queue: text('queue').notNull(),
    event: text('event').notNull(),
    jobId: text('job_id'),
    payload: text('payload').notNull(),
    timestamp: integer('timestamp').notNull(),
  },
  (t) => [index('events_queue').on(t.queue, t.id)],
);
