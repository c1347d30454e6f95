import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Live deduplication keys; `expires_at` NULL means until the job finishes. */
export const deduplicationKeys = sqliteTable(
  'deduplication_keys',
  {
    queue: text('queue').notNull(),
    dedupId: text('dedup_id').notNull(),
    jobId: text('job_id').notNull(),
    expiresAt: integer('expires_at'),
  },
  (t) => [primaryKey({ columns: [t.queue, t.dedupId] })],
);
