/** Every state a stored job can be in (DESIGN.md §3). `unknown` is what a lookup of a missing id reports. */
export const JOB_STATES = [
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'waiting-children',
  'completed',
  'failed',
] as const;

export type JobState = (typeof JOB_STATES)[number];
export type JobStateOrUnknown = JobState | 'unknown';

/** A job waiting to run sits in `prioritized` when it has a priority, as in BullMQ v5+. */
export function readyStateFor(priority: number): 'waiting' | 'prioritized' {
  return priority > 0 ? 'prioritized' : 'waiting';
}
