import type { EventBus, QueueEventRecord } from '../ports/event-bus.port.js';
import type { WorkSignal } from './work-signal.js';

/**
 * Publishes the events of follow-up changes a store write made (a parent released or failed by its child,
 * a dead letter added) and wakes the workers of every queue that gained a runnable job. Delayed parents are
 * picked up by the scheduler's next tick (at most idleCheckInterval away).
 */
export function publishEffects(effects: readonly QueueEventRecord[] | undefined, events: EventBus, signal: WorkSignal): void {
  if (effects === undefined || effects.length === 0) return;
  for (const effect of effects) events.publish(effect);
  wakeForEffects(effects, signal);
}

/** The wake-ups of publishEffects alone, for a caller that published the events inside the store write. */
export function wakeForEffects(effects: readonly QueueEventRecord[] | undefined, signal: WorkSignal): void {
  if (effects === undefined || effects.length === 0) return;
  const woken = new Set<string>();
  for (const effect of effects) if (effect.event === 'waiting') woken.add(effect.queue);
  for (const queue of woken) signal.notify(queue);
}
