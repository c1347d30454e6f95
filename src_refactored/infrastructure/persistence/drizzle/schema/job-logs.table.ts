import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { jobs } from './jobs.table.js';

/** `job.log()` lines; removed with their job by the cascade. */
export const jobLogs = sqliteTable(
  'job_logs',
  {
    id: integer('id').primaryKey(),
    jobRowId: integer('job_row_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    message: text('message').notNull(),
  },
  (t) => [index('job_logs_job').on(t.jobRowId, t.id)],
);
