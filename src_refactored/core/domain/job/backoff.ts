import type { BackoffOptions } from './job-options.js';

export interface NormalizedBackoff {
  type: string;
  delay: number;
  jitter: number;
}

export function normalizeBackoff(backoff: BackoffOptions | undefined): NormalizedBackoff | undefined {
  if (backoff === undefined) return undefined;
  if (typeof backoff === 'number') return { type: 'fixed', delay: backoff, jitter: 0 };
  return { type: backoff.type, delay: backoff.delay ?? 0, jitter: backoff.jitter ?? 0 };
}

/** Jitter draws uniformly in [base·(1−j), base] (DESIGN.md §4). `random` is injected: the domain is pure. */
function withJitter(base: number, jitter: number, random: () => number): number {
  if (jitter <= 0) return base;
  const low = base * (1 - Math.min(jitter, 1));
  return Math.round(low + random() * (base - low));
}

/**
 * Delay before retry number `attemptsMade` (1 after the first failure) for the built-in strategies, or
 * `undefined` when the type is custom and the caller must ask the worker's `backoffStrategy`.
 */
export function builtInBackoffDelay(
  backoff: NormalizedBackoff,
  attemptsMade: number,
  random: () => number,
): number | undefined {
  switch (backoff.type) {
    case 'fixed':
      return withJitter(backoff.delay, backoff.jitter, random);
    case 'exponential':
      return withJitter(Math.round(backoff.delay * 2 ** Math.max(0, attemptsMade - 1)), backoff.jitter, random);
    default:
      return undefined;
  }
}
