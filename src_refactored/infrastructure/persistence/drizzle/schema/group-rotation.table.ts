import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Round-robin state of a queue's job groups (`opts.group`): one row per group that ever had a job, plus
 * the row '' that stands for the queue's ungrouped jobs. The claim serves the group whose `last_claim`
 * is the oldest among groups with a ready job and free capacity, so one busy tenant cannot starve others.
 * A row here is also what switches the queue's claim to the group-aware path.
 */
export const groupRotation = sqliteTable(
  'group_rotation',
  {
    queue: text('queue').notNull(),
    groupId: text('group_id').notNull(),
    /** Per-queue claim counter value of this group's latest claim (0: never claimed, served first). */
    lastClaim: integer('last_claim').notNull().default(0),
  },
  // group_rotation_order: the next claim counter (max(last_claim)) and "has groups" are one index seek each.
  (t) => [primaryKey({ columns: [t.queue, t.groupId] }), index('group_rotation_order').on(t.queue, t.lastClaim)],
);
