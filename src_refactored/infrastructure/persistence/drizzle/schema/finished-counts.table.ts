import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * How many jobs of a queue are in `completed` and in `failed`, kept exact by triggers on `jobs`
 * (migration *_finished_counts_triggers) whatever moves a job: settle, remove, clean, retry, obliterate,
 * stalled recovery, another process. Count retention reads it to delete only the excess, oldest first,
 * instead of walking past the `keep` newest rows on every settle (DELETE … OFFSET 1000: a 1 000-entry
 * index walk per settle batch, ~100 µs CPU, see docs/benchmark.md).
 */
export const finishedCounts = sqliteTable(
  'finished_counts',
  {
    queue: text('queue').notNull(),
    state: text('state').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.queue, t.state] })],
);
