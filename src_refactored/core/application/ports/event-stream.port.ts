import type { QueueEventRecord } from './event-bus.port.js';

/** A stored event with its id (ids increase in commit order across every process on the store). */
export type StoredQueueEvent = Required<QueueEventRecord> & { timestamp: number };

/**
 * The durable side of the event bus: what QueueEvents and the dashboard read, from any process, resuming
 * after the last id they saw. SQLite: the `events` table; PostgreSQL: a table read the same way.
 */
export interface EventStream {
  /** Events with an id above `afterId`, oldest first; `queue` null reads every queue. */
  read(queue: string | null, afterId: string, limit: number): Promise<StoredQueueEvent[]>;
  /** Newest id stored for the queue (or overall with null), '0' when there is none. */
  latestId(queue: string | null): Promise<string>;
  /** Events of one job still in the stream (trimmed to maxLen), oldest first. */
  forJob(queue: string, jobId: string): Promise<StoredQueueEvent[]>;
  /** Writes the events published so far (they are otherwise written at the end of the event-loop turn). */
  flush(): Promise<void>;
}

export const EVENT_STREAM = Symbol.for('bullite.EventStream');
