/** One queue event as BullMQ's QueueEvents delivers it: `args` carries jobId and the event's fields. */
export interface QueueEventRecord {
  queue: string;
  event: string;
  args: Record<string, unknown> & { jobId?: string };
  /** Assigned by the bus: monotonically increasing per engine file (string, as BullMQ's stream ids). */
  id?: string;
}

export type QueueEventListener = (event: Required<QueueEventRecord>) => void;

/**
 * Publishing side of queue events. Listeners are this engine's own (workers, followers of the durable
 * stream); other processes read the stream through `EventStream`.
 */
export interface EventBus {
  publish(event: QueueEventRecord): void;
  subscribe(queue: string, listener: QueueEventListener): () => void;
  /** Every queue's events (the dashboard follows all queues). */
  subscribeAll(listener: QueueEventListener): () => void;
}

export const EVENT_BUS = Symbol.for('bullite.EventBus');
