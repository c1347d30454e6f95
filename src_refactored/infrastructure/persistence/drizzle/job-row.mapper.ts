import type { JobRecord, NewJob } from '../../../core/application/ports/job-record.js';
import type { JobState } from '../../../core/domain/job/job-state.js';
import { plainCodec, type PayloadCodec } from '../codec/payload-codec.js';

/** A `jobs` row as better-sqlite3 returns it (snake_case columns). */
export interface JobRow {
  id: number;
  queue: string;
  job_id: string;
  name: string;
  data: string;
  opts: string;
  state: string;
  priority: number;
  seq: number;
  timestamp: number;
  delay: number;
  run_at: number | null;
  attempts_made: number;
  attempts_started: number;
  stalled_counter: number;
  max_attempts: number;
  progress: string | null;
  returnvalue: string | null;
  failed_reason: string | null;
  stacktrace: string | null;
  processed_on: number | null;
  finished_on: number | null;
  processed_by: string | null;
  lock_token: string | null;
  locked_until: number | null;
  group_id: string | null;
  parent_queue: string | null;
  parent_id: string | null;
  pending_deps: number;
  cancel_reason: string | null;
  dedup_id: string | null;
}

const parse = (json: string | null, fallback: unknown): unknown => (json === null ? fallback : JSON.parse(json));

/** `codec` decodes the payload columns (data, returnvalue); see payload-codec.ts. */
export function toJobRecord(row: JobRow, codec: PayloadCodec = plainCodec): JobRecord {
  return {
    queue: row.queue,
    id: row.job_id,
    name: row.name,
    data: parse(codec.decode('data', row.data), null),
    opts: parse(row.opts, {}) as JobRecord['opts'],
    state: row.state as JobState,
    priority: row.priority,
    timestamp: row.timestamp,
    delay: row.delay,
    runAt: row.run_at,
    attemptsMade: row.attempts_made,
    attemptsStarted: row.attempts_started,
    stalledCounter: row.stalled_counter,
    maxAttempts: row.max_attempts,
    progress: parse(row.progress, 0) as number | object,
    returnvalue: parse(row.returnvalue === null ? null : codec.decode('returnvalue', row.returnvalue), null),
    failedReason: row.failed_reason,
    stacktrace: parse(row.stacktrace, []) as string[],
    processedOn: row.processed_on,
    finishedOn: row.finished_on,
    processedBy: row.processed_by,
    lockToken: row.lock_token,
    lockedUntil: row.locked_until,
    groupId: row.group_id,
    parent: row.parent_id !== null && row.parent_queue !== null ? { queue: row.parent_queue, id: row.parent_id } : null,
    cancelReason: row.cancel_reason,
  };
}

/**
 * The record of a row just inserted by SqliteJobWriter, without reading it back: what toJobRecord would
 * return for it (JSON goes through the same parse, so data reads back exactly as stored, before the
 * payload codec's encoding; every column the insert does not set has its schema default).
 */
export function newJobRecord(job: NewJob, id: string, optsJson: string, state: JobState, now: number, runAt: number | null): JobRecord {
  return {
    queue: job.queue,
    id,
    name: job.name,
    data: JSON.parse(job.dataJson),
    opts: JSON.parse(optsJson),
    state,
    priority: job.priority,
    timestamp: now,
    delay: job.delay,
    runAt,
    attemptsMade: 0,
    attemptsStarted: 0,
    stalledCounter: 0,
    maxAttempts: job.maxAttempts,
    progress: 0,
    returnvalue: null,
    failedReason: null,
    stacktrace: [],
    processedOn: null,
    finishedOn: null,
    processedBy: null,
    lockToken: null,
    lockedUntil: null,
    groupId: job.groupId ?? null,
    parent: job.opts.parent === undefined ? null : { queue: job.opts.parent.queue, id: job.opts.parent.id },
    cancelReason: null,
  };
}
