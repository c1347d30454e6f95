import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The durable event stream read by QueueEvents in any process, stored as batches: one row holds the
 * consecutive events of one queue that one commit wrote (`batch`: a JSON array of
 * [event, jobId, payload, timestamp], in publish order). A row's events have the ids id, id + 1, …,
 * id + count - 1, so event ids stay plain growing integers, the same as one row per event gave (and as
 * PostgreSQL's events table has): a worker step of W3 writes one row instead of two, an addBulk of
 * 1 000 jobs one row instead of 2 000 (issue 6, migration 0009).
 *
 * Readers resume from `lastEventId`, so an id must never be handed out twice: a new row's id is the
 * newest row's id + count, taken under the write lock, and the newest row is never deleted (trimming keeps
 * each queue's newest row: sqlite-event-bus.ts), so ids only grow. No AUTOINCREMENT: it updated
 * `sqlite_sequence` with every event-writing commit (migration 0008).
 */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey(),
    queue: text('queue').notNull(),
    count: integer('count').notNull(),
    batch: text('batch').notNull(),
  },
  (t) => [index('events_queue').on(t.queue, t.id)],
);
