import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Per-minute completed/failed counts (`getMetrics`), trimmed to a bounded number of minutes. */
export const metrics = sqliteTable(
  'metrics',
  {
    queue: text('queue').notNull(),
    kind: text('kind').notNull(),
    minute: integer('minute').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.queue, t.kind, t.minute] })],
);
