/**
 * What happens to a job after a failed attempt. Pure: the caller supplies the counters, the resolved
 * backoff delay and "now".
 */
export type FailureOutcome =
  | { kind: 'retry'; runAt: number | null }
  | { kind: 'fail' };

export interface FailureInput {
  /** Attempts made including the one that just failed. */
  attemptsMade: number;
  maxAttempts: number;
  unrecoverable: boolean;
  /** Resolved backoff delay in ms (0 or undefined: straight back to waiting). */
  backoffDelay: number | undefined;
  now: number;
}

/** Retry iff attemptsMade < attempts and the error is not unrecoverable (DESIGN.md §4). */
export function decideAfterFailure(input: FailureInput): FailureOutcome {
  if (input.unrecoverable || input.attemptsMade >= input.maxAttempts) return { kind: 'fail' };
  const delay = input.backoffDelay ?? 0;
  return { kind: 'retry', runAt: delay > 0 ? input.now + delay : null };
}
