import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { jobs } from './jobs.table.js';

/**
 * Job data too large to live in its `jobs` row (sqlite-job-payloads.ts): the row stores '' and the data is
 * here, keyed by the job's row id, so the state changes that rewrite the row do not rewrite the data.
 * Removed with its job by the cascade.
 */
export const jobPayloads = sqliteTable('job_payloads', {
  id: integer('id')
    .primaryKey()
    .references(() => jobs.id, { onDelete: 'cascade' }),
  data: text('data').notNull(),
});
