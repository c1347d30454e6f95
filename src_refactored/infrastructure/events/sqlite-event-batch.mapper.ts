import type { QueueEventRecord } from '../../core/application/ports/event-bus.port.js';
import type { StoredQueueEvent } from '../../core/application/ports/event-stream.port.js';
import { plainCodec, type PayloadCodec } from '../persistence/codec/payload-codec.js';

/** A row of the SQLite `events` table (events.table.ts): `count` events of one queue, ids id … id + count - 1. */
export interface EventBatchRow {
  id: number;
  queue: string;
  count: number;
  batch: string;
}

export const EVENT_BATCH_COLUMNS = 'id, queue, count, batch';

/**
 * One stored event: [event, jobId, payload, timestamp]. The payload is the args without jobId: an object
 * on a plain store; on an encrypted store (and in rows migrated from one event per row) the stored text,
 * encoded like a job's return value, since payloads carry user data (return values, progress).
 */
type Tuple = [string, string | null, Record<string, unknown> | string, number];

export type TimedEvent = QueueEventRecord & { timestamp: number };

/** A run of events of one queue, as one row's `batch` text. */
export function encodeBatch(events: readonly TimedEvent[], codec: PayloadCodec): string {
  const tuples = events.map((event): Tuple => {
    const { jobId, ...payload } = event.args;
    const stored = codec === plainCodec ? payload : codec.encode('returnvalue', JSON.stringify(payload));
    return [event.event, jobId ?? null, stored, event.timestamp];
  });
  return JSON.stringify(tuples);
}

/**
 * The events of `rows` (oldest first) with an id above `afterId`, at most `limit` (`filter`: only those
 * it accepts, e.g. one job's). Stops taking rows from `rows` once it has `limit` events.
 */
export function expandBatches(
  rows: Iterable<EventBatchRow>,
  codec: PayloadCodec,
  afterId: number,
  limit = Number.POSITIVE_INFINITY,
  filter?: (jobId: string | null) => boolean,
): StoredQueueEvent[] {
  const out: StoredQueueEvent[] = [];
  for (const row of rows) {
    if (row.id + row.count - 1 <= afterId) continue;
    const tuples = JSON.parse(row.batch) as Tuple[];
    for (let i = 0; i < tuples.length && out.length < limit; i++) {
      const id = row.id + i;
      const [event, jobId, stored, timestamp] = tuples[i];
      if (id <= afterId || (filter !== undefined && !filter(jobId))) continue;
      const payload = typeof stored === 'string' ? (JSON.parse(codec.decode('returnvalue', stored)) as Record<string, unknown>) : stored;
      const args = jobId === null ? payload : { jobId, ...payload };
      out.push({ id: String(id), queue: row.queue, event, args, timestamp });
    }
    if (out.length >= limit) break;
  }
  return out;
}
