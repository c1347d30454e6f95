import { index, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Edges of flows (parent/child) and `dependsOn` DAGs, keyed by public ids so an edge survives its child
 * being removed by retention. `value` keeps the child's return value for `getChildrenValues`.
 */
export const jobDependencies = sqliteTable(
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
