import type { ClaimRequest } from '../../core/application/ports/job-record.js';

/** What a claimer reads of a queue's row to decide whether its plain claim may run (both adapters). */
export interface QueueLimits {
  gc: number | null;
  rmax: number | null;
  until: number | null;
  /** Whether the queue has grouped jobs (SQLite returns 0/1, PostgreSQL a boolean). */
  grouped: number | boolean;
}

/**
 * Whether a claim of this queue must take the flow-control path: a global concurrency, a rate limit (the
 * queue's or the worker's), a rate-limited pause in force, or groups. The plain claim statements check
 * the same conditions on the queue's row themselves (PLAIN_CLAIM_SQL on each adapter).
 */
export function isLimited(row: QueueLimits, request: ClaimRequest, now: number): boolean {
  return row.gc !== null || row.rmax !== null || (row.until ?? 0) > now || Boolean(row.grouped) || request.limiter !== undefined;
}
