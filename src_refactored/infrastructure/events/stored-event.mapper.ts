import type { StoredQueueEvent } from '../../core/application/ports/event-stream.port.js';
import type { PayloadCodec } from '../persistence/codec/payload-codec.js';

/** Events kept per queue unless the engine says otherwise. */
export const DEFAULT_EVENTS_MAX_LEN = 10_000;

/** The `events` columns every read returns (the same table on SQLite and PostgreSQL). */
export const EVENT_COLUMNS = 'id, queue, event, job_id, payload, timestamp';

/** Buffered events beyond this many are written at once rather than at the end of the turn. */
export const MAX_BUFFERED = 2_000;

export interface EventRow {
  id: number;
  queue: string;
  event: string;
  job_id: string | null;
  payload: string;
  timestamp: number;
}

/**
 * Event payloads carry user payload (return values, progress data), so an encrypted store encrypts them
 * like the job's return value column; plain stores keep readable JSON.
 */
export function toStored(row: EventRow, codec: PayloadCodec): StoredQueueEvent {
  const payload = JSON.parse(codec.decode('returnvalue', row.payload)) as Record<string, unknown>;
  const args = row.job_id === null ? payload : { jobId: row.job_id, ...payload };
  return { id: String(row.id), queue: row.queue, event: row.event, args, timestamp: row.timestamp };
}
