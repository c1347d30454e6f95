/**
 * In-process wake-up for idle workers: an add, retry or promotion in this engine wakes the workers of
 * that queue at once, without waiting for their idle check or the cross-process change feed.
 */
export class WorkSignal {
  private readonly listeners = new Map<string, Set<() => void>>();

  notify(queue: string): void {
    const set = this.listeners.get(queue);
    if (set === undefined) return;
    for (const listener of [...set]) listener();
  }

  subscribe(queue: string, listener: () => void): () => void {
    const set = this.listeners.get(queue) ?? new Set();
    set.add(listener);
    this.listeners.set(queue, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(queue);
    };
  }
}

export const WORK_SIGNAL = Symbol.for('bullite.WorkSignal');

/** A second WorkSignal instance: `cancelJob` announces cancel requests on it to this engine's workers. */
export const CANCEL_SIGNAL = Symbol.for('bullite.CancelSignal');
