import type { JobState } from './job-state.js';
import { BulliteError } from '../../../shared/bullite-error.js';

/**
 * The one allowed-transition table. Every state change the engine performs (in SQL or in memory) must be
 * an edge of this graph; the property-based test replays random operations against real SQLite and
 * checks each observed change against it. Removal is not a transition: a removed job is `unknown`.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  // Claimed by a worker; re-prioritised; cancelled or failed by the queue; pushed into the future.
  waiting: ['active', 'prioritized', 'delayed', 'failed'],
  prioritized: ['active', 'waiting', 'prioritized', 'delayed', 'failed'],
  // Due (or promoted), re-delayed, cancelled.
  delayed: ['waiting', 'prioritized', 'delayed', 'failed'],
  // Finished, retried (now or later), stalled back to waiting, parked until children finish.
  active: ['completed', 'failed', 'waiting', 'prioritized', 'delayed', 'waiting-children'],
  // Children done (or a child failed its parent), cancelled.
  'waiting-children': ['waiting', 'prioritized', 'delayed', 'failed'],
  // `retry` / `retryJobs` brings finished jobs back.
  completed: ['waiting', 'prioritized'],
  failed: ['waiting', 'prioritized'],
};

export class IllegalTransitionError extends BulliteError {
  constructor(
    readonly from: JobState,
    readonly to: JobState,
  ) {
    super('ERR_ILLEGAL_TRANSITION', `Job cannot move from ${from} to ${to}`);
  }
}

export function canTransition(from: JobState, to: JobState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

export function assertTransition(from: JobState, to: JobState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}
