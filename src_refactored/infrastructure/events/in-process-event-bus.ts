import type { EventBus, QueueEventListener, QueueEventRecord } from '../../core/application/ports/event-bus.port.js';

/**
 * Delivers queue events to listeners of this engine. Listeners run after the current tick, so a slow
 * or throwing listener never sits inside a job transition.
 */
export class InProcessEventBus implements EventBus {
  private readonly listeners = new Map<string, Set<QueueEventListener>>();
  private nextId = 1;

  publish(event: QueueEventRecord): void {
    const listeners = this.listeners.get(event.queue);
    const full = { ...event, id: event.id ?? `${this.nextId++}` };
    if (listeners === undefined || listeners.size === 0) return;
    queueMicrotask(() => {
      for (const listener of listeners) {
        try {
          listener(full);
        } catch {
          // A listener's own bug must not break delivery to the others.
        }
      }
    });
  }

  subscribe(queue: string, listener: QueueEventListener): () => void {
    const set = this.listeners.get(queue) ?? new Set();
    set.add(listener);
    this.listeners.set(queue, set);
    return () => set.delete(listener);
  }
}
