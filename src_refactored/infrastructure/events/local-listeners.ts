import type { QueueEventListener, QueueEventRecord } from '../../core/application/ports/event-bus.port.js';

/** Listeners of this engine, per queue and for all queues. A throwing listener never stops the others. */
export class LocalListeners {
  private readonly byQueue = new Map<string, Set<QueueEventListener>>();
  private readonly all = new Set<QueueEventListener>();

  subscribe(queue: string, listener: QueueEventListener): () => void {
    const set = this.byQueue.get(queue) ?? new Set();
    set.add(listener);
    this.byQueue.set(queue, set);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byQueue.get(queue) === set) this.byQueue.delete(queue);
    };
  }

  subscribeAll(listener: QueueEventListener): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  /** Whether an event of `queue` would reach anyone now (an event no one listens to need not be kept). */
  wants(queue: string): boolean {
    return this.all.size > 0 || this.byQueue.has(queue);
  }

  deliver(event: Required<QueueEventRecord>): void {
    const set = this.byQueue.get(event.queue);
    for (const listener of [...(set ?? []), ...this.all]) {
      try {
        listener(event);
      } catch {
        // A listener's own bug must not break delivery to the others.
      }
    }
  }
}
