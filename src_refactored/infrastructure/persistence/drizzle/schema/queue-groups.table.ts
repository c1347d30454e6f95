import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Per-group concurrency overrides (`queue.setGroupConcurrency(n, groupId)`). */
export const queueGroups = sqliteTable(
  'queue_groups',
  {
    queue: text('queue').notNull(),
    groupId: text('group_id').notNull(),
    concurrency: integer('concurrency').notNull(),
  },
  (t) => [primaryKey({ columns: [t.queue, t.groupId] })],
);
