import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { quoteIdent } from '../postgres/node-postgres-connection.js';
import { jobs } from '../postgres/schema/jobs.table.js';
import {
  deduplicationKeys,
  events,
  groupRotation,
  jobDependencies,
  jobLogs,
  jobSchedulers,
  metrics,
  queueGroups,
  queues,
} from '../postgres/schema/side-tables.table.js';

/** The three tables whose `id` comes from a sequence; the others are keyed by queue names and public ids. */
export type SerialTable = 'jobs' | 'job_logs' | 'events';

export interface CopyColumn {
  name: string;
  /** The element type of the unnest() array this column travels in ('bigint', 'integer', 'text'). */
  pgType: string;
  /** Row ids move by the target's id offset of this table (only non-zero in --append mode). */
  shiftedBy?: SerialTable;
}

export interface CopyTable {
  name: string;
  columns: CopyColumn[];
}

/** Which id columns move with which table's offset: a log line keeps pointing at its job. */
const SHIFTS: Record<string, Record<string, SerialTable>> = {
  jobs: { id: 'jobs' },
  job_logs: { id: 'job_logs', job_row_id: 'jobs' },
  events: { id: 'events' },
};

/**
 * Every table a store holds, in copy order (jobs before the log lines that reference them). The columns
 * are read from the PostgreSQL schema twins (same names as the SQLite tables), so a column added to both
 * schemas is copied without touching this file. `finished_counts` (PostgreSQL only: SQLite retention needs
 * no counts) is not copied: its triggers recompute it from the copied jobs (see the copier).
 */
/** Columns only the PostgreSQL schema has; they start at their defaults (jobs.dependents: see jobs.table.ts). */
const POSTGRES_ONLY: Record<string, readonly string[]> = { jobs: ['dependents'] };

const TABLES: PgTable[] = [queues, queueGroups, groupRotation, jobSchedulers, deduplicationKeys, jobs, jobDependencies, jobLogs, metrics, events];

export const COPY_PLAN: readonly CopyTable[] = TABLES.map((table) => {
  const config = getTableConfig(table);
  return {
    name: config.name,
    columns: config.columns.filter((column) => !POSTGRES_ONLY[config.name]?.includes(column.name)).map((column) => ({
      name: column.name,
      pgType: column.getSQLType() === 'bigserial' ? 'bigint' : column.getSQLType(),
      shiftedBy: SHIFTS[config.name]?.[column.name],
    })),
  };
});

/** Every table of a store, `finished_counts` included: what --force empties and what "empty" means. */
export const STORE_TABLES: readonly string[] = [...COPY_PLAN.map((t) => t.name), 'finished_counts'];

export const SERIAL_TABLES: readonly SerialTable[] = ['jobs', 'job_logs', 'events'];

/**
 * One INSERT per batch whatever its size: each column travels as one array parameter and unnest() turns
 * the arrays back into rows (a fixed statement text, so the server plans it once; a multi-row VALUES
 * list would need 31 parameters per job and a new statement per batch size).
 */
export function insertStatement(table: CopyTable): string {
  const names = table.columns.map((c) => quoteIdent(c.name)).join(', ');
  const arrays = table.columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ');
  return `INSERT INTO ${quoteIdent(table.name)} (${names}) SELECT * FROM unnest(${arrays})`;
}
