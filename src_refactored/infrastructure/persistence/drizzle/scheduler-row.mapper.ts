import type { PayloadCodec } from '../codec/payload-codec.js';
import type { JobTemplate, SchedulerRecord } from '../../../core/application/ports/job-scheduler-repository.port.js';
import type { RepeatSpec } from '../../../core/domain/schedule/repeat-schedule.js';

/** A `job_schedulers` row (the same on SQLite and PostgreSQL). */
export interface SchedulerRow {
  queue: string;
  id: string;
  pattern: string | null;
  every: number | null;
  tz: string | null;
  limit: number | null;
  start_date: number | null;
  end_date: number | null;
  immediately: number;
  iteration_count: number;
  next_run: number | null;
  /** JSON `{ name, data, opts, offset? }`: the job template plus the repeat fields without a column. */
  template: string;
  created_at: number;
}

/** A pending scheduler job is one not yet started; an active or finished one is left alone. */
export const PENDING = `state IN ('delayed', 'waiting', 'prioritized')`;
export const PENDING_STATES: readonly string[] = ['delayed', 'waiting', 'prioritized'];
/** Bound on slots skipped because they already ran (see createIteration). */
export const MAX_SLOT_SKIPS = 100;

export function toRecord(row: SchedulerRow): SchedulerRecord {
  const { offset, ...template } = JSON.parse(row.template) as JobTemplate & { offset?: number };
  const repeat: RepeatSpec = {};
  if (row.pattern !== null) repeat.pattern = row.pattern;
  if (row.every !== null) repeat.every = row.every;
  if (offset !== undefined) repeat.offset = offset;
  if (row.tz !== null) repeat.tz = row.tz;
  if (row.limit !== null) repeat.limit = row.limit;
  if (row.start_date !== null) repeat.startDate = row.start_date;
  if (row.end_date !== null) repeat.endDate = row.end_date;
  if (row.immediately === 1) repeat.immediately = true;
  return { queue: row.queue, id: row.id, repeat, template, iterationCount: row.iteration_count, nextRun: row.next_run, createdAt: row.created_at };
}

export function toRow(record: SchedulerRecord): SchedulerRow {
  const { repeat: r } = record;
  const template = JSON.stringify({ ...record.template, ...(r.offset === undefined ? {} : { offset: r.offset }) });
  return {
    queue: record.queue,
    id: record.id,
    pattern: r.pattern ?? null,
    every: r.every ?? null,
    tz: r.tz ?? null,
    limit: r.limit ?? null,
    start_date: r.startDate ?? null,
    end_date: r.endDate ?? null,
    immediately: r.immediately ? 1 : 0,
    iteration_count: record.iterationCount,
    next_run: record.nextRun,
    template,
    created_at: record.createdAt,
  };
}

/** Same definition and template: a re-upsert (an app's startup code) then keeps the pending job. */
export function sameDefinition(a: SchedulerRow, b: SchedulerRow): boolean {
  const keys = ['pattern', 'every', 'tz', 'limit', 'start_date', 'end_date', 'immediately', 'template'] as const;
  return keys.every((k) => a[k] === b[k]);
}

/** The template holds job data: it is stored through the payload codec (encrypted when the store is). */
export function decodeTemplate(row: SchedulerRow | undefined, codec: PayloadCodec): SchedulerRow | undefined {
  return row === undefined ? undefined : { ...row, template: codec.decode('data', row.template) };
}

export function encodeTemplate(row: SchedulerRow, codec: PayloadCodec): SchedulerRow {
  return { ...row, template: codec.encode('data', row.template) };
}
