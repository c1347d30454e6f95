import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Repeatable-job definitions (BullMQ "job schedulers"); one pending job per row at most. */
export const jobSchedulers = sqliteTable(
  'job_schedulers',
  {
    queue: text('queue').notNull(),
    id: text('id').notNull(),
    pattern: text('pattern'),
    every: integer('every'),
    tz: text('tz'),
    limit: integer('limit'),
    startDate: integer('start_date'),
    endDate: integer('end_date'),
    immediately: integer('immediately').notNull().default(0),
    iterationCount: integer('iteration_count').notNull().default(0),
    /** Slot time (ms) of the pending job `repeat:<id>:<nextRun>`, NULL when the schedule has ended. */
    nextRun: integer('next_run'),
    template: text('template').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.queue, t.id] })],
);
