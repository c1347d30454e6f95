/** One queue event as BullMQ's QueueEvents delivers it: `args` carries jobId and the event's fields. */
export interface QueueEventRecord {
  queue: string;
  event: string;
  args: Record<string, unknown> & { jobId?: string };
  /** Assigned by the bus: monotonically increasing per engine file (string, as BullMQ's stream ids). */
  id?: string;
}

export type QueueEventListener = (event: Required<QueueEventRecord>) => void;

export interface EventBus {
  publish(event: QueueEventRecord): void;
  subscribe(queue: string, listener: QueueEventListener): () => void;
}

export const EVENT_BUS = Symbol.for('bullite.EventBus');
